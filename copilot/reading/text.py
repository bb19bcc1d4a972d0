"""The customer's new words: quoted replies, forwarded mail and signatures are cut off by mail-parser-reply;
folding (case, accents, apostrophes) keeps every character at its offset so evidence points into the text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from mailparser_reply import EmailReplyParser

PARSER_LANGUAGES = ["en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "da", "cs"]
# Markers the parser does not cut at on their own: a forward header line and a quoted line.
_FORWARD = re.compile(r"^\s*(?:-{2,}\s*)?(?:forwarded message|begin forwarded message|mensaje reenviado|"
                      r"message transf[ée]r[ée]|weitergeleitete nachricht|mensagem encaminhada|"
                      r"messaggio inoltrato)\b.*$|^\s*-{3,}\s*(?:original message|message d'origine|"
                      r"urspr[üu]ngliche nachricht|mensaje original|messaggio originale|mensagem original)"
                      r"\s*-{3,}\s*$", re.IGNORECASE | re.MULTILINE)
_BULLETS = re.compile(r"^\s*[-*•]\s+\w.*\n\s*[-*•]\s+\w", re.MULTILINE)
_QUOTED_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_SIGN_OFF = re.compile(r"^\s*(?:sent from my \w+|envoy[ée] de mon|enviado desde mi|von meinem \w+ gesendet|"
                       r"inviato da|enviado do meu)\b.*$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class NewText:
    text: str
    removed: tuple[str, ...]


@lru_cache(maxsize=1)
def _parser() -> EmailReplyParser:
    return EmailReplyParser(languages=PARSER_LANGUAGES)


def new_text(subject: str, body: str) -> NewText:
    """Subject line plus the body's new content; what was cut is named (quoted, forwarded, signature)."""
    removed: list[str] = []
    body = body.replace("\r\n", "\n")
    forward = _FORWARD.search(body)
    if forward:
        body, removed = body[:forward.start()], ["forwarded"]
    mail = _parser().read(body)
    replies = mail.replies
    if replies:
        first = replies[0]
        kept = first.body.strip() if first.body.strip() or not first.headers else ""
        if _BULLETS.search(first.signatures):
            # a list of asks starting "- " is not a signature ("-- " is): keep it as the customer's words
            kept = f"{kept}\n{first.signatures.strip()}".strip()
        elif first.signatures.strip():
            removed.append("signature")
        if len(replies) > 1 or first.headers:
            removed.append("quoted")
        body = kept if kept or len(replies) > 1 or first.signatures.strip() else body
    if _QUOTED_LINE.search(body):
        body = _QUOTED_LINE.sub("", body)
        removed.append("quoted")
    sign_off = _SIGN_OFF.search(body)
    if sign_off:
        body = body[:sign_off.start()]
        removed.append("signature")
    # A reply's or forward's subject names the old thread ("Re: address change"), not what is asked now.
    old_thread = bool(_REPLY_PREFIX.match(subject or "")) or "quoted" in removed or "forwarded" in removed
    subject = "" if old_thread and body.strip() else _REPLY_PREFIX.sub("", subject or "").strip()
    text = f"{subject}\n{body.strip()}" if subject else body.strip()
    return NewText(text=text, removed=tuple(dict.fromkeys(removed)))


_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|fw|fwd|tr|aw|wg|rv|r)\s*:\s*)+", re.IGNORECASE)


def fold_char(ch: str) -> str:
    if ch in "’‘`´":
        return "'"
    if ch in "ßẞ":
        return "s"  # one character for one: "Größe" reads "grose", which the lexicons accept as "grosse"
    base = unicodedata.normalize("NFKD", ch)
    kept = [c for c in base if not unicodedata.combining(c)]
    out = (kept[0] if kept else ch).lower()
    return out if len(out) == 1 else ch.lower()[:1] or " "


def fold(text: str) -> str:
    """Lower case without accents, one character for one character (offsets stay valid)."""
    return "".join(fold_char(c) for c in text)


_CLAUSE = re.compile(r"[^.!?;\n]+[.!?;]*|[.!?;]+")


def sentences(text: str) -> list[tuple[int, int]]:
    """[start, end) of each sentence (a line or a run ending in . ! ? ;), question marks kept with it."""
    spans = []
    for m in _CLAUSE.finditer(text):
        start, end = m.start(), m.end()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start and any(c.isalnum() for c in text[start:end]):
            spans.append((start, end))
    return _merge_decimals(text, spans)


def _merge_decimals(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """'5.8-inch', '#W123. Thanks' splits: a sentence ending in a digit followed by a digit continues."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and text[merged[-1][1] - 1:merged[-1][1]] == "." and start == merged[-1][1] \
                and text[start:start + 1].isdigit():
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


# Where one clause of a sentence ends and the next begins: a coordinating word ("and", "also", "but" in the six
# languages) or a semicolon / dash. "Remove the bookshelf and change the headphones to wireless" asks two things.
_JOIN = re.compile(r"(?:\s*,\s*|\s+)(?:and also|and then|and|also|plus|but|as well|y|et|und|e|ma|mais|aber|pero|mas|"
                   r"ademas|aussi|auch|anche|tambem|oltre)\s+|\s*[;:]\s+|\s+-\s+|\s*\(\s*|\s*\)\s*")
_JOIN_COMMA = re.compile(_JOIN.pattern + r"|\s*,\s*")


def clauses(text: str, start: int, end: int, commas: bool = False) -> list[tuple[int, int]]:
    """[start, end) of each clause of the sentence text[start:end] (`commas`: a comma also ends one)."""
    found, at = [], start
    for m in (_JOIN_COMMA if commas else _JOIN).finditer(text, start, end):
        if m.start() > at:
            found.append((at, m.start()))
        at = m.end()
    if end > at:
        found.append((at, end))
    return found or [(start, end)]


def scope_of(text: str, start: int, end: int, cue: int, cues: list[int], back: bool = False) -> tuple[int, int]:
    """The words a cue at `cue` governs inside its sentence: its clause and the following clauses that hold no
    other cue ("remove the charger and the case, and change the phone to black": the charger and the case);
    `back`: also the clauses before it that hold no cue ("and the headphones - can I get them in black")."""
    parts = clauses(text, start, end)
    index = next((i for i, (s, e) in enumerate(parts) if s <= cue < e), None)
    if index is None:
        return start, end
    s, e = parts[index]
    for ns, ne in parts[index + 1:]:
        if any(ns <= c < ne for c in cues):
            break
        e = ne
    for ps, pe in reversed(parts[:index] if back else []):
        if any(ps <= c < pe for c in cues):
            break
        s = ps
    return s, e
