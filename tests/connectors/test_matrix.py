"""Every (system, action) of the README's connector table, approved as the desk's execute step runs it
(`registry.call` with the plan's `case:action` key and the case's event log), in shadow mode and in live mode
against the local contract server.

shadow: each write is built, checked against the vendor's contract (no errors), recorded in the outbox and on the
case as `connector_shadowed`, and the vendor receives no write. live: the same requests reach the vendor, which
validates them against the same contract, and each outbox row is answered. Reads (tracking, address verification,
order and dispute reads) are harmless and are sent in both modes; the order read is also what the case page shows
(test_vendor_order.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.connectors.conftest import Vendors, set_modes
from tests.connectors.test_easypost import EXCHANGE
from tests.connectors.test_easypost import NEW_ADDRESS as VERIFIABLE
from tests.connectors.test_helpdesk import BODY, smtp_server, thread  # noqa: F401 - smtp_server is a fixture
from tests.connectors.test_shopify import NEW_ADDRESS, approve, new_case, rows

CANCEL = ("cancel_order", {"order_id": "#1", "reason": "customer_request"})
ADDRESS = ("update_address", {"order_id": "#1", "address": NEW_ADDRESS})
HOLD = ("hold_order", {"order_id": "#1", "reason": "address_review"})
RELEASE = ("release_hold", {"order_id": "#1", "reason": "address_fixed"})
SUBSTITUTE = ("substitute_item", {"order_id": "#1", "line_no": 1, "new_sku": "SKU-A-RED"})
REFUND = ("refund_payment", {"order_id": "#3", "amount": "20.00", "reason": "damaged"})
RETRY = ("retry_payment", {"order_id": "#4"})
STAGE = ("assemble_dispute_evidence", {"order_id": "#10", "dispute_id": "dp_10"})
SUBMIT = ("assemble_dispute_evidence", {"order_id": "#10", "dispute_id": "dp_10", "submit": True})
TRACK = ("track_shipment", {"order_id": "#2"})
VERIFY = ("update_address", {"order_id": "#1", "address": VERIFIABLE})
RETURN = ("exchange_items", EXCHANGE)


@dataclass(frozen=True)
class Pair:
    system: str
    action: str  # as the README's connector table names it
    call: tuple[str, dict[str, Any]]
    writes: list[str]  # the outbox operations, in order; [] for a read
    reads: str | None = None  # a path (or GraphQL operation) the vendor must receive in both modes
    before: tuple[str, dict[str, Any]] | None = None  # a call that sets the order up (e.g. a hold to release)
    others: dict[str, str] = field(default_factory=dict)  # other systems' modes (refunds without Stripe)
    shadow_writes: list[str] | None = None  # when shadow stops earlier (a step needs the vendor's answer)
    sql: str | None = None  # mirror state the action needs (stock for a substitution)

    @property
    def id(self) -> str:
        return f"{self.system}:{self.action}"


PAIRS = [
    Pair("shopify", "orderCancel", CANCEL, ["orderCancel"]),
    Pair("shopify", "orderUpdate shipping address", ADDRESS, ["orderUpdate"]),
    Pair("shopify", "fulfillmentOrderHold", HOLD, ["fulfillmentOrderHold"]),
    Pair("shopify", "fulfillmentOrderReleaseHold", RELEASE, ["fulfillmentOrderReleaseHold"], before=HOLD),
    Pair("shopify", "order edit (substitution)", SUBSTITUTE,
         ["orderEditBegin", "orderEditSetQuantity", "orderEditAddVariant", "orderEditCommit"],
         sql="INSERT INTO sandbox.inventory (warehouse_id, sku, on_hand, reserved) VALUES ('WH-EAST', 'SKU-A-RED', 4, 0)"),
    Pair("shopify", "refundCreate (Stripe not connected)", REFUND, ["refundCreate"], others={"stripe": "sandbox"}),
    Pair("stripe", "PaymentIntent retrieve + confirm", RETRY, ["payment_intents.confirm"],
         reads="/v1/payment_intents/pi_4"),
    Pair("stripe", "refund with Idempotency-Key", REFUND, ["refunds.create"]),
    Pair("stripe", "dispute retrieve + evidence submit=false", STAGE, ["disputes.update"], reads="/v1/disputes/dp_10"),
    Pair("stripe", "evidence submit=true on approval", SUBMIT, ["disputes.update", "disputes.update"]),
    Pair("easypost", "tracker read", TRACK, [], reads="/v2/trackers"),
    Pair("easypost", "address verification", VERIFY, [], reads="/v2/addresses/create_and_verify"),
    Pair("easypost", "return label", RETURN, ["shipments.create", "shipments.buy"],
         shadow_writes=["shipments.create"]),  # the rate to buy comes from the created shipment
    Pair("zendesk", "public reply", ("send_customer_message", {}), ["tickets.update"]),
    Pair("gorgias", "public reply", ("send_customer_message", {}), ["tickets.messages.create"]),
    Pair("freshdesk", "public reply", ("send_customer_message", {}), ["tickets.reply"]),
    Pair("email", "reply over SMTP", ("send_customer_message", {}), ["smtp.send"]),
    Pair("woocommerce", "status cancelled + private note", CANCEL, ["orders.update", "orders.notes.create"]),
    Pair("woocommerce", "status on-hold + private note", HOLD, ["orders.update", "orders.notes.create"]),
    Pair("woocommerce", "status processing (release)", RELEASE, ["orders.update"], before=HOLD),
    Pair("woocommerce", "shipping address update", ADDRESS, ["orders.update"]),
    Pair("woocommerce", "refund (Stripe not connected)", REFUND, ["orders.refunds.create"], others={"stripe": "sandbox"}),
    Pair("magento", "cancel + comment", CANCEL, ["orders.comments.create", "orders.cancel"]),
    Pair("magento", "hold + comment", HOLD, ["orders.comments.create", "orders.hold"]),
    Pair("magento", "unhold", RELEASE, ["orders.unhold"], before=HOLD),
    Pair("magento", "shipping address", ADDRESS, ["orders.address.update"]),
    Pair("magento", "credit memo refund (Stripe not connected)", REFUND, ["orders.comments.create", "order.refund"]),
]
HELPDESKS = ("zendesk", "gorgias", "freshdesk", "email")


def vendor_writes(vendors: Vendors, system: str, inbox: Any) -> int:
    """How many writes the vendor's server took (what shadow mode must never send)."""
    if system == "shopify":
        return len(vendors.shopify.mutations)
    if system == "stripe":
        return sum(1 for m, *_ in vendors.stripe.requests if m == "POST")
    if system == "easypost":
        return sum(1 for m, p, _ in vendors.easypost.requests if m == "POST" and p.startswith("/v2/shipments"))
    if system in ("woocommerce", "magento"):
        store: Any = vendors.woo if system == "woocommerce" else vendors.magento
        return sum(1 for m, *_ in store.requests if m != "GET")
    if system == "email":
        return len(inbox.messages)
    return sum(1 for s, *_ in vendors.helpdesks.received if s == system)


