"""Schemathesis over the app's own OpenAPI document, in process against the ASGI app on a real database
with a seeded desk: valid requests get responses that match the documented schema, and no request, valid
or deliberately malformed, is answered 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from api.app import create_app
from copilot.core import db
from copilot.core.keys import create_key
from copilot.core.roles import Role
from copilot.core.settings import Settings

EXAMPLES = 15
CHECKS = {GenerationMode.POSITIVE: [checks.not_a_server_error, checks.response_schema_conformance],
          GenerationMode.NEGATIVE: [checks.not_a_server_error]}


def _first_problem(exc: BaseException) -> str:
    inner = exc.exceptions[0] if isinstance(exc, BaseExceptionGroup) else exc
    lines = [line.strip() for line in str(inner).splitlines() if line.strip()]
    return " | ".join(lines[:4])[:400]


@pytest.mark.parametrize("mode", list(CHECKS), ids=lambda m: m.value)
def test_no_operation_answers_5xx_or_off_schema(desk, mode):
    with db.connect(desk.url, autocommit=True) as conn:
        key = create_key(conn, f"schemathesis-{mode.value}", Role.admin).key  # authorised: handlers are reached
    app = create_app(desk.url, Settings(worker_on_start=False))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    tried: dict[str, int] = {}

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case) -> None:  # noqa: ANN001
        case.headers = (case.headers or {}) | {"Authorization": f"Bearer {key}"}
        case.call_and_validate(checks=CHECKS[mode])
        tried[case.operation.label] = tried.get(case.operation.label, 0) + 1

    failures: dict[str, str] = {}
    for operation in operations:
        try:
            given(case=operation.as_strategy(generation_mode=mode))(fuzz)()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing in it can be malformed (no parameters, no body)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - gather every operation's failures
            failures[operation.label] = _first_problem(exc)
    assert failures == {}
    assert len(tried) >= len(operations) // 2
