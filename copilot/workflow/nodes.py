"""Node bodies of the case graph. Each reads and returns a small state; facts and plans live in Postgres too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from langgraph.types import interrupt
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from copilot.cases import queries, store
from copilot.cases.case_log import tool_deps
from copilot.cases.resume import Approve, Edit, Reject, Replan, Reply, dump_resume, parse_resume
from copilot.cases.store import plans
from copilot.close import rootcause, verification
from copilot.core.errors import CopilotError, InvalidInput
from copilot.core.models import CaseStatus, Category, Disposition
from copilot.core.policy import Policy
from copilot.core.roles import OWNER_ROLES, Role
from copilot.core.settings import Settings
from copilot.decide import facts as case_facts
from copilot.decide import guardrails, playbooks
from copilot.decide.plan import CONTACT_TOOLS, CaseState, CustomerRequest, Plan, Verdict, action
from copilot.llm import LLMConfig
from copilot.workflow import llm_steps, replies
from copilot.workflow.state import CaseGraphState, JsonObject, Route, case_state, decision_of, plan_of
from tools import registry
from tools.base import ToolKind

ACTOR = "copilot"


@dataclass
class NodeDeps:
    pool: AsyncConnectionPool[Any]
    clock: Callable[[], datetime]
    policy: Policy
    settings: Settings
    llm: LLMConfig = field(default_factory=LLMConfig)


_state = case_state
_plan = plan_of


async def classify(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """Triage already classified the case deterministically; out-of-scope cases are routed away."""
    async with deps.pool.connection() as conn:
        category = await queries.category_of(conn, state["case_id"])
        out_of_scope = category is None or category == Category.out_of_scope
        read = None if out_of_scope else await llm_steps.read_ticket_facts(conn, deps.llm, state["case_id"],
                                                                                 deps.clock())
        requests = None if out_of_scope else await llm_steps.read_ticket_requests(conn, deps.llm, state["case_id"],
                                                                                  deps.clock())
    return {"out_of_scope": out_of_scope, "ticket_facts": read or {}, "llm_reading": requests or {}}


async def gather_facts(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    kept = _kept_request(state)
    async with deps.pool.connection() as conn:
        facts = await case_facts.gather(conn, state["case_id"], deps.clock(),
                                        llm_address=state.get("ticket_facts", {}).get("new_address"),
                                        llm_reading=state.get("llm_reading") or None)
        if kept is not None:
            facts = await replies.with_request(conn, facts, kept, deps.clock())
    return {"facts": facts.model_dump(mode="json")}


def _kept_request(state: CaseGraphState) -> CustomerRequest | None:
    """A re-plan for a system event keeps what the customer asked (a choice from a reply is not in any ticket
    text to re-read); a re-plan for a new ticket reads the ask afresh."""
    decision = decision_of(state)
    if not isinstance(decision, Replan) or decision.reread_ticket:
        return None
    request = (state.get("facts") or {}).get("request")
    return CustomerRequest.model_validate(request) if request else None


async def plan(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """The plan and its drafted message, in one step: the draft always follows the plan, and each graph step
    costs a worker under a millisecond of CPU (README, "Triage against the floor")."""
    facts = _state(state)
    try:
        decided = playbooks.build_plan(facts, deps.policy)
    except InvalidInput as exc:
        # A playbook that cannot work with these facts (no order found, say) hands the case to a person.
        decided = Plan(disposition=Disposition.escalate, reasons=[exc.message],
                       actions=[action("escalate", "escalate_case", {"owner": "lead", "reason": exc.message})])
    return await draft_message(facts, decided, deps)


async def draft_message(facts: CaseState, decided: Plan, deps: NodeDeps) -> CaseGraphState:
    """The customer message is an action of the plan, so rule 9 checks, and the approver sees, its exact text."""
    contact = [a for a in decided.actions if a.tool in CONTACT_TOOLS]
    text = contact[0].args.body if contact else ""  # type: ignore[attr-defined]
    if not text or not deps.llm.enabled or decided.language != "en":
        # A translated template is not reworded: the rewording prompt and its checks are written for English.
        return {"plan": decided.model_dump(mode="json"), "message": text, "message_source": "template"}
    async with deps.pool.connection() as conn:
        worded, source = await llm_steps.reword(conn, deps.llm, facts, decided, text, deps.policy, deps.clock())
    return {"message": worded, "message_source": source, "plan": with_message(decided, worded).model_dump(mode="json")}


def with_message(decided: Plan, text: str) -> Plan:
    raw = decided.model_dump(mode="json")
    for a in raw["actions"]:
        if a["tool"] in CONTACT_TOOLS:
            a["args"]["body"] = text
    return Plan.model_validate(raw)


def _apply_edits(state: CaseGraphState) -> CaseGraphState:
    """An edit replaces action arguments and/or the text; the guardrails then run again on the result."""
    decision = decision_of(state)
    if not isinstance(decision, Edit):
        return {}
    raw = plan_of(state).model_dump(mode="json")
    edits = {e.action_id: e.args for e in decision.edits}
    raw["actions"] = [a | {"args": {**a["args"], **edits[a["action_id"]]}} if a["action_id"] in edits else a
                      for a in raw["actions"]]
    text = decision.message or state["message"]
    edited = with_message(Plan.model_validate(raw), text)
    return {"plan": edited.model_dump(mode="json"), "message": text}


async def check_guardrails(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    state = CaseGraphState(**(state | _apply_edits(state)))
    facts, decided, text = _state(state), _plan(state), state["message"]
    verdicts = guardrails.evaluate(facts, decided, deps.policy)
    active = [v for v in verdicts if v.mode == "active"]
    after = decision_of(state)
    route, repeated = _route_after(state, _route(decided, active), after)
    replanned = after.reason if isinstance(after, Replan) else None
    written_by = state.get("message_source", "template")
    if isinstance(after, Edit) and after.message:
        written_by = f"{after.actor} ({after.role.value})"
    now = deps.clock()
    async with deps.pool.connection() as conn, conn.transaction():
        version = await _persist_plan(conn, facts, decided, text, verdicts, written_by,
                                      route=route, now=now, replanned=replanned)
        target = {"auto_approve": CaseStatus.executing, "await_approval": CaseStatus.awaiting_approval,
                  "escalate": CaseStatus.escalated}[route]
        if isinstance(after, Edit) and after.while_escalated:
            target = CaseStatus.escalated  # the owner's edit keeps the case with the owner
        await store.ensure(conn, facts.case_id, target, actor=ACTOR, reason=_route_reason(route, active), now=now,
                           data={"plan_version": version})
        if isinstance(after, Edit):
            await _edit_judged(conn, facts.case_id, version, after, active, now)
    update: CaseGraphState = {"plan": state["plan"], "message": text, "plan_version": version, "route": route,
                              "verdicts": [v.model_dump(mode="json") for v in verdicts], "decision": {},
                              "message_source": written_by}
    if not repeated:
        update["rejected_actions"] = []
    return update


def _route_after(state: CaseGraphState, route: Route,
                 after: Approve | Edit | Reject | Replan | None) -> tuple[Route, bool]:
    """The route once a person's decision is taken into account, and whether a rejected plan came back."""
    if isinstance(after, Edit | Reject) and route == "auto_approve":
        route = "await_approval"  # after a person edited or rejected, only a person approves what follows
    if isinstance(after, Edit):
        # A person's edit comes back to the person: a block is explained on the plan and can be corrected,
        # instead of handing the case on for good.
        route = "await_approval"
    repeated = isinstance(after, Reject) and _what_runs(state["plan"]) == state.get("rejected_actions")
    if repeated:
        route = "escalate"  # fresh facts gave back the plan a person rejected: a person takes the case
    return route, repeated


