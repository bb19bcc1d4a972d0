"""The guardrail rule registry and the verdicts a rule returns. Rules register here, from copilot/decide/guardrails.py
and its companion modules, so none of those modules imports another for these names."""

from __future__ import annotations

from collections.abc import Callable, Collection

from copilot.core.policy import Policy, Role
from copilot.decide.plan import CaseState, ProposedAction, Verdict

Rule = Callable[[CaseState, ProposedAction, Policy], Verdict]
RULES: dict[str, Rule] = {}
APPLIES: dict[str, frozenset[str] | None] = {}


def rule(rule_id: str, tools: Collection[str] | None = None) -> Callable[[Rule], Rule]:
    """Register a rule; `tools` limits it to those tools (None: every action)."""

    def register(fn: Rule) -> Rule:
        def checked(case: CaseState, action: ProposedAction, policy: Policy) -> Verdict:
            if tools is not None and action.tool not in tools:
                return Verdict(outcome="allow", rule_id=rule_id, reason=f"does not apply to {action.tool}",
                               mode=policy.mode_of(rule_id), action_id=action.action_id)
            return fn(case, action, policy).model_copy(
                update={"mode": policy.mode_of(rule_id), "action_id": action.action_id})

        checked.__name__, checked.__doc__ = fn.__name__, fn.__doc__
        RULES[rule_id], APPLIES[rule_id] = checked, frozenset(tools) if tools is not None else None
        return checked

    return register


def allow(rule_id: str, reason: str) -> Verdict:
    return Verdict(outcome="allow", rule_id=rule_id, reason=reason)


def approve(rule_id: str, role: Role, reason: str) -> Verdict:
    return Verdict(outcome="needs_approval", rule_id=rule_id, role=role, reason=reason)


def block(rule_id: str, reason: str, role: Role | None = None) -> Verdict:
    return Verdict(outcome="block", rule_id=rule_id, role=role, reason=reason)
