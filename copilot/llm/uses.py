"""The three things the LLM does for the desk: read a ticket, word a message, summarize a case.

Each masks PII before the call and restores it after; each returns something the deterministic path can
use unchanged when the model is off, slow, over budget, wrong or fails the message check.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from copilot.core import pii
from copilot.core.models import Category, Strict
from copilot.llm.client import LLM
from copilot.llm.config import Outcome, Purpose
from copilot.llm.prompts import READ_TICKET_EXAMPLES, ReadTicketPrompt, RewritePrompt, SummaryPrompt, render

MAX_MESSAGE_WORDS = 90
MAX_SUMMARY_WORDS = 60
# Long threads are cut: the ask is almost always near the top, and the context window is small.
MAX_TICKET_CHARS = 4000


class Tone(StrEnum):
    neutral = "neutral"
    positive = "positive"
    frustrated = "frustrated"
    angry = "angry"


class Language(StrEnum):
    en = "en"
    es = "es"
    fr = "fr"
    de = "de"
    it = "it"
    pt = "pt"
    nl = "nl"
    other = "other"


# What the model may file a ticket under: the desk's categories; "needs reading" is the reader's own verdict.
TicketCategory = StrEnum("TicketCategory", {c.name: c.value for c in Category if c is not Category.needs_reading})  # type: ignore[misc]


class TicketFacts(Strict):
    """What a ticket says, as data. Nothing here is trusted until `reconcile` checks it against the case."""

    intent: TicketCategory
    order_refs: list[str] = Field(default_factory=list, max_length=5)
    requested_change: str | None = Field(default=None, max_length=300)
    new_address: str | None = Field(default=None, max_length=300)
    amount: float | None = None
    tone: Tone = Tone.neutral
    language: Language = Language.en

    @field_validator("order_refs")
    @classmethod
    def _normalize_refs(cls, refs: list[str]) -> list[str]:
        out: list[str] = []
        for ref in refs:
            norm = normalize_order_ref(ref)
            if norm and norm not in out:
                out.append(norm)
        return out

    @field_validator("requested_change", "new_address")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


def normalize_order_ref(ref: str) -> str | None:
    """'order 1042', '#1042' and '1042' are the same order; anything without a digit is no reference."""
    token = ref.strip().lstrip("#").strip().upper()
    token = re.sub(r"^(ORDER|NO\.?|NUMBER)\s*#?\s*", "", token)
    if not re.fullmatch(r"[A-Z]{0,3}\d{3,12}", token):
        return None
    return f"#{token}"


class CaseBrief(Strict):
    """What the agent needs to know about a case, as short lines; the input of `summarize_case`."""

    category: str
    status: str
    priority: str = "unset"
    order_id: str = "none"
    facts: list[str] = Field(default_factory=list, max_length=30)
    events: list[str] = Field(default_factory=list, max_length=20)

    def fallback_summary(self) -> str:
        head = f"{self.category.replace('_', ' ')} on order {self.order_id} ({self.priority}, {self.status})"
        return f"{head}: {'; '.join(self.facts[:3])}." if self.facts else f"{head}."


MessageCheck = Callable[[str], Any]


def check_passed(result: Any) -> tuple[bool, list[str]]:
    """Any check's answer as (passed, reasons): a list of problems (empty passes, like rule 9's
    `check_message`), a bool, a (bool, reasons) pair, or an object with `passed` / `ok` / `allowed`
    (or a verdict `decision == "allow"`) and `reasons` / `violations`."""
    if isinstance(result, bool):
        return result, []
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], bool):
        return result[0], [str(r) for r in result[1] or []]
    if isinstance(result, list | tuple):
        return not result, [str(r) for r in result]
    found: Any = next((getattr(result, n) for n in ("reasons", "violations", "failures") if hasattr(result, n)), [])
    reasons = [found] if isinstance(found, str) else [str(r) for r in found or []]
    for name in ("passed", "ok", "allowed"):
        if hasattr(result, name):
            return bool(getattr(result, name)), reasons
    if hasattr(result, "decision"):
        return str(result.decision).lower().endswith("allow"), reasons
    raise TypeError(f"a message check returned {type(result).__name__}, not pass/fail with reasons")


async def read_ticket(llm: LLM, text: str, *, subject: str = "", customer_name: str = "",
                      shipping_address: str = "") -> TicketFacts | None:
    """Typed facts from free text, or None when the model is off or gave nothing usable."""
    if not llm.enabled or not text.strip():
        return None
    vault = pii.Vault()
    fields = (subject[:200], text[:MAX_TICKET_CHARS], customer_name[:200], shipping_address[:300])
    masked = [pii.mask(value, vault)[0] for value in fields]
    prompt = ReadTicketPrompt(subject=masked[0] or "(none)", text=masked[1], customer_name=masked[2] or "(unknown)",
                              shipping_address=masked[3] or "(unknown)", categories=[c.value for c in Category if c is not Category.needs_reading])
    data = await llm.complete_object(Purpose.read_ticket, render("read_ticket", prompt, READ_TICKET_EXAMPLES),
                                     max_tokens=200, schema_model=TicketFacts)
    if data is None:
        return None
    try:
        return TicketFacts.model_validate(_restore_strings(data, vault))
    except ValidationError as exc:
        llm.amend_last(Outcome.invalid_output, f"{exc.error_count()} field error(s): {_first_error(exc)}")
        return None


async def rewrite_message(llm: LLM, template_text: str, context: Mapping[str, object] | None,
                          check: MessageCheck) -> tuple[str, Literal["llm", "template"]]:
    """Reworded message and where it came from; the template text whenever the rewrite is unusable."""
    if not llm.enabled:
        return template_text, "template"
    vault = pii.Vault()
    facts = [pii.mask(f"{key}: {value}", vault)[0] for key, value in (context or {}).items()]
    prompt = RewritePrompt(template_text=pii.mask(template_text, vault)[0], facts=facts,
                           max_words=MAX_MESSAGE_WORDS)
    reply = await llm.complete(Purpose.rewrite_message, render("rewrite_message", prompt), max_tokens=200)
    if reply is None:
        return template_text, "template"
    text = _clean_reply(pii.restore(reply, vault))
    reasons = [f"unrestored placeholder {p}" for p in pii.leftover_placeholders(text)]
    reasons += fidelity_problems(template_text, text)
    passed, check_reasons = check_passed(check(text)) if not reasons else (False, [])
    reasons += check_reasons
    if not passed:
        llm.amend_last(Outcome.check_failed, "; ".join(reasons) or "message check failed")
        return template_text, "template"
    return text, "llm"


# Facts a rewrite must carry over unchanged: order numbers, money, percentages, links.
_FACT_TOKENS = re.compile(r"#[A-Z]*\d+|\$\s?\d[\d,]*(?:\.\d{2})?|\b\d+(?:\.\d+)?\s?%|https?://\S+[\w/]", re.IGNORECASE)


def fidelity_problems(template_text: str, rewrite: str) -> list[str]:
    """Where a rewrite lost a fact of the template or invented one (an amount, a discount, a link)."""
    before = {t.replace(" ", "") for t in _FACT_TOKENS.findall(template_text)}
    after = {t.replace(" ", "") for t in _FACT_TOKENS.findall(rewrite)}
    return ([f"dropped {t!r} from the template" for t in sorted(before - after)]
            + [f"added {t!r}, which the template does not state" for t in sorted(after - before)])


async def summarize_case(llm: LLM, brief: CaseBrief) -> str:
    """Two sentences for the agent; the deterministic one-liner when the model is off or unusable."""
    if not llm.enabled:
        return brief.fallback_summary()
    vault = pii.Vault()
    masked = brief.model_copy(update={"facts": [pii.mask(f, vault)[0] for f in brief.facts],
                                      "events": [pii.mask(e, vault)[0] for e in brief.events]})
    prompt = SummaryPrompt(**masked.model_dump(), max_words=MAX_SUMMARY_WORDS)
    reply = await llm.complete(Purpose.summarize_case, render("summarize_case", prompt), max_tokens=120)
    if reply is None:
        return brief.fallback_summary()
    text = _clean_reply(pii.restore(reply, vault))
    if not text or pii.leftover_placeholders(text):
        llm.amend_last(Outcome.invalid_output, "empty summary or unrestored placeholder")
        return brief.fallback_summary()
    return _clip_words(text, MAX_SUMMARY_WORDS)


def _restore_strings(value: Any, vault: pii.Vault) -> Any:
    if isinstance(value, str):
        return pii.restore(value, vault)
    if isinstance(value, list):
        return [_restore_strings(v, vault) for v in value]
    if isinstance(value, dict):
        return {k: _restore_strings(v, vault) for k, v in value.items()}
    return value


def _clean_reply(text: str) -> str:
    text = text.strip().strip('"').strip()
    return re.sub(r"^(here is|here's)[^:\n]*:\s*", "", text, flags=re.IGNORECASE).strip()


def _clip_words(text: str, limit: int) -> str:
    words = text.split()
    return text if len(words) <= limit else " ".join(words[:limit]).rstrip(",;:") + "…"


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    return f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
