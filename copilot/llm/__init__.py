"""The LLM path (DESIGN §8): optional, typed, PII-minimized, budgeted, and never the last word.

    config = LLMConfig.from_settings(get_settings())   # or LLMConfig.named("none" / "local" / "configured", settings)
    llm = LLM(config, case_id=case_id, used_tokens=await tokens_used(conn, case_id))
    facts = await read_ticket(llm, text)                      # TicketFacts | None
    acted_on, disagreements = reconcile(facts, deterministic)  # deterministic wins on order/amount/category
    text, source = await rewrite_message(llm, template_text, context, check_message)
    await record_calls(conn, llm.calls)
"""

from copilot.llm.client import LLM, forget_learned_formats, strict_schema
from copilot.llm.config import LLMCall, LLMConfig, Outcome, Purpose, record_calls, tokens_used
from copilot.llm.reconcile import DeterministicFacts, Disagreement, ReconciledFacts, reconcile
from copilot.llm.uses import (
    CaseBrief,
    TicketFacts,
    Tone,
    check_passed,
    fidelity_problems,
    normalize_order_ref,
    read_ticket,
    rewrite_message,
    summarize_case,
)

__all__ = [
    "LLM", "CaseBrief", "DeterministicFacts", "Disagreement", "LLMCall", "LLMConfig", "Outcome", "Purpose",
    "ReconciledFacts", "TicketFacts", "Tone", "check_passed", "fidelity_problems", "forget_learned_formats", "normalize_order_ref",
    "read_ticket", "reconcile", "record_calls", "rewrite_message", "strict_schema", "summarize_case",
    "tokens_used",
]
