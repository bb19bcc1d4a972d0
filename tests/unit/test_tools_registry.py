"""The registry: every tool declared once with a generated schema; validated calls; exactly-once effects."""

from __future__ import annotations

import asyncio
import hashlib
import json

import psycopg
import pytest
from psycopg.rows import dict_row

from copilot.core.errors import Conflict, ConnectorError, InvalidInput, NotFound
from tests.unit import test_connectors_sandbox as sandbox
from tests.unit.test_connectors_sandbox import BOSTON, deps_for
from tools import registry
from tools.base import ToolKind, ToolSpec
from tools.connectors.sandbox.store import world_digest

DESIGN_TOOLS = {
    ToolKind.READ: {"lookup_order", "lookup_customer", "lookup_payment", "track_shipment", "validate_address",
                    "locate_inventory", "assess_fraud_signals", "find_similar_cases"},
    ToolKind.WRITE: {"update_address", "release_hold", "hold_order", "split_shipment", "substitute_item",
                     "intercept_shipment", "reroute_shipment", "update_profile_address"},
    ToolKind.MONEY: {"retry_payment", "refund_payment", "issue_store_credit", "reship_order", "cancel_order",
                     "exchange_items", "change_payment_method"},
    ToolKind.CONTACT: {"send_customer_message", "request_payment_update"},
    ToolKind.OWNER: {"escalate_case", "assemble_dispute_evidence"},
}
# One call per effect tool that succeeds on the mini world, acting as cus_1.
EFFECT_CALLS = {
    "update_address": {"order_id": "#1", "address": BOSTON.model_copy(update={"line1": "99 Elm St"}).model_dump()},
    "release_hold": {"order_id": "#4", "reason": "card updated"},
    "hold_order": {"order_id": "#1", "reason": "fraud_review"},
    "split_shipment": {"order_id": "#1", "ship_now_line_nos": [1]},
    "substitute_item": {"order_id": "#1", "line_no": 1, "new_sku": "SKU-B"},
    "intercept_shipment": {"order_id": "#2", "reason": "customer cancelled"},
    "reroute_shipment": {"order_id": "#2", "address": BOSTON.model_copy(update={"line2": "Apt 1"}).model_dump()},
    "retry_payment": {"order_id": "#4"},
    "refund_payment": {"order_id": "#3", "amount": "12.50", "reason": "damaged"},
    "issue_store_credit": {"order_id": "#3", "amount": "10.00", "reason": "late delivery"},
    "reship_order": {"order_id": "#3", "line_nos": [1], "reason": "missing item"},
    "cancel_order": {"order_id": "#1", "reason": "customer asked"},
    "exchange_items": {"order_id": "#3", "lines": [{"line_no": 1, "new_sku": "SKU-A-RED"}], "payment_method_id": "pm"},
    "change_payment_method": {"order_id": "#1", "payment_method_id": "pm"},
    "update_profile_address": {"customer_id": "cus_1", "address": BOSTON.model_copy(update={"line1": "7 Elm St"}).model_dump()},
    "send_customer_message": {"order_id": "#1", "scenario": "delay_notice", "body": "Your order ships Friday."},
    "request_payment_update": {"order_id": "#4", "body": "Please update your card."},
}
EXTRA_TABLES = ("outbox", "store_credits", "carrier_charges", "refunds", "tickets", "exchanges")

# The mini world and an async connection, shared with the connector tests.
world = sandbox.world
aconn = sandbox.aconn


def sandbox_state(conn: psycopg.Connection) -> str:
    """A digest of every sandbox row, including the tables tools write that the world digest skips."""
    digest = hashlib.sha256(world_digest(conn).encode())
    for table in EXTRA_TABLES:
        rows = conn.execute(f"SELECT * FROM sandbox.{table} ORDER BY 1").fetchall()
        digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return digest.hexdigest()


def new_case(conn: psycopg.Connection) -> int:
    return conn.execute("INSERT INTO cases (customer_id) VALUES ('cus_1') RETURNING id").fetchone()["id"]


