"""An approval on the desk, through the graph and the worker, reaches the vendor as the checked request
(live) or is recorded and not sent (shadow); a vendor's refusal leaves the case undone with its reason."""

from __future__ import annotations

from typing import Any

import pytest

from copilot.cases.resume import Approve
from copilot.core.roles import Role
from copilot.desk.decisions import decide
from tests.connectors.conftest import CONTRACTS, Holder, Vendors, set_modes
from tests.connectors.shopify_server import ShopifyStore
from tests.connectors.stripe_server import StripeAccount
from tests.connectors.test_helpdesk import smtp_server  # noqa: F401 - a fixture
from tests.graph.conftest import NOW, drain, rows
from tools.connectors.sandbox.generator import generate_world
from tools.connectors.sandbox.world import World

# What each desk tool asks of Shopify or Stripe.
VENDOR_OP = {"cancel_order": "orderCancel", "update_address": "orderUpdate", "hold_order": "fulfillmentOrderHold",
             "release_hold": "fulfillmentOrderReleaseHold", "substitute_item": "orderEditCommit",
             "refund_payment": "/v1/refunds", "retry_payment": "/confirm"}


async def _seeded(database_url: str) -> World:
    from copilot.core import db
    from copilot.intake.ingest import ingest_seed_signals
    from copilot.workflow.runtime import reset_desk
    from tools.connectors.sandbox.store import write_world

    world = generate_world(seed=11, n_orders=160, n_customers=60, n_exceptions=80, now=NOW)
    with db.connect(database_url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, world)
        conn.execute("TRUNCATE connector_requests")
    import psycopg
    from psycopg.rows import dict_row

    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True, row_factory=dict_row) as aconn:
        await ingest_seed_signals(aconn, NOW)
    return world


async def _awaiting_vendor_case(engine: Any) -> tuple[dict[str, Any], list[str]]:
    """A case waiting for approval whose effects all go to Shopify or Stripe (its message aside)."""
    found = await rows(engine, """
        SELECT c.id, c.plan_version, array_agg(a.tool ORDER BY a.action_id) AS tools FROM cases c
        JOIN proposed_actions a ON a.case_id = c.id AND a.plan_version = c.plan_version
        WHERE c.status = 'awaiting_approval' AND a.kind IN ('WRITE', 'MONEY')
        GROUP BY c.id, c.plan_version ORDER BY c.id""")
    for case in found:
        if all(t in VENDOR_OP for t in case["tools"]):
            return case, case["tools"]
    raise AssertionError(f"no case awaiting approval with vendor effects only: {found[:5]}")


def _vendors(world: World, holder: Holder) -> Vendors:
    stripe = StripeAccount.load(CONTRACTS)
    for payment in world.payments:
        stripe.add_intent(payment.id, int(payment.amount * 100))
    holder.vendors = Vendors(ShopifyStore.from_world(world, CONTRACTS), stripe)
    return holder.vendors


def _sent(vendors: Vendors) -> list[str]:
    return [name for name, _ in vendors.shopify.mutations] + [p for m, p, _, _ in vendors.stripe.requests if m == "POST"]


async def _approve(engine: Any, case: dict[str, Any]) -> None:
    needed = await rows(engine, "SELECT role FROM guardrail_verdicts WHERE case_id = %s AND plan_version = %s"
                        " AND outcome = 'needs_approval'", case["id"], case["plan_version"])
    role = "finance" if any(r["role"] == "finance" for r in needed) else "lead"
    await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"], actor="dana", role=Role(role)),
                 now=engine.deps.clock())
    await drain(engine)


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_an_approved_plan_reaches_the_vendor_checked(mode: str, monkeypatch: pytest.MonkeyPatch,
                                                          contract_server: Any, database_url: str, engine: Any,
                                                          smtp_server: Any):  # noqa: F811
    world = await _seeded(database_url)
    await drain(engine)  # every system in sandbox mode while the desk plans
    case, tools = await _awaiting_vendor_case(engine)
    vendors = _vendors(world, contract_server[1])
    # The store's helpdesks, email and carrier API too: the plan's customer message goes to the ticket it came
    # from, or (a case from a webhook) by a new email.
    set_modes(monkeypatch, contract_server[0], shopify=mode, stripe=mode, easypost=mode, zendesk=mode, gorgias=mode,
              freshdesk=mode, email=mode)
    port, inbox = smtp_server
    for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                        "FROM_ADDRESS": "help@shop.example"}.items():
        monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)
    await _approve(engine, case)
    actions = await rows(engine, "SELECT tool, status, error FROM proposed_actions WHERE case_id = %s"
                         " AND plan_version = %s AND kind IN ('WRITE', 'MONEY') ORDER BY action_id", case["id"],
                         case["plan_version"])
    assert [(a["tool"], a["status"]) for a in actions] == [(t, "done") for t in tools], actions
    recorded = await rows(engine, "SELECT system, mode, status, operation, contract_checked, contract_errors"
                          " FROM connector_requests WHERE case_id = %s ORDER BY id", case["id"])
    assert recorded and all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded)
    assert {r["mode"] for r in recorded} == {mode}
    replies = [r for r in recorded if r["system"] in ("zendesk", "gorgias", "freshdesk", "email")]
    sent_messages = await rows(engine, "SELECT count(*) AS n FROM proposed_actions WHERE case_id = %s AND"
                               " plan_version = %s AND kind = 'CONTACT' AND status = 'done'", case["id"],
                               case["plan_version"])
    assert len(replies) == sent_messages[0]["n"], (replies, sent_messages)  # each message to its helpdesk ticket
    if mode == "shadow":
        assert _sent(vendors) == [] and {r["status"] for r in recorded} == {"recorded"}
        assert vendors.helpdesks.received == [] and inbox.messages == []
    else:
        assert {r["status"] for r in recorded} == {"answered"}
        for tool in tools:
            assert any(op.endswith(VENDOR_OP[tool]) for op in _sent(vendors)), (tool, _sent(vendors))
        assert [s for s, *_ in vendors.helpdesks.received] + ["email"] * len(inbox.messages) == \
            sorted([r["system"] for r in replies], key=lambda s: s == "email")
    assert vendors.shopify.violations == [] and vendors.stripe.violations == []
    assert vendors.helpdesks.violations == [] and vendors.easypost.violations == []
    status = (await rows(engine, "SELECT status FROM cases WHERE id = %s", case["id"]))[0]["status"]
    assert status in {"awaiting_customer", "verifying", "closed"}


