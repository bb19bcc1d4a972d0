"""PII minimization for LLM calls: mask emails, phone numbers and card numbers, restore them afterwards.

Masked values become placeholders such as `[EMAIL_1]`; a `Vault` remembers what each stands for so the
model's answer can be restored from the facts we already hold. Card numbers are never restored in full:
their placeholder restores to "card ending 4242" so nothing beyond the last four digits leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# A card number is a 13-19 digit run, possibly grouped by single spaces or dashes.
_CARD = re.compile(r"(?<![\d#])(?:\d[ -]?){12,18}\d(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# Phones: optional country code, then 10 digits in the usual groupings; order numbers (#1042) never match.
_PHONE = re.compile(
    r"(?<![\w#])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-]?)\d{3}[\s.-]?\d{4}(?!\d)"
    r"|(?<![\w#])\+\d{1,3}(?:[\s.-]?\d{2,4}){2,5}(?!\d)"
)
PLACEHOLDER = re.compile(r"\[(EMAIL|PHONE|CARD)_(\d+)\]")


@dataclass
class Vault:
    """What each placeholder stands for, for one call."""

    values: dict[str, str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)

    def token(self, kind: str, restored: str) -> str:
        for placeholder, value in self.values.items():
            if value == restored and placeholder.startswith(f"[{kind}_"):
                return placeholder
        n = self._counts.get(kind, 0) + 1
        self._counts[kind] = n
        placeholder = f"[{kind}_{n}]"
        self.values[placeholder] = restored
        return placeholder


def _card_restored(match: str) -> str:
    digits = re.sub(r"\D", "", match)
    return f"card ending {digits[-4:]}"


def mask(text: str, vault: Vault | None = None) -> tuple[str, Vault]:
    """The text with every email, phone number and card number replaced by a placeholder."""
    vault = vault if vault is not None else Vault()
    # Cards first: a 16-digit run would otherwise be read as a phone number plus change.
    text = _CARD.sub(lambda m: vault.token("CARD", _card_restored(m.group())), text)
    text = _EMAIL.sub(lambda m: vault.token("EMAIL", m.group()), text)
    text = _PHONE.sub(lambda m: vault.token("PHONE", m.group().strip()), text)
    return text, vault


def restore(text: str, vault: Vault) -> str:
    """Placeholders the vault knows put back; unknown ones are left for the caller to reject."""
    return PLACEHOLDER.sub(lambda m: vault.values.get(m.group(), m.group()), text)


def leftover_placeholders(text: str) -> list[str]:
    return [m.group() for m in PLACEHOLDER.finditer(text)]


def contains_pii(text: str) -> bool:
    """True when the text still holds something `mask` would have hidden."""
    return bool(_CARD.search(text) or _EMAIL.search(text) or _PHONE.search(text))