def vendor_reads(vendors: Vendors, system: str) -> list[str]:
    if system == "stripe":
        return [p for m, p, *_ in vendors.stripe.requests if m == "GET"]
    if system == "easypost":
        return [p for _, p, _ in vendors.easypost.requests]
    return []


def violations(vendors: Vendors) -> list[str]:
    stores: list[Any] = [vendors.shopify, vendors.stripe, vendors.easypost, vendors.helpdesks, vendors.woo,
                         vendors.magento]
    return [v for s in stores if s is not None for v in s.violations]


def configure(monkeypatch: pytest.MonkeyPatch, base: str, pair: Pair, mode: str, port: int) -> None:
    set_modes(monkeypatch, base, **{pair.system: mode, **pair.others})
    if pair.system == "email":
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "STARTTLS": "false",
                            "FROM_ADDRESS": "help@shop.example"}.items():
            monkeypatch.setenv(f"COPILOT_EMAIL_{name}", value)


@pytest.mark.parametrize("mode", ["shadow", "live"])
@pytest.mark.parametrize("pair", PAIRS, ids=[p.id for p in PAIRS])
async def test_an_approved_action_builds_the_checked_request(pair: Pair, mode: str, monkeypatch: pytest.MonkeyPatch,
                                                             contract_server: Any, vendors: Vendors,
                                                             smtp_server: Any, conn, aconn):  # noqa: F811
    port, inbox = smtp_server
    tool, args = pair.call
    if pair.system in HELPDESKS:
        args = {"ticket_id": thread(conn, pair.system), "scenario": "delivery_update", "body": BODY}
    if pair.sql is not None:
        conn.execute(pair.sql)
    if pair.before is not None:  # live, so the vendor holds what the action undoes (shadow sends nothing)
        configure(monkeypatch, contract_server[0], pair, "live", port)
        await approve(aconn, new_case(conn, pair.before[1]["order_id"]), *pair.before)
    configure(monkeypatch, contract_server[0], pair, mode, port)
    writes_before = vendor_writes(vendors, pair.system, inbox)
    case_id = new_case(conn, str(args.get("order_id", "#2")))
    await approve(aconn, case_id, tool, args, key=f"{case_id}:matrix")

    recorded = rows(conn, case_id)
    expected = pair.shadow_writes if mode == "shadow" and pair.shadow_writes is not None else pair.writes
    assert [r["operation"] for r in recorded] == expected, [(r["system"], r["operation"]) for r in recorded]
    assert all(r["system"] == pair.system and r["mode"] == mode for r in recorded)
    assert all(r["contract_checked"] and r["contract_errors"] == [] for r in recorded), recorded
    sent = vendor_writes(vendors, pair.system, inbox) - writes_before
    events = {r["kind"] for r in conn.execute("SELECT kind FROM case_events WHERE case_id = %s AND kind LIKE"
                                              " 'connector_%%'", (case_id,)).fetchall()}
    if mode == "shadow":
        assert sent == 0 and {r["status"] for r in recorded} <= {"recorded"}
        assert events == ({"connector_shadowed"} if expected else set())
    else:
        assert sent == len(pair.writes) and {r["status"] for r in recorded} <= {"answered"}
        assert events == ({"connector_sent"} if pair.writes else set())
    if pair.reads is not None:
        assert any(p.startswith(pair.reads) for p in vendor_reads(vendors, pair.system)), vendor_reads(vendors,
                                                                                                         pair.system)
    assert violations(vendors) == []


