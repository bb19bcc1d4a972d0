"""`claims_supported`: re-read each stored draft and check what it says against the stored facts.

Deliberately independent of the drafting code: it never asks copilot/decide/claims.py or the message contexts what a
template meant to claim. It reads the text the customer would get, finds the statements of fact in it (stock,
carrier, warehouse, money, payment, address, dispute, items), and looks each one up in the facts JSON the case
stored and the actions the plan proposed. A draft is supported when every statement it makes is.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from evals.schema import ActualAction

Facts = dict[str, Any]

_SHIPPED_ORDER = {"shipped", "delivered"}
_MOVING = {"handed_off", "in_transit", "out_for_delivery", "delivered", "available_for_pickup", "exception",
           "failure", "returned", "return_to_sender"}
_MONEY = re.compile(r"\$\s?(\d[\d,]*(?:\.\d{1,2})?)")

# The statements of fact a draft can make, in English and in the five languages the desk also writes (es fr de pt
# it): each pattern is read on the lower-cased text. Written here from the customer's side of the message, not
# taken from the templates' code.
OUT_OF_STOCK = r"out of stock|agotad[oa]|rupture de stock|ausverkauft|esgotad[oa]|esaurit[oa]"
# "it hasn't left our warehouse yet" says the opposite of "it had already left our warehouse".
WITH_CARRIER = (r"\breports that the package\b|(?<!hasn't )(?<!has not )\bleft our warehouse\b|\bwith the carrier\b|informa de que el paquete|"
                r"con el transportista|indique que le colis|avec le transporteur|meldet, dass das paket|"
                r"mit dem versanddienstleister|informa que o pacote|com a transportadora|segnala che il pacco|"
                r"con il corriere")
CARRIER_REPORT = (r"reports that the package|informa de que el paquete|indique que le colis|meldet, dass das paket|"
                  r"informa que o pacote|segnala che il pacco")
DELAYED = r"is delayed|va con retraso|a du retard|sich verspätet|está atrasado|è in ritardo"
NOT_SHIPPED = (r"hasn't left our warehouse|as soon as it ships|before it ships|being packed|no ha salido de nuestro|"
               r"en cuanto salga|n'a pas encore quitté|dès son expédition|noch nicht verlassen|sobald sie versandt|"
               r"ainda não saiu|assim que ele for despachado|non ha ancora lasciato|appena verrà spedito")
REFUND_SAID = (r"we'll refund|refund of \$|on its way back|we've issued a refund|devolveremos|reembolso de \$|"
               r"vous rembours|remboursement de \$|wir erstatten|erstattung von \$|vamos devolver|rimborseremo|"
               r"rimborso di \$")
NOTHING_CHARGED = (r"nothing was charged|pending charge .* released|cualquier cargo pendiente|tout débit en attente|"
                   r"ausstehende belastung|cobrança pendente|addebiti in sospeso")
DISCOUNT = r"\b(discount|coupon|voucher|descuento|cupón|réduction|remise|rabatt|gutschein|desconto|cupom|sconto)\b"
AHEAD = (r"front of the (line|queue)|\bprioriti[sz]|\bexpedit|\brush(ed|ing)? (it|your)|"
         r"(faster|express|overnight) (shipping|delivery)|prioridad|priorité|priorität|priorità|prioridade|vorrang|"
         r"envío urgente|livraison express|expressversand|spedizione espressa|entrega expressa")
PAYMENT_FAILED = (r"didn't go through|couldn't complete the payment|no se pudo completar|n'a pas abouti|"
                  r"nicht durchgegangen|não foi concluído|non è andato a buon fine")
CARD_ENDING = r"(?:ending in|terminada en|se terminant par|mit der endung|terminado em|che termina con) (\d{4})"
ADDRESS_UNCONFIRMED = (r"couldn't confirm the shipping address|no pudo confirmar la dirección|n'a pas pu confirmer "
                       r"l'adresse|konnte die lieferadresse nicht bestätigen|não conseguiu confirmar o endereço|"
                       r"non è riuscito a confermare l'indirizzo")
UNIT_MISSING = (r"missing an apartment|le falta el número|manquer un numéro d'appartement|büronummer zu fehlen|"
                r"falta o número do apartamento|manchi il numero dell'interno")
UNDELIVERABLE = (r"couldn't deliver to the address|no pudo entregarlo en la dirección|n'a pas pu livrer à l'adresse|"
                 r"konnte nicht an die adresse liefern|não conseguiu entregar no endereço|"
                 r"non è riuscito a consegnare all'indirizzo")
SEVERAL_ORDERS = (r"more than one order on your account|más de un pedido en su cuenta|plusieurs commandes sur votre "
                  r"compte|mehr als eine bestellung|mais de um pedido na sua conta|più di un ordine sul suo account")


def _dec(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def _order(facts: Facts) -> dict[str, Any]:
    return (facts.get("order") or {}).get("order") or {}


def _fulfillments(facts: Facts) -> list[dict[str, Any]]:
    return (facts.get("order") or {}).get("fulfillments") or []


def _events(facts: Facts) -> list[dict[str, Any]]:
    return [e for sh in ((facts.get("shipments") or {}).get("shipments") or []) for e in sh.get("events") or []]


def _payment(facts: Facts) -> dict[str, Any]:
    return facts.get("payment") or {}


def _outstanding(facts: Facts) -> Decimal:
    pay = _payment(facts)
    return (_dec(pay.get("captured", 0)) or Decimal(0)) - (_dec(pay.get("refunded", 0)) or Decimal(0))


def shipped(facts: Facts) -> bool:
    """A carrier has the parcel, by the order, its fulfillments or a tracking event."""
    return (_order(facts).get("status") in _SHIPPED_ORDER
            or any(f.get("handed_off_at") or f.get("status") in ("handed_off", "delivered") for f in _fulfillments(facts))
            or any(e.get("status") in _MOVING for e in _events(facts)))


def _home(facts: Facts) -> set[str]:
    return {f["warehouse_id"] for f in _fulfillments(facts)}


def _free_at_home(facts: Facts, sku: str) -> int | None:
    inv = next((i for i in facts.get("inventory") or [] if i.get("sku") == sku), None)
    if inv is None:
        return None
    return sum(s["available"] for s in inv["stock"] if s["warehouse_id"] in _home(facts))


def _lines_named(facts: Facts, text: str) -> list[dict[str, Any]]:
    return [ln for ln in _order(facts).get("lines") or [] if ln["name"].lower() in text.lower()]


def _signal(facts: Facts) -> dict[str, Any]:
    return facts.get("signal") or {}


# ---- statements and their checks ----------------------------------------------------------------------


def _stock(text: str, facts: Facts) -> list[str]:
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        if not re.search(OUT_OF_STOCK, sentence.lower()):
            continue
        lines = _lines_named(facts, sentence)
        if not lines:
            out.append(f"says an item is out of stock but names no item of the order: {sentence!r}")
        for ln in lines:
            free = _free_at_home(facts, ln["sku"])
            if free is None or free > 0:
                out.append(f"says {ln['name']} is out of stock; available at its warehouse: {free}")
    return out


def _waiting(text: str, facts: Facts) -> list[str]:
    m = re.search(r"The (.+?) is delayed", text)
    if not m:
        return []
    line = next((ln for ln in _order(facts).get("lines") or [] if ln["name"] == m.group(1)), None)
    if line is None:
        return [f"says {m.group(1)!r} is delayed, which is no item of the order"]
    free, sig = _free_at_home(facts, line["sku"]), _signal(facts)
    if free == 0 or (sig.get("kind") == "threepl_exception" and sig.get("sku") == line["sku"]):
        return []
    return [f"says {line['name']} is delayed, but {free} are available at its warehouse"]


def _carrier_and_warehouse(text: str, facts: Facts) -> list[str]:
    low, out = text.lower(), []
    moved = shipped(facts)
    if re.search(WITH_CARRIER, low) and not moved:
        out.append("speaks of the parcel with the carrier, but it has not left the warehouse")
    if re.search(DELAYED, low) and re.search(CARRIER_REPORT, low) and not any(
            e.get("status") not in ("delivered", None) for e in _events(facts)) and not _signal(facts).get("tracking_status"):
        out.append("reports a carrier delay with no carrier event on record")
    if re.search(NOT_SHIPPED, low) and moved:
        out.append("says the order has not shipped, but it has")
    if "damaged in transit" in low and not any(e.get("status_detail") == "damaged" for e in _events(facts)) \
            and _signal(facts).get("status_detail") != "damaged":
        out.append("says the item was damaged in transit with no carrier damage event")
    return out


def _money(text: str, facts: Facts, actions: list[ActualAction]) -> list[str]:
    pay, order = _payment(facts), _order(facts)
    known = {_dec(pay.get(k)) for k in ("captured", "refunded", "refundable")} | {_outstanding(facts)}
    known |= {_dec(order.get(k)) for k in ("total", "subtotal", "shipping_total")}
    for ln in order.get("lines") or []:
        known |= {_dec(ln["unit_price"]), _dec(Decimal(str(ln["unit_price"])) * ln["quantity"])}
    for a in actions:
        known |= {_dec(v) for k, v in a.args.items() if k in ("amount", "difference", "price_difference")}
        known |= {_dec(abs(Decimal(str(x["price"])))) for x in a.args.get("lines") or [] if "price" in x}
    out = [f"names {m.group(0)}, which no fact or plan argument holds" for m in _MONEY.finditer(text)
           if _dec(m.group(1)) not in known and not _difference_of(facts, _dec(m.group(1)))]
    # A percentage is a promise (a discount, a share refunded) unless it is a word of the records: a keyboard's
    # "80%" layout is an option value of the item or the variant the plan asks for.
    records = json.dumps([facts, [a.args for a in actions]], default=str)
    out += [f"names a percentage: {m.group(0)!r}" for m in re.finditer(r"\b\d+(?:\.\d+)?\s?%", text)
            if m.group(0) not in records]
    low = text.lower()
    tools = {a.tool for a in actions}
    if re.search(REFUND_SAID, low) and not (
            "refund_payment" in tools or _outstanding(facts) > 0 or (_dec(pay.get("refunded")) or 0) > 0):
        out.append("promises or reports a refund, but nothing was captured or refunded")
    if re.search(NOTHING_CHARGED, low) and _outstanding(facts) > 0:
        out.append(f"says nothing is charged, but {_outstanding(facts)} is captured")
    if re.search(DISCOUNT, low):
        out.append("promises a discount, which no tool gives")
    if re.search(AHEAD, low):
        out.append("promises to move the order ahead or ship it faster, which no tool does")
    return out


def _difference_of(facts: Facts, amount: Decimal | None) -> bool:
    """A price difference between two variants on record (substitute or exchange offers)."""
    if amount is None:
        return False
    prices = {_dec(ln["unit_price"]) for ln in _order(facts).get("lines") or []}
    variants = {_dec(v["price"]) for i in facts.get("inventory") or [] for v in i.get("variants") or []}
    return any(p is not None and v is not None and abs(p - v) == amount for p in prices for v in variants)


def _payment_words(text: str, facts: Facts) -> list[str]:
    low, out = text.lower(), []
    payments = _payment(facts).get("payments") or []
    if re.search(PAYMENT_FAILED, low) and not (
            payments and payments[-1].get("status") == "failed"):
        out.append("says the payment failed, but the latest payment has not")
    for m in re.finditer(CARD_ENDING, low):
        if m.group(1) not in {p.get("last4") for p in payments}:
            out.append(f"quotes card ending {m.group(1)}, not a card of the order")
    if "opened a dispute" in low and not (_payment(facts).get("disputes") or _signal(facts).get("dispute_id")):
        out.append("speaks of a dispute, but none is on record")
    return out


def _address(text: str, facts: Facts) -> list[str]:
    low = text.lower()
    checks = [c["result"] for c in facts.get("address_checks") or [] if c["address"] == _order(facts).get("shipping_address")]
    details = {e.get("status_detail") for e in _events(facts)} | {_signal(facts).get("status_detail")}
    out = []
    if re.search(ADDRESS_UNCONFIRMED, low) and not any(not c["valid"] for c in checks):
        out.append("says the carrier could not confirm the address; the address check found nothing wrong")
    if re.search(UNIT_MISSING, low) and not any(c["missing_unit"] for c in checks):
        out.append("says the unit is missing; the address check did not find that")
    if re.search(UNDELIVERABLE, low) and not details & {"address_not_found", "return_to_sender"}:
        out.append("says the carrier could not deliver, with no such carrier event")
    return out


def _items(text: str, facts: Facts, actions: list[ActualAction]) -> list[str]:
    lines = {ln["line_no"]: ln["name"] for ln in _order(facts).get("lines") or []}
    out = []
    for a in actions:
        if a.tool == "reship_order":
            named = [lines[n] for n in a.args.get("line_nos") or [] if n in lines]
            out += [f"reships {n} without naming it" for n in named if n not in text]
            out += [f"names {n}, which is not reshipped" for n in lines.values() if n in text and n not in named]
    m = re.search(r"\border (#?[\w-]+)|\b(?:pedido|commande|[Bb]estellung|ordine) (#[\w-]+)", text)
    said = (m.group(1) or m.group(2)) if m else None
    acted_on = {a.args.get("order_id") for a in actions}  # a plan over several orders names each it changes
    if said and said != _order(facts).get("id") and _order(facts) and said not in acted_on:
        out.append(f"names order {said}, not the case's order {_order(facts).get('id')}")
    return out


# ---- a changes summary: each listed change is one action, each answer a fact of the order it names ---------

SUMMARY = "We've prepared what you asked for:"
_DIFF = r"(?:; \$([\d,]+\.\d\d) (more to pay|back to you))?"
LISTED = [  # the lines a summary lists, read from the customer's side; a line none of them reads is unsupported
    ("cancel_order", re.compile(r"^cancel order (?P<order>#?[\w-]+)$")),
    ("refund_payment", re.compile(r"^return (?P<items>.+) from (?P<order>#?[\w-]+) \((?P<amount>[\d,]+\.\d\d) back "
                                  r"once received\)$")),
    ("substitute_item", re.compile(r"^change (?P<items>.+?) on (?P<order>#?[\w-]+) to (?P<to>.+?)" + _DIFF + "$")),
    ("exchange_items", re.compile(r"^exchange (?P<pairs>.+) \((?P<order>#?[\w-]+)" + _DIFF + r"\)$")),
    ("update_address", re.compile(r"^ship order (?P<order>#?[\w-]+) to (?P<to>.+)$")),
    ("update_profile_address", re.compile(r"^update the default address on your profile$")),
    ("change_payment_method", re.compile(r"^pay order (?P<order>#?[\w-]+) with (?P<to>.+)$")),
]
MORE = re.compile(r"^and (\d+) more changes? on your orders$")
ANSWER_STATUS = re.compile(r"order (#?[\w-]+) is ([a-z ]+?)(?:, tracking number ([\w-]+))?(?=;|\.?$)")
ANSWER_TOTAL = re.compile(r"order (#?[\w-]+) totals \$([\d,]+\.\d\d)")


def _orders(facts: Facts) -> dict[str, dict[str, Any]]:
    """Every order the case gathered (its own and the customer's related ones), by id, with its fulfillments and
    inventory."""
    found: list[dict[str, Any]] = [{"order": _order(facts), "fulfillments": _fulfillments(facts),
                                    "inventory": facts.get("inventory") or []}]
    found += [{"order": (r.get("order") or {}).get("order") or {}, "fulfillments": (r.get("order") or {}).get(
        "fulfillments") or [], "inventory": r.get("inventory") or []} for r in facts.get("related") or []]
    return {o["order"]["id"]: o for o in found if o["order"].get("id")}


def _swap_cost(held: dict[str, Any], swaps: list[tuple[int, str]]) -> Decimal | None:
    lines = {ln["line_no"]: ln for ln in held["order"].get("lines") or []}
    prices = {v["sku"]: _dec(v["price"]) for i in held["inventory"] for v in i.get("variants") or []}
    if any(no not in lines or prices.get(sku) is None for no, sku in swaps):
        return None
    return sum(((prices[sku] or Decimal(0)) - (_dec(lines[no]["unit_price"]) or Decimal(0))) * lines[no]["quantity"]
               for no, sku in swaps)


def _listed_wrong(tool: str, m: re.Match[str], action: ActualAction, held: dict[str, Any] | None) -> str | None:
    """Why the action does not do what the line says, or None when it does."""
    args, parts = action.args, m.groupdict()
    if tool != "update_profile_address" and args.get("order_id") != parts.get("order"):
        return f"the action is on {args.get('order_id')}"
    names = {ln["line_no"]: ln["name"] for ln in (held or {}).get("order", {}).get("lines") or []}
    if tool == "refund_payment":
        items = parts["items"].split(", ")
        lines = [ln for ln in (held or {}).get("order", {}).get("lines") or [] if ln["name"] in items]
        worth = sum((Decimal(str(ln["unit_price"])) * ln["quantity"] for ln in lines), Decimal(0))
        back = _dec(parts["amount"])
        if {ln["name"] for ln in lines} != set(items) or back != _dec(args.get("amount")) or back != _dec(worth):
            return f"refunds {args.get('amount')}; the lines named are worth {worth}"
    if tool in ("substitute_item", "exchange_items"):
        swaps = [(args["line_no"], args["new_sku"])] if tool == "substitute_item" else [
            (ln["line_no"], ln["new_sku"]) for ln in args.get("lines") or []]
        told = [parts["items"]] if tool == "substitute_item" else [p.split(" for ")[0] for p in parts["pairs"].split("; ")]
        if told != [names.get(no) for no, _ in swaps]:
            return f"swaps {[names.get(no) for no, _ in swaps]}"
        cost = _swap_cost(held, swaps) if held else None
        stated: Decimal = (_dec(m.group(m.re.groups - 1)) or Decimal(0)) if m.group(m.re.groups - 1) else Decimal(0)
        stated = -stated if m.group(m.re.groups) == "back to you" else stated
        if (cost if cost is not None else stated) != stated or (cost is None and stated):
            return f"the catalog prices give a difference of {cost}"
    if tool in ("update_address",) and (args.get("address") or {}).get("line1", "") not in parts["to"]:
        return f"ships to {(args.get('address') or {}).get('line1')}"
    return None


def _summary(text: str, facts: Facts, actions: list[ActualAction]) -> list[str]:
    """A changes summary lists each change once, each made by its own action; its answers state the gathered
    status, tracking number or total of the order they name."""
    if SUMMARY not in text:
        return []
    orders, out = _orders(facts), []
    free = [a for a in actions if a.tool in {t for t, _ in LISTED}]
    body = text.split(SUMMARY, 1)[1]
    for line in re.findall(r"^- (.+)$", body, re.M):
        if (more := MORE.match(line)) is not None:
            if int(more.group(1)) > len(free):
                out.append(f"counts {more.group(1)} more changes, the plan has {len(free)} left")
            continue
        read = next(((tool, m) for tool, rx in LISTED if (m := rx.match(line)) is not None), None)
        if read is None:
            out.append(f"lists a change no action reads as: {line!r}")
            continue
        tool, m = read
        held = orders.get(m.groupdict().get("order") or "")
        fit = next((a for a in free if a.tool == tool and _listed_wrong(tool, m, a, held) is None), None)
        if fit is None:
            whys = [w for a in free if a.tool == tool and (w := _listed_wrong(tool, m, a, held))]
            out.append(f"lists {line!r}, which no action makes ({'; '.join(whys) or f'no {tool}'})")
        else:
            free.remove(fit)
    return out + _answers(body, orders)


def _answers(body: str, orders: dict[str, dict[str, Any]]) -> list[str]:
    said = body.split("About your questions:", 1)[1].split("\n")[0].strip() if "About your questions:" in body else ""
    out = []
    for m in ANSWER_STATUS.finditer(said):
        held = orders.get(m.group(1))
        status = ((held or {}).get("order") or {}).get("status", "").replace("_", " ")
        tracking = {f.get("tracking_number") for f in (held or {}).get("fulfillments") or []}
        if held is None or status != m.group(2) or (m.group(3) and m.group(3) not in tracking):
            out.append(f"answers that order {m.group(1)} is {m.group(2)!r}"
                       f"{', tracking ' + m.group(3) if m.group(3) else ''}; on record: {status or 'not gathered'}")
    for m in ANSWER_TOTAL.finditer(said):
        held = orders.get(m.group(1))
        if held is None or _dec(held["order"].get("total")) != _dec(m.group(2)):
            out.append(f"answers that order {m.group(1)} totals ${m.group(2)}; on record: "
                       f"{(held or {}).get('order', {}).get('total', 'not gathered')}")
    return out


def unsupported(text: str | None, facts: Facts | None, actions: list[ActualAction]) -> list[str] | None:
    """Each statement of the draft the stored facts do not back; None when there is no draft to check."""
    if not text or facts is None:
        return None
    if re.search(SEVERAL_ORDERS, text.lower()):
        choices = {c["order_id"] for c in facts.get("candidate_orders") or []}
        return [f"lists order {o}, not one of the customer's" for o in re.findall(r"^- (#?[\w-]+)", text, re.M)
                if o not in choices]
    return (_stock(text, facts) + _waiting(text, facts) + _carrier_and_warehouse(text, facts)
            + _money(text, facts, actions) + _payment_words(text, facts) + _address(text, facts)
            + _items(text, facts, actions) + _summary(text, facts, actions))
