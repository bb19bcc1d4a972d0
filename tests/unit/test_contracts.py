"""Contracts sit below their implementations: the domain types and errors live in tools/contracts, the sandbox
and the tool schemas import them from there, and nothing in tools/contracts or the sandbox imports copilot."""

from __future__ import annotations

import ast
from pathlib import Path

from copilot.core import errors, models
from tools import schemas, snapshots
from tools.connectors import protocols
from tools.connectors.sandbox import world
from tools.contracts import domain
from tools.contracts import errors as contract_errors

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    return found | {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}


def test_the_contracts_and_the_sandbox_import_nothing_from_copilot_or_api():
    checked = [*(ROOT / "tools" / "contracts").rglob("*.py"), *(ROOT / "tools" / "connectors" / "sandbox").rglob("*.py")]
    assert len(checked) > 10
    upward = {str(p.relative_to(ROOT)): sorted(m for m in imported_modules(p) if m.split(".")[0] in ("copilot", "api"))
              for p in checked}
    assert {p: m for p, m in upward.items() if m} == {}


def test_one_address_one_strict_base_one_error_taxonomy():
    assert schemas.Address is snapshots.Address is protocols.Address is world.Address is domain.Address
    assert models.Strict is domain.Strict is world.Row
    assert models.Signal is domain.Signal and models.Category is domain.Category
    assert errors.NotFound is contract_errors.NotFound and errors.CopilotError is contract_errors.CopilotError
    for path in (ROOT / "tools" / "schemas.py", ROOT / "tools" / "snapshots.py", ROOT / "tools" / "connectors" / "protocols.py"):
        assert "tools.connectors.sandbox.world" not in imported_modules(path)


def test_tool_lists_come_from_the_registry():
    from copilot.decide.plan import CONTACT_TOOLS, MONEY_TOOLS, TOOL_INPUTS
    from tools import registry
    from tools.base import ToolKind

    assert {n: (s.kind, s.input_model) for n, s in registry.TOOLS.items()} == TOOL_INPUTS
    assert {"send_customer_message", "request_payment_update"} == CONTACT_TOOLS
    assert {n for n, s in registry.TOOLS.items() if s.kind is ToolKind.MONEY} == MONEY_TOOLS
    spelled = [str(p.relative_to(ROOT)) for folder in ("copilot", "evals", "api")
               for p in (ROOT / folder).rglob("*.py") if _lists_tools(p, CONTACT_TOOLS)]
    assert spelled == []
    assert _lists_tools(ROOT / "tests" / "unit" / "test_tools_registry.py", CONTACT_TOOLS)  # the scan finds one


def _lists_tools(path: Path, names: frozenset[str]) -> bool:
    """A tuple, list or set literal of tool names that holds all of `names`: a second declaration."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = {e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
            if names <= values:
                return True
    return False
