"""Product names in free text: singular words, joined pairs ("book shelf" = "Bookshelf"), head nouns."""

from __future__ import annotations

import re

# Head nouns too generic to name a product on their own ("set" in "set it up", "kit").
_GENERIC_HEADS = {"set", "kit", "pack", "item", "thing", "one", "order"}


def singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("es") and word[-3] in "sxz" or word.endswith(("ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [singular(w) for w in re.findall(r"[a-z0-9]+", text.lower())]


def _keys(tokens: list[str]) -> set[str]:
    """Tokens plus joined pairs and triples, so "book shelf" meets "Bookshelf" and "t-shirt" meets "tshirt"."""
    keys = set(tokens)
    for n in (2, 3):
        keys |= {"".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)}
    return keys


def keys_of(text: str) -> set[str]:
    """What product_named looks for in a text."""
    return _keys(words(text))


def product_named(name: str, keys: set[str]) -> bool:
    """The text names this product: its full name, or its head noun ("lamp" for "Desk Lamp")."""
    tokens = words(name)
    if not tokens:
        return False
    head = tokens[-1]
    return "".join(tokens) in keys or (len(head) >= 3 and head not in _GENERIC_HEADS and head in keys)
