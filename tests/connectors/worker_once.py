"""One approved tool call in its own process, so a test can kill it mid-flight (`python -m ...`).

Arguments: database URL, case id, tool, JSON arguments, idempotency key. The connector modes come from the
environment, as in the service."""

from __future__ import annotations

import asyncio
import json
import sys

import psycopg
from psycopg.rows import dict_row

from copilot.cases.case_log import tool_deps
from tests.unit.test_connectors_sandbox import NOW
from tools import registry


async def main(url: str, case_id: int, tool: str, args: dict[str, object], key: str) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        deps = tool_deps(conn, NOW, case_id, "cus_1")
        await registry.call(tool, deps, args, key)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]), sys.argv[5]))
