"""Text embeddings for near-duplicate search: a local deterministic default, pluggable by a Protocol."""

from __future__ import annotations

import hashlib
import math
import re
from typing import Protocol, runtime_checkable

DIMENSIONS = 256
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(["a", "an", "the", "i", "me", "my", "we", "our", "you", "your", "it", "is", "are", "was", "to", "of", "for", "on", "in", "at", "and", "or", "but", "this", "that", "be", "have", "has", "had", "do", "did", "with", "so", "hi", "hello", "thanks", "thank", "please"])


@runtime_checkable
class Embedder(Protocol):
    """Maps texts to unit vectors of DIMENSIONS floats; the same text always gives the same vector."""

    name: str

    def embed(self, texts: list[str]) -> list[list[float]]: ...


def _bucket(feature: str) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    index = int.from_bytes(digest[:4], "little") % DIMENSIONS
    sign = 1.0 if digest[4] & 1 else -1.0
    return index, sign


def _normalise(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


class HashingEmbedder:
    """Signed feature hashing of words, word pairs and character 4-grams; no model, no download.

    Numbers (order ids, amounts) are kept as words so two tickets about different orders drift apart.
    """

    name = "hashing-v1"

    def embed_one(self, text: str) -> list[float]:
        vector = [0.0] * DIMENSIONS
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
        features: list[tuple[str, float]] = [(f"w:{w}", 1.0) for w in words]
        features += [(f"b:{a}_{b}", 0.7) for a, b in zip(words, words[1:], strict=False)]
        for word in words:
            padded = f" {word} "
            features += [(f"c:{padded[i:i + 4]}", 0.3) for i in range(max(1, len(padded) - 3))]
        for feature, weight in features:
            index, sign = _bucket(feature)
            vector[index] += sign * weight
        return _normalise(vector)

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(t) for t in texts]


class OpenAIEmbedder:
    """OpenAI (or a compatible server) embeddings, shortened to DIMENSIONS by the API itself."""

    def __init__(self, model: str = "text-embedding-3-small", base_url: str | None = None,
                 api_key: str | None = None, timeout_s: float = 20.0) -> None:
        from openai import OpenAI

        self.name = f"openai:{model}"
        self._model = model
        self._client = OpenAI(base_url=base_url, api_key=api_key, timeout=timeout_s)

    def embed(self, texts: list[str]) -> list[list[float]]:
        response = self._client.embeddings.create(model=self._model, input=texts, dimensions=DIMENSIONS)
        return [_normalise(list(item.embedding)) for item in response.data]


def to_pgvector(vector: list[float]) -> str:
    """The text form pgvector parses, so callers need not register an adapter on a shared connection."""
    return "[" + ",".join(f"{v:.6f}" for v in vector) + "]"


_default: Embedder = HashingEmbedder()


def get_embedder() -> Embedder:
    return _default


def set_embedder(embedder: Embedder) -> None:
    global _default
    _default = embedder