async def _edit_judged(conn: AsyncConnection[Any], case_id: int, version: int, edit: Edit, active: list[Verdict],
                       now: datetime) -> None:
    """Say who edited the plan and, when a rule blocks the edit, which and why, so it can be corrected."""
    blocks = [v for v in active if v.outcome == "block"]
    await store.record_event(conn, case_id, "edit_blocked" if blocks else "edit_checked", {
        "plan_version": version, "editor": edit.actor, "role": edit.role.value,
        "blocks": [{"rule_id": v.rule_id, "action_id": v.action_id, "reason": v.reason} for v in blocks]},
        actor=ACTOR, at=now)


def _route(decided: Plan, active: list[Verdict]) -> Route:
    if decided.disposition == Disposition.escalate or any(v.outcome == "block" for v in active):
        return "escalate"
    if guardrails.combine(active).outcome == "allow":
        return "auto_approve"
    return "await_approval"


def _route_reason(route: str, active: list[Verdict]) -> str:
    limiting = [v for v in active if v.outcome != "allow"]
    if not limiting:
        rule10 = next((v.reason for v in active if v.rule_id == "automation"), "")
        return f"every action allowed: automatic first touch ({rule10})" if rule10 else \
            "every action allowed: automatic first touch"
    said = list(dict.fromkeys(f"{v.rule_id}: {v.reason}" for v in limiting))  # one line per distinct reason
    return "; ".join(said[:3])