async def test_a_vendor_refusal_leaves_the_case_undone_with_the_vendors_reason(
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, database_url: str, engine: Any):
    world = await _seeded(database_url)
    await drain(engine)
    case, tools = await _awaiting_vendor_case(engine)
    vendors = _vendors(world, contract_server[1])
    refusal = [{"field": ["id"], "message": "The order can no longer be changed", "code": "INVALID"}]
    for field in ("orderCancel", "orderUpdate", "fulfillmentOrderHold", "fulfillmentOrderReleaseHold",
                  "orderEditBegin"):
        vendors.shopify.user_errors[field] = refusal
    vendors.stripe.decline_next = "insufficient_funds"
    vendors.stripe.refuse_refunds = "Charge ch_1 has already been refunded."
    set_modes(monkeypatch, contract_server[0], shopify="live", stripe="live")
    await _approve(engine, case)
    failed = await rows(engine, "SELECT tool, error FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                        " AND status = 'failed'", case["id"], case["plan_version"])
    assert [f["tool"] for f in failed] == tools[:1], (tools, failed)
    assert any(words in failed[0]["error"] for words in (
        "The order can no longer be changed", "insufficient funds", "has already been refunded")), failed
    status = (await rows(engine, "SELECT status FROM cases WHERE id = %s", case["id"]))[0]["status"]
    assert status not in {"verifying", "closed"}


# What each desk tool asks of a WooCommerce or Magento store (refunds go to the store when Stripe is not connected).
STORE_OP = {"woocommerce": {"cancel_order": "PUT", "update_address": "PUT", "hold_order": "PUT",
                            "release_hold": "PUT", "refund_payment": "/refunds"},
            "magento": {"cancel_order": "/cancel", "update_address": "PUT", "hold_order": "/hold",
                        "release_hold": "/unhold", "refund_payment": "/refund"}}


async def _awaiting_store_cases(engine: Any, platform: str) -> list[tuple[dict[str, Any], list[str]]]:
    found = await rows(engine, """
        SELECT c.id, c.plan_version, array_agg(a.tool ORDER BY a.action_id) AS tools FROM cases c
        JOIN proposed_actions a ON a.case_id = c.id AND a.plan_version = c.plan_version
        WHERE c.status = 'awaiting_approval' AND a.kind IN ('WRITE', 'MONEY')
        GROUP BY c.id, c.plan_version ORDER BY c.id""")
    usable = [(case, case["tools"]) for case in found if all(t in STORE_OP[platform] for t in case["tools"])]
    assert len(usable) >= 2, f"fewer than two cases awaiting approval with {platform} effects only: {found[:5]}"
    return usable


async def _approve_in(mode: str, platform: str, case: dict[str, Any], tools: list[str], vendors: Vendors,
                      engine: Any) -> None:
    store: Any = vendors.woo if platform == "woocommerce" else vendors.magento
    store.requests.clear()
    await _approve(engine, case)
    actions = await rows(engine, "SELECT tool, status, error FROM proposed_actions WHERE case_id = %s"
                         " AND plan_version = %s AND kind IN ('WRITE', 'MONEY') ORDER BY action_id", case["id"],
                         case["plan_version"])
    assert [(a["tool"], a["status"]) for a in actions] == [(t, "done") for t in tools], actions
    recorded = await rows(engine, "SELECT system, mode, status, method, url, contract_checked, contract_errors"
                          " FROM connector_requests WHERE case_id = %s ORDER BY id", case["id"])
    assert recorded and {(r["system"], r["mode"]) for r in recorded} == {(platform, mode)}
    assert all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded)
    sent = [(m, p) for m, p, _ in store.requests if m != "GET"]
    if mode == "shadow":
        assert sent == [] and {r["status"] for r in recorded} == {"recorded"}
    else:
        assert {r["status"] for r in recorded} == {"answered"}
        for tool in tools:
            want = STORE_OP[platform][tool]
            assert any(m == want or p.endswith(want) for m, p in sent), (tool, sent)
    assert store.violations == []
    shown = await rows(engine, "SELECT kind FROM case_events WHERE case_id = %s AND kind LIKE 'connector_%%'",
                       case["id"])
    assert {e["kind"] for e in shown} == {"connector_shadowed" if mode == "shadow" else "connector_sent"}