def test_every_design_tool_is_declared_once_with_its_kind():
    assert {kind: set(registry.names(kind)) for kind in ToolKind} == DESIGN_TOOLS
    assert set(EFFECT_CALLS) == DESIGN_TOOLS[ToolKind.WRITE] | DESIGN_TOOLS[ToolKind.MONEY] | DESIGN_TOOLS[ToolKind.CONTACT]


@pytest.mark.parametrize("name", sorted(registry.TOOLS))
def test_schema_is_generated_from_the_input_model_and_forbids_extra_fields(name):
    schema = registry.json_schema(name)
    spec = registry.get(name)
    assert schema["name"] == name and len(schema["description"]) > 20
    assert schema["parameters"] == spec.input_model.model_json_schema()
    assert schema["parameters"]["additionalProperties"] is False
    assert spec.output_model.model_config.get("extra") == "forbid"
    json.dumps(schema)


def test_unknown_tool_and_bad_arguments_get_clear_errors(conn):
    with pytest.raises(NotFound, match="no tool named 'refund_everything'"):
        registry.get("refund_everything")
    spec = registry.get("refund_payment")
    with pytest.raises(InvalidInput, match=r"refund_payment: amount: Input should be greater than 0"):
        registry.parse_args(spec, {"order_id": "#3", "amount": "-1", "reason": "damaged"})
    with pytest.raises(InvalidInput, match=r"refund_payment: note: Extra inputs are not permitted"):
        registry.parse_args(spec, {"order_id": "#3", "amount": "1", "reason": "damaged", "note": "x"})


async def test_effect_tools_need_a_well_formed_key_of_their_case(world, aconn):
    deps = deps_for(aconn, case_id=7)
    args = EFFECT_CALLS["hold_order"]
    with pytest.raises(InvalidInput, match="needs an idempotency key"):
        await registry.call("hold_order", deps, args)
    with pytest.raises(InvalidInput, match="is not case_id:action_id"):
        await registry.call("hold_order", deps, args, "hold-it")
    with pytest.raises(InvalidInput, match="belongs to another case"):
        await registry.call("hold_order", deps, args, "8:a1")


@pytest.mark.parametrize("name", sorted(EFFECT_CALLS))
async def test_repeated_call_with_the_same_key_returns_the_first_result_and_changes_nothing(name, world, aconn, conn):
    case_id = new_case(conn)
    deps = deps_for(aconn, case_id=case_id)
    first = await registry.call(name, deps, EFFECT_CALLS[name], f"{case_id}:act1")
    after_first = sandbox_state(conn)
    again = await registry.call(name, deps_for(aconn, case_id=case_id), EFFECT_CALLS[name], f"{case_id}:act1")
    assert again == first
    assert sandbox_state(conn) == after_first
    calls = conn.execute("SELECT status, tool FROM tool_calls WHERE idempotency_key = %s", (f"{case_id}:act1",))
    assert calls.fetchall() == [{"status": "done", "tool": name}]
    kinds = [r["kind"] for r in conn.execute("SELECT kind FROM case_events WHERE case_id = %s ORDER BY id", (case_id,))]
    assert kinds == ["tool_started", "tool_finished"]


async def test_a_key_reused_for_different_arguments_is_a_conflict(world, aconn, conn):
    case_id = new_case(conn)
    deps = deps_for(aconn, case_id=case_id)
    await registry.call("refund_payment", deps, EFFECT_CALLS["refund_payment"], f"{case_id}:r")
    with pytest.raises(Conflict, match="was used for another call"):
        await registry.call("refund_payment", deps, {**EFFECT_CALLS["refund_payment"], "amount": "13.00"}, f"{case_id}:r")
    assert conn.execute("SELECT count(*) AS n FROM sandbox.refunds").fetchone()["n"] == 1


