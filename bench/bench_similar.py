"""Top-5 similar-case search over 100,000 ticket embeddings (pgvector HNSW, cosine). Vectors come from the
local embedder (tools/embeddings.py) over generated ticket texts. Target: p95 <= 10 ms."""

from __future__ import annotations

import asyncio
import os
import random
import re
import sys
import time
from datetime import UTC, datetime

import psycopg
from psycopg.rows import dict_row

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import bench_database, machine  # noqa: E402
from bench.serve import percentile  # noqa: E402
from copilot.core import db  # noqa: E402
from copilot.workflow.runtime import reset_desk
from tools.base import ToolDeps  # noqa: E402
from tools.connectors.sandbox.generator import generate_world  # noqa: E402
from tools.embeddings import get_embedder, to_pgvector  # noqa: E402
from tools.read import find_similar_cases  # noqa: E402
from tools.schemas import FindSimilarCasesInput  # noqa: E402

N = int(os.environ.get("BENCH_EMBEDDINGS", "100000"))
QUERIES = 300
TARGET_MS = 10.0
NAMES = ["Ana", "Ben", "Chloe", "Dev", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo", "Kemal", "Lena", "Mo", "Noor"]


def ticket_texts(n: int, seed: int) -> list[str]:
    """The generator's ticket templates, each filled with a random order number and name, n times."""
    world = generate_world(seed=seed, now=datetime(2026, 1, 5, tzinfo=UTC), n_orders=3000, n_exceptions=1500)
    templates = sorted({f"{s.signal.subject or ''}\n{s.signal.text}" for s in world.seed_signals if s.signal.text})
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        text = re.sub(r"#?\b\d{4,}\b", f"#{rng.randint(1000, 99999)}", rng.choice(templates))
        out.append(f"Hi, {rng.choice(NAMES)} here. {text}")
    return out


def load(url: str, texts: list[str]) -> tuple[float, float]:
    """Cases + embeddings by COPY, then the HNSW index built once (as a restore or a backfill would)."""
    embedder = get_embedder()
    started = time.perf_counter()
    vectors = [to_pgvector(v) for v in embedder.embed(texts)]
    embed_s = time.perf_counter() - started
    with db.connect(url, autocommit=True) as conn:
        reset_desk(conn)  # the audit tables refuse any other TRUNCATE
        conn.execute("DROP INDEX IF EXISTS embeddings_hnsw_idx")
        conn.execute("ALTER TABLE cases DISABLE TRIGGER cases_enqueue_run")
        categories = ["payment_failure", "address_issue", "delivery_exception", "refund_request", "change_request"]
        with conn.cursor() as cur, cur.copy("COPY cases (category, status) FROM STDIN") as copy:
            for i in range(len(texts)):
                copy.write_row((categories[i % len(categories)], "closed"))
        conn.execute("ALTER TABLE cases ENABLE TRIGGER cases_enqueue_run")
        with conn.cursor() as cur, cur.copy("COPY embeddings (case_id, customer_key, kind, embedding) FROM STDIN") as copy:
            for i, v in enumerate(vectors, start=1):
                copy.write_row((i, f"c{i % 5000}@example.com", "ticket", v))
        started = time.perf_counter()
        conn.execute("SET maintenance_work_mem = '512MB'")
        conn.execute("CREATE INDEX embeddings_hnsw_idx ON embeddings USING hnsw (embedding vector_cosine_ops)")
        conn.execute("ANALYZE embeddings")
    return embed_s, time.perf_counter() - started


TOP5 = "SELECT case_id, embedding <=> %s::vector AS d FROM embeddings ORDER BY embedding <=> %s::vector LIMIT 5"
# The same order by an expression no index can serve: the exact answer, to measure the index's recall.
EXACT = "SELECT case_id, embedding <=> %s::vector AS d FROM embeddings ORDER BY (embedding <=> %s::vector) + 0 LIMIT 5"


def timed(conn: psycopg.Connection, sql: str, vectors: list[str]) -> tuple[list[float], list[set[int]]]:
    latencies, found = [], []
    for v in vectors:
        started = time.perf_counter()
        rows = conn.execute(sql, (v, v)).fetchall()
        latencies.append(time.perf_counter() - started)
        found.append({r["case_id"] for r in rows})
    return latencies, found


async def tool_latencies(url: str, texts: list[str]) -> list[float]:
    """The READ tool the graph calls (find_similar_cases), with its own SQL, on the same table."""
    latencies = []
    async with await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        deps = ToolDeps.sandbox(conn, datetime.now(UTC), case_id=None, customer_id=None)
        for text in texts:
            started = time.perf_counter()
            await find_similar_cases(deps, FindSimilarCasesInput(case_id=1, text=text, limit=5))
            latencies.append(time.perf_counter() - started)
    return latencies


def line(name: str, latencies: list[float], target: float | None = None, note: str = "") -> str:
    p50, p95, p99 = (percentile(latencies, p) * 1000 for p in (50, 95, 99))
    verdict = "" if target is None else (f"<= {target:.0f}  " + ("PASS" if p95 <= target else "MISS"))
    return f"{name:<52} {len(latencies):>5} {p50:>7.2f} {p95:>7.2f} {p99:>7.2f}  {verdict}{note}"


def main() -> None:
    url = bench_database("copilot_bench_similar")
    texts = ticket_texts(N, seed=1)
    queries = ticket_texts(QUERIES, seed=2)  # other names and numbers: not in the table
    embed_s, index_s = load(url, texts)
    query_vectors = [to_pgvector(v) for v in get_embedder().embed(queries)]
    print(f"machine: {machine()}")
    print(f"{N} ticket embeddings ({get_embedder().name}, 256 dims) from generated ticket texts: embedded in"
          f" {embed_s:.1f} s, HNSW (m=16, ef_construction=64) built in {index_s:.1f} s")
    print(f"{'query (one connection, sequential)':<52} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}  target")
    with db.connect(url, autocommit=True) as conn:
        timed(conn, TOP5, query_vectors[:20])  # warm the index into shared buffers
        hnsw, approx = timed(conn, TOP5, query_vectors)
        print(line("top-5 by cosine distance, HNSW (ef_search=40)", hnsw, TARGET_MS))
        started = time.perf_counter()
        embedded = [get_embedder().embed([q]) for q in queries]
        per_text = (time.perf_counter() - started) / len(embedded)
        print(line("embedding the query text first (per text)", [per_text] * len(queries)))
        exact_lat, exact = timed(conn, EXACT, query_vectors[:60])
        print(line("top-5 exact (sequential scan, for recall)", exact_lat))
    recall = sum(len(a & e) for a, e in zip(approx, exact, strict=False)) / (5 * len(exact))
    tool = asyncio.run(tool_latencies(url, queries[:60]))
    print(line("find_similar_cases READ tool (embed + HNSW + group)", tool, TARGET_MS))
    print(f"HNSW recall@5 against the exact search: {recall:.2f} (60 queries)")


if __name__ == "__main__":
    main()