def test_the_matrix_covers_every_action_of_the_readme_table() -> None:
    """The pairs above are the table's; a system added to the configuration without a row here fails."""
    from tools.connectors.config import CONFIG_TYPES

    assert {p.system for p in PAIRS} == set(CONFIG_TYPES)
    assert len({p.id for p in PAIRS}) == len(PAIRS)


NOTE_OPS = {"zendesk": "tickets.update", "gorgias": "tickets.messages.create", "freshdesk": "tickets.notes.create"}


@pytest.mark.parametrize("mode", ["shadow", "live"])
@pytest.mark.parametrize("system", sorted(NOTE_OPS))
async def test_a_note_on_the_desk_becomes_an_internal_note_on_the_ticket(system: str, mode: str,
                                                                         monkeypatch: pytest.MonkeyPatch,
                                                                         contract_server: Any, vendors: Vendors,
                                                                         conn, aconn):
    """(helpdesk, internal note): a person's note on the desk goes to the ticket the case came from, private."""
    from copilot.desk.actions import add_note
    from tests.unit.test_connectors_sandbox import NOW

    set_modes(monkeypatch, contract_server[0], **{system: mode})
    ticket = thread(conn, system)
    case_id = new_case(conn, "#2")
    conn.execute("UPDATE signals SET case_id = %s WHERE ticket_id = %s", (case_id, ticket))
    version = conn.execute("SELECT plan_version FROM cases WHERE id = %s", (case_id,)).fetchone()["plan_version"]
    await add_note(aconn, case_id, version, "Carrier confirmed the delay.", author="dana", now=NOW)
    [row] = rows(conn, case_id)
    assert (row["system"], row["operation"], row["mode"], row["contract_errors"]) == (system, NOTE_OPS[system], mode, [])
    text = "Carrier confirmed the delay.\n— dana, recovery desk"
    body = row["body"]
    if system == "zendesk":
        assert body == {"ticket": {"comment": {"body": text, "public": False}}}
    elif system == "freshdesk":
        assert body == {"body": text, "private": True}
    else:
        assert body["channel"] == "internal-note" and body["body_text"] == text
    posted = [r for r in vendors.helpdesks.received if r[0] == system]
    assert len(posted) == (0 if mode == "shadow" else 1) and vendors.helpdesks.violations == []
    assert row["status"] == ("recorded" if mode == "shadow" else "answered")
    notes = conn.execute("SELECT body FROM case_notes WHERE case_id = %s", (case_id,)).fetchall()
    assert [n["body"] for n in notes] == ["Carrier confirmed the delay."]  # the desk keeps its own note as written