async def test_a_refused_call_is_audited_as_failed_and_may_run_again(world, aconn, conn):
    case_id = new_case(conn)
    deps = deps_for(aconn, case_id=case_id)
    with pytest.raises(ConnectorError):
        await registry.call("release_hold", deps, {"order_id": "#1", "reason": "x"}, f"{case_id}:rel")
    row = conn.execute("SELECT status, error FROM tool_calls WHERE idempotency_key = %s", (f"{case_id}:rel",)).fetchone()
    assert row["status"] == "failed" and row["error"].startswith("not_on_hold:")
    await registry.call("hold_order", deps, {"order_id": "#1", "reason": "risk"}, f"{case_id}:hold")
    out = await registry.call("release_hold", deps, {"order_id": "#1", "reason": "x"}, f"{case_id}:rel")
    assert out.released == "risk"
    kinds = [r["kind"] for r in conn.execute("SELECT kind FROM case_events WHERE case_id = %s ORDER BY id", (case_id,))]
    assert kinds == ["tool_started", "tool_failed", "tool_started", "tool_finished", "tool_started", "tool_finished"]


async def test_a_crash_after_the_effect_leaves_neither_effect_nor_done_record(world, aconn, conn):
    """The effect and its 'done' row share one transaction: a crash between them rolls both back."""
    real = registry.get("refund_payment")

    async def crashing(deps, args):
        await real.fn(deps, args)
        raise RuntimeError("worker killed")

    spec = ToolSpec(name=real.name, kind=real.kind, input_model=real.input_model, output_model=real.output_model,
                    fn=crashing, description=real.description)
    data = registry.parse_args(real, EFFECT_CALLS["refund_payment"])
    with pytest.raises(RuntimeError):
        await registry._exactly_once(spec, deps_for(aconn), data, "0:crash")
    assert conn.execute("SELECT count(*) AS n FROM sandbox.refunds").fetchone()["n"] == 0
    assert conn.execute("SELECT status FROM tool_calls WHERE idempotency_key = '0:crash'").fetchone()["status"] \
        == "started"
    out = await registry.call("refund_payment", deps_for(aconn), data, "0:crash")
    assert out.amount == data.amount
    assert conn.execute("SELECT count(*) AS n FROM sandbox.refunds").fetchone()["n"] == 1


async def test_concurrent_calls_with_one_key_send_one_message(world, aconn, conn, database_url):
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as other:
        args = EFFECT_CALLS["send_customer_message"]
        results = await asyncio.gather(
            registry.call("send_customer_message", deps_for(aconn), args, "0:both"),
            registry.call("send_customer_message", deps_for(other), args, "0:both"))
    assert results[0] == results[1]
    assert conn.execute("SELECT count(*) AS n FROM sandbox.outbox").fetchone()["n"] == 1


async def test_read_tools_need_no_key_and_leave_no_record(world, aconn, conn):
    out = await registry.call("lookup_order", deps_for(aconn), {"order_id": "#1"})
    assert out.order.total == out.order.subtotal
    assert conn.execute("SELECT count(*) AS n FROM tool_calls WHERE tool = 'lookup_order'").fetchone()["n"] == 0


async def test_escalate_records_the_owner_on_the_case(world, aconn, conn):
    case_id = new_case(conn)
    out = await registry.call("escalate_case", deps_for(aconn, case_id=case_id), {"owner": "risk", "reason": "high"},
                              f"{case_id}:esc")
    assert (out.owner, out.escalation_level) == ("risk", 1)
    row = conn.execute("SELECT owner, escalation_level FROM cases WHERE id = %s", (case_id,)).fetchone()
    assert row == {"owner": "risk", "escalation_level": 1}
    again = await registry.call("escalate_case", deps_for(aconn, case_id=case_id), {"owner": "risk", "reason": "high"},
                                f"{case_id}:esc")
    assert again.escalation_level == 1
    with pytest.raises(InvalidInput, match="needs the case"):
        await registry.call("escalate_case", deps_for(aconn), {"owner": "risk", "reason": "x"})
