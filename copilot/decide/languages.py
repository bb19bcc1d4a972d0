"""Customer messages in the ticket's language (DESIGN §7): which languages have templates, how each writes a
greeting and a date, and the month names rule 9 must read in every one of them.

English templates live in prompts/messages/; a translation of a scenario lives in prompts/messages/<lang>/ under
the same name and renders the same typed context, so the claims a template declares (copilot/claims.py) hold for
every language it is written in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

LANGUAGES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese", "it": "Italian"}

MONTHS: dict[str, tuple[str, ...]] = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
           "noviembre", "diciembre"),
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
    "pt": ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
           "novembro", "dezembro"),
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre",
           "novembre", "dicembre"),
}

_HELLO = {"en": "Hi", "es": "Hola", "fr": "Bonjour", "de": "Hallo", "pt": "Olá", "it": "Buongiorno"}


def fold(text: str) -> str:
    """Lower case without accents: "März" and "marz" are one month to rule 9."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def day(value: date, language: str) -> str:
    """A date as the language writes it: June 3, 3 de junio, 1er juin, 3. Juni, 3 de junho, 3 giugno."""
    month = MONTHS[language][value.month - 1]
    if language == "en":
        return f"{month} {value.day}"
    if language == "de":
        return f"{value.day}. {month}"
    if language == "fr":
        return f"{'1er' if value.day == 1 else value.day} {month}"
    return f"{value.day} de {month}" if language in ("es", "pt") else f"{value.day} {month}"


def hello(first_name: str, language: str) -> str:
    """The greeting line; a customer whose name we do not know is greeted without one (the English "Hi there")."""
    word = _HELLO[language]
    if first_name == "there":
        return f"{word} there," if language == "en" else f"{word},"
    return f"{word} {first_name},"


_AND = {"en": "and", "es": "y", "fr": "et", "de": "und", "pt": "e", "it": "e"}


def items(joined: str, language: str) -> str:
    """Item names joined the English way ("A, B and C", copilot/messages.py join_names) with the language's "and"."""
    head, sep, last = joined.rpartition(" and ")
    return f"{head} {_AND[language]} {last}" if sep else joined


# Day-first dates in the other five languages ("3 de junio", "1er juin", "3. Juni"), for rule 9's date check.
_FOREIGN = {fold(m): n for lang, names in MONTHS.items() if lang != "en" for n, m in enumerate(names, 1)}
DAY_MONTH = re.compile(r"\b(\d{1,2})(?:er|º|°)?\.?\s+(?:de\s+)?(" + "|".join(sorted(_FOREIGN, key=len, reverse=True))
                       + r")\b")


def day_months(text: str) -> list[tuple[tuple[int, int], str]]:
    """Each day-first date of the text as ((month, day), the words), read on the folded text."""
    folded = fold(text)
    return [((_FOREIGN[m.group(2)], int(m.group(1))), m.group(0)) for m in DAY_MONTH.finditer(folded)]


# Relative dates a message may not promise, in the five other languages (English's are in copilot/messages.py),
# read on folded text; "la mañana" is a morning and "Morgen" (capital) one too, so they are not read as tomorrow.
_RELATIVE = re.compile(r"(?<!la )(?<!esta )\bmanana\b|\b(?:pasado manana|demain|apres-demain|ubermorgen|amanha|"
                       r"domani|dopodomani)\b")
_MORGEN = re.compile(r"\bmorgen\b")


def relative_days(text: str) -> list[str]:
    """Words of the text that promise a day relative to today ("mañana", "demain", "morgen", "domani")."""
    return [m.group(0) for m in _RELATIVE.finditer(fold(text))] + [m.group(0) for m in _MORGEN.finditer(text)]
