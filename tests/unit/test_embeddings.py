"""The default embedder: local, deterministic, unit length, and it separates near-duplicates in pgvector."""

from __future__ import annotations

import math

from copilot.cases.linking import NEAR_DUPLICATE_SIMILARITY
from tools.embeddings import DIMENSIONS, Embedder, HashingEmbedder, to_pgvector

ORIGINAL = "My parcel shows delivered but I never received it. Left at front door apparently."
RESENT = "my parcel shows as delivered but i never received it!! apparently left at the front door"
OTHER = "Please cancel order 1044, I ordered the wrong size by mistake."


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_same_text_same_unit_vector_of_256_floats():
    embedder = HashingEmbedder()
    first, again = embedder.embed([ORIGINAL, ORIGINAL])
    assert first == again and len(first) == DIMENSIONS
    assert math.isclose(math.sqrt(sum(v * v for v in first)), 1.0, rel_tol=1e-9)
    assert isinstance(embedder, Embedder)


def test_near_duplicate_is_above_the_merge_threshold_and_another_request_is_below():
    a, b, c = HashingEmbedder().embed([ORIGINAL, RESENT, OTHER])
    assert cosine(a, b) >= NEAR_DUPLICATE_SIMILARITY > cosine(a, c)


def test_pgvector_cosine_distance_agrees_with_python(conn):
    a, b = HashingEmbedder().embed([ORIGINAL, OTHER])
    row = conn.execute("SELECT 1 - (%s::vector <=> %s::vector) AS similarity",
                       (to_pgvector(a), to_pgvector(b))).fetchone()
    assert math.isclose(row["similarity"], cosine(a, b), abs_tol=1e-4)