@pytest.mark.parametrize("platform", ["woocommerce", "magento"])
async def test_approvals_for_a_store_on_woocommerce_or_magento_in_shadow_then_live(
        platform: str, monkeypatch: pytest.MonkeyPatch, contract_server: Any, database_url: str, engine: Any):
    from tests.connectors.magento_server import MagentoStore
    from tests.connectors.woo_server import WooStore

    world = await _seeded(database_url)
    await drain(engine)  # every system in sandbox mode while the desk plans
    (first, first_tools), (second, second_tools) = (await _awaiting_store_cases(engine, platform))[:2]
    vendors = _vendors(world, contract_server[1])
    vendors.woo, vendors.magento = WooStore.from_world(world, CONTRACTS), MagentoStore.from_world(world, CONTRACTS)
    set_modes(monkeypatch, contract_server[0], **{platform: "shadow"})
    await _approve_in("shadow", platform, first, first_tools, vendors, engine)
    set_modes(monkeypatch, contract_server[0], **{platform: "live"})
    await _approve_in("live", platform, second, second_tools, vendors, engine)


@pytest.mark.parametrize("mode", ["shadow", "live"])
async def test_finance_approving_a_chargeback_stages_then_submits_the_evidence(
        mode: str, monkeypatch: pytest.MonkeyPatch, contract_server: Any, database_url: str, engine: Any):
    """The chargeback playbook's plan says submit; finance's approval on the desk stages the pack in Stripe
    (submit=false) and then submits it (submit=true): recorded in shadow, sent in live."""
    from tests.graph.conftest import seed_one_case

    await seed_one_case(database_url, "chargeback")
    async with engine.pool.connection() as conn:
        await conn.execute("TRUNCATE connector_requests")
    await drain(engine)  # planned with every system in sandbox mode
    [case] = await rows(engine, "SELECT id, plan_version FROM cases WHERE status = 'escalated' AND owner = 'finance'")
    [planned] = await rows(engine, "SELECT args FROM proposed_actions WHERE case_id = %s AND plan_version = %s AND"
                           " tool = 'assemble_dispute_evidence'", case["id"], case["plan_version"])
    assert planned["args"]["submit"] is True
    world = generate_world(seed=7, now=NOW)  # the world seed_one_case wrote
    vendors = _vendors(world, contract_server[1])
    for dispute in world.disputes:
        vendors.stripe.add_dispute(dispute.id, int(dispute.amount * 100))
    set_modes(monkeypatch, contract_server[0], stripe=mode)
    await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"], actor="fay", role=Role.finance),
                 now=engine.deps.clock())
    await drain(engine)
    [done] = await rows(engine, "SELECT status, result FROM proposed_actions WHERE case_id = %s AND plan_version = %s"
                        " AND tool = 'assemble_dispute_evidence'", case["id"], case["plan_version"])
    assert done["status"] == "done", done
    assert done["result"]["evidence_submitted"] == ("recorded_in_shadow" if mode == "shadow" else "submitted")
    recorded = await rows(engine, "SELECT operation, mode, status, body, contract_errors FROM connector_requests"
                          " WHERE case_id = %s ORDER BY id", case["id"])
    assert [(r["operation"], r["body"]["submit"], r["mode"], r["contract_errors"]) for r in recorded] == [
        ("disputes.update", False, mode, []), ("disputes.update", True, mode, [])]
    dispute_id = done["result"]["dispute"]["id"]
    submitted = vendors.stripe.disputes[dispute_id]["evidence_details"]["submission_count"]
    posted = [params.get("submit") for m, _, params, _ in vendors.stripe.requests if m == "POST"]
    if mode == "shadow":
        assert (posted, submitted) == ([], 0)
    else:
        assert (posted, submitted) == (["false", "true"], 1)
    assert vendors.stripe.violations == []
