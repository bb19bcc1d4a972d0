"""Typo tolerance: words of the text that are one or two edits away from a cue word of the lexicon are read
as that word (rapidfuzz, optimal string alignment so a swapped pair of letters is one edit). The corrected
text keeps a map back to the original offsets, so evidence still points at what the customer typed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from spellchecker import SpellChecker

# Real words customers misspell that cue patterns depend on (stems in patterns are not words).
TARGETS = {
    "en": "cancel cancellation exchange refund return returned address received arrived delivered damaged broken "
          "package parcel tracking payment declined charged replacement wrong missing shipped shipping order "
          "instead switch change update defective cracked apartment dispute chargeback compensation discount "
          "waiting delayed where hasn't haven't didn't doesn't please cannot receive arrive colour color "
          "jacket keyboard headphones sneakers backpack bookshelf kettle charger helmet medium large "
          "delivery arrived shipment refunded returning exchanging cancelled canceled declined verification",
    "es": "cancelar cancelado devolver devolucion reembolso direccion pedido recibido llegado cambiar talla roto danado",
    "fr": "annuler annulation echanger rembourser remboursement adresse commande recu arrive livre casse taille",
    "de": "stornieren bestellung adresse lieferadresse zuruckschicken erstattung angekommen erhalten kaputt beschadigt",
    "pt": "cancelar devolver reembolso endereco pedido recebi chegou trocar tamanho quebrado",
    "it": "annullare ordine indirizzo rimborso restituire arrivato ricevuto cambiare taglia rotto danneggiato",
}
# Common words a cue word is one edit from, which must stay themselves.
KEEP = {"wheres", "cancer", "parcels", "orders", "ordered", "ordering", "changed", "charges", "returns", "address",
        "chance", "charge", "changes", "arrive", "arrives", "return", "where", "there", "these", "those", "whole",
        "worse", "world", "would", "could", "should", "update", "updated", "wanted", "wanting", "second", "seconds",
        "recent", "record", "refused", "missed", "message", "messages", "shipper", "shippers", "shops", "since",
        "switched", "exchanged", "received", "delivery", "deliver", "delivers", "receive", "receipt", "please",
        "pleased", "damage", "broke", "brown", "waited", "waits", "instead", "still", "stall", "trackers",
        "dispatch", "tracked", "tracker", "compensate", "discounts", "disputed", "disputes", "smell", "smells",
        "larger", "packet", "rocket", "kettles", "helmets", "chargers", "jackets", "ticket", "market", "basket"}
_WORD = re.compile(r"[a-z']+")


@dataclass(frozen=True)
class Corrected:
    text: str
    origin: tuple[int, ...]  # origin[i]: offset in the folded text of corrected character i
    fixes: tuple[tuple[str, str], ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        if start >= len(self.origin):
            return len(self.origin), len(self.origin)
        return self.origin[start], self.origin[max(start, end - 1)] + 1


@lru_cache(maxsize=8)
def _targets(language: str) -> tuple[str, ...]:
    words = set(TARGETS.get(language, "").split())
    return tuple(sorted(w for w in words if len(w) >= 5))


@lru_cache(maxsize=6)
def _dictionary(language: str) -> SpellChecker | None:
    """The language's word list (pyspellchecker ships one per language; loaded once, on the first unknown word)."""
    try:
        return SpellChecker(language=language, distance=1)
    except ValueError:
        return None


def _fix(word: str, language: str) -> str | None:
    if len(word) < 5 or word in KEEP:
        return None
    words = _dictionary(language)
    if words is not None and word in words:
        return None  # a real word is what was meant ("shopping" is not a typo of "shipping")
    targets = _targets(language)
    if word in targets or word[:-1] in targets and word.endswith("s"):
        return None  # a target word itself, or its plural ("colours" is not a typo of "colour")
    limit = 1 if len(word) < 8 else 2
    hit = process.extractOne(word, targets, scorer=OSA.distance, score_cutoff=limit)
    if hit is None or hit[0] == word:
        return None
    return str(hit[0])


def correct(folded: str, language: str) -> Corrected:
    out: list[str] = []
    origin: list[int] = []
    fixes: list[tuple[str, str]] = []
    last = 0
    for m in _WORD.finditer(folded):
        out.append(folded[last:m.start()])
        origin.extend(range(last, m.start()))
        word = m.group(0)
        fixed = _fix(word, language)
        if fixed is None:
            out.append(word)
            origin.extend(range(m.start(), m.end()))
        else:
            fixes.append((word, fixed))
            out.append(fixed)
            origin.extend(min(m.start() + i, m.end() - 1) for i in range(len(fixed)))
        last = m.end()
    out.append(folded[last:])
    origin.extend(range(last, len(folded)))
    return Corrected(text="".join(out), origin=tuple(origin), fixes=tuple(fixes))