async def _persist_plan(conn: AsyncConnection[Any], facts: CaseState, decided: Plan, text: str,
                        verdicts: list[Verdict], written_by: str = "template", *, route: Route, now: datetime,
                        replanned: str | None = None) -> int:
    # The route tells copilot/workflow/replies.py whether this version waits at the approval pause (even once escalated).
    event = {"disposition": decided.disposition.value, "reasons": decided.reasons,
             "actions": [f"{a.tool}({a.action_id})" for a in decided.actions], "route": route}
    proposal = plans.Proposal(
        plan=decided.model_dump(mode="json"), facts=facts.model_dump(mode="json"),
        disposition=decided.disposition.value,
        actions=[plans.ActionRow(a.action_id, a.tool, a.kind.value, a.args.model_dump(mode="json"))
                 for a in decided.actions],
        verdicts=[plans.VerdictRow(v.action_id or "message", v.rule_id, v.outcome, v.role.value if v.role else None,
                                   v.reason, v.mode.value) for v in verdicts],
        draft=plans.DraftRow(decided.scenario.value, text, facts.ticket_id, written_by)
        if decided.scenario is not None and text else None,
        event=event | ({"replanned": replanned} if replanned else {}))
    return await plans.propose(conn, facts.case_id, proposal, actor=ACTOR, now=now)


action_key = plans.action_key


