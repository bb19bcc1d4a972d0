"""tau2-bench retail as an external eval set: each task's request becomes a ticket on the tau2 world, and the
task's write actions are compared with what the copilot proposed. Actions with no counterpart are listed.

    copilot eval run --adapter tau2 --tasks ../shared/data/tau2-retail/tasks_train.json --db .../db.json
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field
from rich.console import Console
from rich.table import Table

from copilot.core import db
from copilot.core.errors import InvalidInput
from copilot.core.models import Signal, SignalKind, SignalSource, Strict
from copilot.core.settings import Settings
from copilot.decide.plan import CONTACT_TOOLS
from copilot.workflow.engine import open_engine
from copilot.workflow.runtime import reset_desk
from evals.claims_check import unsupported
from evals.evaluators import args_match
from evals.play import Clock, read_outcome
from evals.schema import ExpectedAction
from tools.connectors.sandbox.loaders import TAU2_NOW, load_tau2
from tools.connectors.sandbox.store import write_world

NO_COUNTERPART: dict[str, str] = {}  # every tau2 retail write action has a tool now
READ_ONLY = {"get_order_details", "get_product_details", "get_user_details", "get_item_details", "calculate",
             "find_user_id_by_name_zip", "find_user_id_by_email", "list_all_product_types"}


class TaskResult(Strict):
    id: str
    right: bool
    reasons: list[str]
    expected: list[ExpectedAction]
    proposed: list[str]
    no_counterpart: list[str]
    plan: list[dict[str, Any]] = Field(default_factory=list, description="The proposed decisions with arguments.")
    reasons_of_plan: list[str] = Field(default_factory=list, description="The plan's own reasons, for the table.")
    facts: dict[str, Any] | None = Field(default=None, description="The case's gathered facts (CaseState), so a "
                                         "failure can be re-planned offline without the graph.")
    category: str | None = None


class Tau2Result(Strict):
    tasks: int
    right: int
    share: float
    reasons: dict[str, int]
    no_counterpart: dict[str, int] = Field(description="tau2 write actions we cannot express, by name")
    results: list[TaskResult]


def load_tasks(path: Path) -> list[dict[str, Any]]:
    try:
        tasks = json.loads(path.read_text())
        assert isinstance(tasks, list) and all("user_scenario" in t for t in tasks)
    except (OSError, json.JSONDecodeError, AssertionError) as exc:
        raise InvalidInput(f"{path} is not a tau2-bench tasks file") from exc
    return tasks


def _lines(order: dict[str, Any]) -> dict[str, int]:
    return {item["item_id"]: n + 1 for n, item in enumerate(order["items"])}


def _exchange_lines(order: dict[str, Any], old: list[str], new: list[str]) -> list[dict[str, Any]]:
    """tau2 names items by id, and an order may hold the same item twice: each id takes the next such line."""
    free = [(n + 1, item["item_id"]) for n, item in enumerate(order["items"])]
    lines = []
    for item_id, new_id in zip(old, new, strict=False):
        hit = next((f for f in free if f[1] == item_id), None)
        if hit is not None:
            free.remove(hit)
        lines.append({"line_no": hit[0] if hit else None, "new_sku": new_id})
    return sorted(lines, key=lambda ln: ln["line_no"] or 0)


def _address(args: dict[str, Any]) -> dict[str, Any]:
    return {"line1": args["address1"], "city": args["city"], "state": args["state"], "zip": args["zip"]}


def map_action(name: str, args: dict[str, Any], raw: dict[str, Any]) -> list[ExpectedAction] | None:
    """Our tools for one tau2 write action; None when we have no counterpart."""
    order = raw["orders"].get(args.get("order_id", ""), {"items": []})
    if name == "exchange_delivered_order_items":
        return [ExpectedAction(tool="exchange_items", args={
            "order_id": args["order_id"], "lines": _exchange_lines(order, args["item_ids"], args["new_item_ids"]),
            "payment_method_id": args["payment_method_id"]})]
    if name == "modify_user_address":
        return [ExpectedAction(tool="update_profile_address", args={"customer_id": args["user_id"],
                                                                    "address": _address(args)})]
    if name == "cancel_pending_order":
        return [ExpectedAction(tool="cancel_order", args={"order_id": args["order_id"]})]
    if name == "modify_pending_order_address":
        return [ExpectedAction(tool="update_address", args={"order_id": args["order_id"], "address": _address(args)})]
    if name == "modify_pending_order_items":
        lines = _lines(order)
        return [ExpectedAction(tool="substitute_item", args={"order_id": args["order_id"], "line_no": lines.get(old),
                                                             "new_sku": new})
                for old, new in zip(args["item_ids"], args["new_item_ids"], strict=False)]
    if name == "return_delivered_order_items":
        prices = {i["item_id"]: Decimal(str(i["price"])) for i in order["items"]}
        amount = sum((prices.get(i, Decimal(0)) for i in args["item_ids"]), Decimal(0))
        return [ExpectedAction(tool="refund_payment", args={"order_id": args["order_id"], "amount": str(amount)})]
    if name == "modify_pending_order_payment":
        return [ExpectedAction(tool="change_payment_method", args={"order_id": args["order_id"],
                                                                   "payment_method_id": args["payment_method_id"]})]
    if name == "transfer_to_human_agents":
        return [ExpectedAction(tool="escalate_case")]
    return None


def identify(instructions: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any] | None:
    """The caller, as the helpdesk would know them: by email, user id, or name and ZIP."""
    known = f"{instructions.get('known_info') or ''} {instructions.get('reason_for_call') or ''}"
    users = raw["users"]
    # A caller who gives several emails writes from one of them: the one on file is the sender the helpdesk knows.
    for email in re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", known):
        if u := next((u for u in users.values() if u["email"] == email), None):
            return u
    for token in re.findall(r"\b[a-z]+_[a-z]+_\d{4}\b", known):
        if token in users:
            return users[token]
    zips = set(re.findall(r"\b\d{5}\b", known))
    for u in users.values():
        name = f"{u['name']['first_name']} {u['name']['last_name']}"
        if name.lower() in known.lower() and u["address"]["zip"] in zips:
            return u
    return None


def ticket_for(task: dict[str, Any], raw: dict[str, Any]) -> Signal:
    ins = task["user_scenario"]["instructions"]
    user = identify(ins, raw)
    text = f"{ins['reason_for_call']}\n{ins.get('known_info') or ''}".strip()
    order = re.search(r"#W\d{7}", text)
    return Signal(source=SignalSource.zendesk, source_event_id=f"tau2-{task['id']}", kind=SignalKind.ticket,
                  occurred_at=TAU2_NOW, order_id=order.group(0) if order else None,
                  customer_email=user["email"] if user else None,
                  customer_name=f"{user['name']['first_name']} {user['name']['last_name']}" if user else None,
                  ticket_id=f"tau2-{task['id']}", subject="Customer request", text=text[:7000])


def judge(task: dict[str, Any], raw: dict[str, Any], proposed: list[tuple[str, dict[str, Any]]]) -> TaskResult:
    writes = [a for a in (task.get("evaluation_criteria") or {}).get("actions") or [] if a["name"] not in READ_ONLY]
    expected, missing_tool, reasons = [], [], []
    for a in writes:
        mapped = map_action(a["name"], a["arguments"], raw)
        if mapped is None:
            missing_tool.append(a["name"])
            reasons.append(f"no counterpart: {a['name']}")
        else:
            expected += mapped
    decisions = [(t, args) for t, args in proposed if t not in CONTACT_TOOLS]
    free = list(range(len(decisions)))
    for want in expected:
        hit = next((i for i in free if decisions[i][0] == want.tool and args_match(want.args, decisions[i][1])), None)
        if hit is None:
            same_tool = any(t == want.tool for t, _ in decisions)
            reasons.append(f"{'wrong arguments' if same_tool else 'missing'}: {want.tool}")
        else:
            free.remove(hit)
    reasons += [f"unexpected: {decisions[i][0]}" for i in free if decisions[i][0] != "escalate_case"]
    return TaskResult(id=str(task["id"]), right=not reasons, reasons=reasons, expected=expected,
                      proposed=[t for t, _ in proposed], no_counterpart=missing_tool)


def answer_problems(task: dict[str, Any], message: str | None, facts: dict[str, Any] | None,
                    actions: list[Any]) -> list[str]:
    """A task with no write action is right only when the draft says nothing untrue and tells what was asked."""
    untrue = unsupported(message, facts, actions) or []
    wanted = (task.get("evaluation_criteria") or {}).get("communicate_info") or []
    missing = [str(i) for i in wanted if str(i).lower() not in (message or "").lower()]
    return [f"draft claims: {p}" for p in untrue] + [f"draft does not tell: {i}" for i in missing]


async def run(url: str, tasks_path: Path, db_path: Path, settings: Settings,
              on_task: Callable[[int, int], None] | None = None) -> Tau2Result:
    tasks, world = load_tasks(tasks_path), load_tau2(db_path)
    raw = json.loads(db_path.read_text())
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
        write_world(conn, world)  # once: a task's reads and drafted plans leave the orders as they were
    results = []
    async with open_engine(url, settings, clock=Clock(TAU2_NOW), pool_size=4) as engine:
        for n, task in enumerate(tasks):
            results.append(await _one(engine, url, task, raw))
            if on_task:
                on_task(n + 1, len(tasks))
    return summarize(results)


async def _one(engine: Any, url: str, task: dict[str, Any], raw: dict[str, Any]) -> TaskResult:
    from copilot.intake.ingest import ingest_signal
    from copilot.workflow.worker import work

    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)
    signal = ticket_for(task, raw)
    async with engine.pool.connection() as conn:
        outcome = await ingest_signal(conn, signal, TAU2_NOW)
    await work(engine.pool, engine.run_job, concurrency=2, drain=True, idle_sleep=0.01)
    async with engine.pool.connection() as conn:
        played = await read_outcome(conn, outcome.case_id, 0.0, [])
        cur = await conn.execute("SELECT order_id, customer_email FROM cases WHERE id = %s", (outcome.case_id,))
        case = await cur.fetchone()
    result = judge(task, raw, [(a.tool, a.args) for a in played.actual.actions])
    # What the copilot made of the ticket (it may infer the order and identify the caller the ticket lacks).
    acted_on = {a.get("arguments", {}).get("order_id")
                for a in (task.get("evaluation_criteria") or {}).get("actions") or []} - {None}
    context = [*(["caller not identified"] if not case or not case["customer_email"] else []),
               *(["no order found for the ticket"] if acted_on and (not case or not case["order_id"]) else []),
               *(["case linked to an order the task does not act on"]
                 if acted_on and case and case["order_id"] and case["order_id"] not in acted_on else [])]
    if played.actual.error:
        context.append(f"graph error: {played.actual.error.split(';')[0][:70]}")
    if result.right and not result.expected and not result.no_counterpart:
        result.reasons += answer_problems(task, played.actual.message, played.facts, played.actual.actions)
        result.right = not result.reasons
    if context and not result.right or played.actual.error:
        result.reasons += context
        result.right = False
    result.category = played.actual.category
    result.plan = [{"tool": a.tool, "args": a.args} for a in played.actual.actions
                   if a.tool not in CONTACT_TOOLS]
    async with engine.pool.connection() as conn:
        cur = await conn.execute("SELECT plan, facts FROM cases WHERE id = %s", (outcome.case_id,))
        row = await cur.fetchone()
    result.reasons_of_plan = [str(r) for r in ((row or {}).get("plan") or {}).get("reasons", [])][:8]
    result.facts = (row or {}).get("facts")
    return result


def summarize(results: list[TaskResult]) -> Tau2Result:
    reasons = Counter(r for t in results for r in set(t.reasons))
    missing = Counter(name for t in results for name in t.no_counterpart)
    right = sum(t.right for t in results)
    return Tau2Result(tasks=len(results), right=right, share=round(right / len(results), 4) if results else 0.0,
                      reasons=dict(reasons.most_common()), no_counterpart=dict(missing), results=results)


def print_result(result: Tau2Result, console: Console) -> None:
    console.print(f"tau2 retail: {result.right}/{result.tasks} tasks right ({result.share:.1%})")
    table = Table(title="why the rest failed (tasks per reason)")
    table.add_column("reason")
    table.add_column("tasks", justify="right")
    for reason, n in result.reasons.items():
        table.add_row(reason, str(n))
    console.print(table)
    for name, n in result.no_counterpart.items():
        console.print(f"no counterpart: {name} x{n} ({NO_COUNTERPART.get(name, 'not mapped')})")
