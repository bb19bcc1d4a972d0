"""Answers to the questions in a ticket, drafted from the gathered facts only (status, tracking, amounts); a
question the facts do not answer is left to the agent. Each answer carries the fact it states (status and tracking
number, or total) so the claim check can hold it against the gathered order (copilot/decide/claims_changes.py)."""

from __future__ import annotations

import re

from copilot.decide.messages import Answer
from copilot.decide.plan import CaseState
from copilot.reading.model import Request

_TRACK = re.compile(r"\btrack\w*|\bwhere\b|\bshipped\b|\bin transit\b|\barriv\w*|\bstatus\b", re.I)
_PRICE = re.compile(r"\bhow much\b|\bprice\b|\btotal\b|\bcost\b|\bpaid\b|\bpay\b", re.I)


def answer(case: CaseState, request: Request, text: str, acted_on: list[str]) -> list[Answer]:
    """One short line per fact asked about, for the orders the ticket is about."""
    ids = acted_on or ([case.order_id] if case.order_id else [])
    orders = [o for o in case.all_orders if o.order.order.id in ids][:2]
    lines: list[Answer] = []
    topic = request.topic or ""
    for facts in orders:
        order = facts.order.order
        if topic == "status" or _TRACK.search(text):
            tracking = [f.tracking_number for f in facts.order.fulfillments if f.tracking_number]
            lines.append(Answer(kind="status", order_id=order.id, status=order.status,
                                tracking=tracking[0] if tracking else None,
                                text=f"order {order.id} is {order.status.replace('_', ' ')}"
                                + (f", tracking number {tracking[0]}" if tracking else "")))
        elif topic == "price" or _PRICE.search(text):
            lines.append(Answer(kind="total", order_id=order.id, amount=order.total,
                                text=f"order {order.id} totals ${order.total:,.2f}"))
    return lines