async def auto_approve(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """Rule 10 allows a first touch without a human: approve as the copilot, through the same pause and
    resume a person's approval takes, so effects always run from a checkpoint with stable keys."""
    case_id, version = state["case_id"], state["plan_version"]
    # The approval carries rule 10's own words (one request, how it was grounded, claims, low-risk list).
    why = next((v["reason"] for v in state.get("verdicts", []) if v["rule_id"] == "automation"
                and v["outcome"] == "allow" and v["mode"] == "active"), "guardrails allow every action")
    approval = Approve(plan_version=version, actor=ACTOR, role=Role.agent, auto=True, reason=f"rule 10: {why}")
    async with deps.pool.connection() as conn, conn.transaction():
        await store.record_auto_approval(conn, case_id, approval, deps.clock())
    return {}


def approval_payload(state: CaseGraphState) -> JsonObject:
    """Exactly what will run if approved: actions with final arguments, verdicts with reasons, the text."""
    return {"case_id": state["case_id"], "plan_version": state["plan_version"],
            "actions": state["plan"]["actions"], "verdicts": state["verdicts"], "message": state["message"],
            "disposition": state["plan"]["disposition"], "ask": state["plan"]["ask"]}


async def await_approval(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    resume = parse_resume(interrupt(approval_payload(state)))
    match resume:
        case Replan(reread_ticket=reread):  # a material signal joined (copilot/workflow/replies.py): whatever the version
            return {"decision": dump_resume(resume), "route": "classify" if reread else "gather_facts"}
        case Approve() | Edit() | Reject() if resume.plan_version == state["plan_version"]:
            return {"decision": dump_resume(resume), **_after(resume, state)}
        case _:
            # A decision about an earlier plan (one replaced after a crash or an edit) decides nothing now.
            return {"decision": {}, "route": "await_approval"}


def _after(decision: Approve | Edit | Reject, state: CaseGraphState) -> CaseGraphState:
    match decision:
        case Approve():
            return {"route": "execute"}
        case Edit():
            return {"route": "check_guardrails"}
        case Reject(close=True):
            return {"route": "close", "close_reason": f"rejected: {decision.reason}"}
        case Reject():
            # A rejected plan is planned again on facts read again: the reason may be that they changed.
            return {"route": "gather_facts", "rejected_actions": _what_runs(state["plan"]),
                    "rejected_because": f"plan v{state['plan_version']} rejected by {decision.actor}:"
                                        f" {decision.reason}"}


def _what_runs(plan: JsonObject) -> list[JsonObject]:
    actions = plan.get("actions")
    return [{"tool": a["tool"], "args": a["args"]} for a in actions if isinstance(a, dict)] \
        if isinstance(actions, list) else []


def _escalation(state: CaseGraphState) -> tuple[str, str]:
    """Who owns the case now, and why: the plan's own escalation, else the blocking rule's owner."""
    for a in state.get("plan", {}).get("actions", []):
        if a["tool"] == "escalate_case":
            return a["args"]["owner"], a["args"]["reason"]
    if state.get("execution_failed"):
        return "lead", state["execution_failed"]
    if state.get("rejected_actions"):
        return "lead", (f"{state.get('rejected_because', 'plan rejected')}; the facts read again give the same"
                        " plan, so a person takes the case")
    blocks = [v for v in state.get("verdicts", []) if v["outcome"] == "block" and v["mode"] == "active"]
    if blocks:
        role = blocks[0].get("role")
        owner = str(role) if role in OWNER_ROLES else "lead"
        return owner, f"{blocks[0]['rule_id']}: {blocks[0]['reason']}"
    return "lead", "; ".join(state.get("plan", {}).get("reasons", [])) or "escalated by the playbook"


async def escalate(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    owner, reason = _escalation(state)
    case_id, now = state["case_id"], deps.clock()
    async with deps.pool.connection() as conn, conn.transaction():
        await registry.call("escalate_case", tool_deps(conn, now, case_id), {"owner": owner, "reason": reason},
                            idempotency_key=action_key(case_id, state.get("plan_version", 0), "escalation"))
        await store.ensure(conn, case_id, CaseStatus.escalated, actor=ACTOR, reason=f"to {owner}: {reason}", now=now)
    return {}


async def execute(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """Run the approved plan's effects, the customer message last; each call carries its idempotency key."""
    facts, decided, version = _state(state), _plan(state), state["plan_version"]
    effects = [a for a in decided.actions if a.kind is not ToolKind.READ and a.tool != "escalate_case"]
    effects.sort(key=lambda a: a.kind is ToolKind.CONTACT)
    async with deps.pool.connection() as conn:
        calls = tool_deps(conn, deps.clock(), facts.case_id, facts.customer.id if facts.customer else None)
        for a in effects:
            key = action_key(facts.case_id, version, a.action_id)
            try:
                # Every effect carries its key, OWNER tools too: the evidence pack writes to Stripe when connected.
                result = await registry.call(a.tool, calls, a.args, idempotency_key=key)
            except CopilotError as exc:
                await plans.action_failed(conn, facts.case_id, version, a.action_id, exc.message)
                return {"execution_failed": f"{a.tool} failed: {exc.message}"}
            await plans.action_done(conn, facts.case_id, version, a.action_id, result.model_dump(mode="json"))
    return {}


async def send(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """The message went out with the plan's CONTACT action: record the first touch and what comes next."""
    facts, decided, version = _state(state), _plan(state), state["plan_version"]
    waits = decided.disposition == Disposition.needs_customer_decision
    now = deps.clock()
    async with deps.pool.connection() as conn, conn.transaction():
        await plans.draft_sent(conn, facts.case_id, version, now)
        await store.mark_first_touch(conn, facts.case_id, now)
        await store.ensure(conn, facts.case_id, CaseStatus.awaiting_customer if waits else CaseStatus.verifying,
                           actor=ACTOR, reason="message sent" + (": waiting for the customer's answer" if waits else ""),
                           now=now)
    return {"awaits_customer": waits}


async def await_customer(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """Paused until the customer answers (copilot/workflow/replies.py enqueues the resume); the answer is read into
    an offered option and re-planned, asked once more, or handed to a person."""
    resume = parse_resume(interrupt({"case_id": state["case_id"], "waiting_for": "customer",
                                     "ask": state["plan"]["ask"]}))
    if not isinstance(resume, Reply):
        raise InvalidInput(f"case {state['case_id']} waits for the customer's reply, not a {resume.action}")
    return await replies.take(deps.pool, deps.clock(), deps.llm, state, resume)


async def verify(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    """Re-read the system of record; while the order has not moved, pause until the scheduled re-read
    (copilot/close/verification.py run_verification_tick) resumes the thread."""
    recheck = state.get("route") == "recheck"
    if recheck:
        interrupt({"case_id": state["case_id"], "waiting_for": "verification"})
    async with deps.pool.connection() as conn:
        checked = await verification.check(conn, _state(state), deps.clock(), recheck=recheck,
                                           plan_version=state.get("plan_version", 0))
    return {"verified": checked.outcome == "done", "close_reason": checked.reason,
            "route": _AFTER_CHECK[checked.outcome]}


_AFTER_CHECK: dict[str, Route] = {"done": "close", "wait": "recheck", "reopened": "reopened"}


async def close(state: CaseGraphState, deps: NodeDeps) -> CaseGraphState:
    reason = state.get("close_reason") or ("out of scope: routed away" if state.get("out_of_scope") else "done")
    target = CaseStatus.routed_away if state.get("out_of_scope") else CaseStatus.closed
    now = deps.clock()
    async with deps.pool.connection() as conn, conn.transaction():
        await store.ensure(conn, state["case_id"], target, actor=ACTOR, reason=reason, now=now)
        await store.set_close_reason(conn, state["case_id"], reason)
        if not state.get("out_of_scope") and state.get("facts"):
            await rootcause.record(conn, _state(state), reason, now)
    return {"close_reason": reason}
