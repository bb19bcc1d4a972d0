"""The language of the customer's new text: py3langid (its model ships in the wheel, ~1 s to load once,
well under a millisecond per ticket), limited to languages customers plausibly write in, so a short
Portuguese line is not called Galician. Very short text is decided by which lexicon its words belong to."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# The six the desk reads, plus those a store's customers commonly write in, so "another language" is found
# as itself rather than forced into one of the six.
CANDIDATES = ["en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "no", "pl", "cs", "ro", "hu", "fi", "tr",
              "ru", "uk", "el", "ar", "he", "fa", "hi", "bn", "ur", "zh", "ja", "ko", "vi", "th", "id", "ms", "tl"]
SHORT = 25  # characters of letters below which the detector's guess is weak


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(CANDIDATES)
    return ident


def detect(text: str, lexicon_votes: dict[str, int]) -> tuple[str, float]:
    """(ISO 639-1 code, confidence). Lexicon votes (cue words of each supported language found in the text)
    decide short texts and break a near tie; the detector decides the rest."""
    letters = sum(c.isalpha() for c in text)
    if letters == 0:
        return "en", 0.0
    code, prob = _identifier().classify(text)
    prob = float(prob)
    best_vote = max(lexicon_votes.items(), key=lambda kv: kv[1], default=(None, 0))
    if best_vote[0] and best_vote[1] > 0:
        if code == best_vote[0]:
            return code, max(prob, 0.8)
        if letters < SHORT or prob < 0.9 or code not in ("en", "es", "fr", "de", "pt", "it") and _latin(text):
            return best_vote[0], 0.6
    if letters < SHORT and _latin(text) and prob < 0.9:
        return "en", 0.4  # a few Latin-script words with no cue anywhere: read as English, flagged weak
    return code, prob


def _latin(text: str) -> bool:
    return all(ord(c) < 0x250 for c in text if c.isalpha())