async def test_a_note_on_a_case_no_connected_helpdesk_knows_stays_on_the_desk(monkeypatch: pytest.MonkeyPatch,
                                                                             contract_server: Any, vendors: Vendors,
                                                                             conn, aconn):
    from copilot.desk.actions import add_note
    from tests.unit.test_connectors_sandbox import NOW

    set_modes(monkeypatch, contract_server[0], zendesk="live")
    ticket = thread(conn, "gorgias")  # the case came in through Gorgias, which is not connected
    case_id = new_case(conn, "#2")
    conn.execute("UPDATE signals SET case_id = %s WHERE ticket_id = %s", (case_id, ticket))
    version = conn.execute("SELECT plan_version FROM cases WHERE id = %s", (case_id,)).fetchone()["plan_version"]
    await add_note(aconn, case_id, version, "Called the customer.", author="dana", now=NOW)
    assert rows(conn, case_id) == [] and vendors.helpdesks.received == []


# Desk actions no connector carries: with the system connected they are refused, never done on the mirror alone.
UNCARRIED = [
    ("shopify", "issue_store_credit", {"order_id": "#3", "amount": "5.00", "reason": "goodwill"}, {}),
    ("woocommerce", "exchange_items", EXCHANGE, {}),
    ("magento", "update_profile_address", {"customer_id": "cus_1", "address": NEW_ADDRESS}, {}),
    ("stripe", "change_payment_method", {"order_id": "#4", "payment_method_id": "pm"}, {}),
    ("woocommerce", "retry_payment", {"order_id": "#4"}, {"stripe": "sandbox"}),
]


@pytest.mark.parametrize("mode", ["shadow", "live"])
@pytest.mark.parametrize("system,tool,args,others", UNCARRIED, ids=[f"{u[0]}:{u[1]}" for u in UNCARRIED])
async def test_an_action_the_connected_system_does_not_carry_is_refused_plainly(
        system: str, tool: str, args: dict[str, Any], others: dict[str, str], mode: str,
        monkeypatch: pytest.MonkeyPatch, contract_server: Any, vendors: Vendors, conn, aconn):
    from copilot.core.errors import ConnectorError

    set_modes(monkeypatch, contract_server[0], **{system: mode, **others})
    before = conn.execute("SELECT (SELECT count(*) FROM sandbox.store_credits) AS credits,"
                          " (SELECT count(*) FROM sandbox.exchanges) AS exchanges,"
                          " (SELECT address FROM sandbox.customers WHERE id = 'cus_1') AS address").fetchone()
    case_id = new_case(conn, str(args.get("order_id", "#1")))
    with pytest.raises(ConnectorError, match="connector does not .*admin") as refused:
        await approve(aconn, case_id, tool, args)
    assert refused.value.reason == "not_supported"
    after = conn.execute("SELECT (SELECT count(*) FROM sandbox.store_credits) AS credits,"
                         " (SELECT count(*) FROM sandbox.exchanges) AS exchanges,"
                         " (SELECT address FROM sandbox.customers WHERE id = 'cus_1') AS address").fetchone()
    assert after == before and rows(conn, case_id) == []
