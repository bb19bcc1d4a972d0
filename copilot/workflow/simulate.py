"""A simulated desk week: an injected clock advances over the demo world; each day brings new exceptions,
customers answer asks, the warehouse ships what it can, and a lead approves what a lead may approve."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb

from copilot.cases.resume import Approve
from copilot.cases.sla_scheduler import run_sla_tick
from copilot.close.verification import run_verification_tick
from copilot.core import db
from copilot.core.errors import CopilotError
from copilot.core.models import Signal, SignalKind, SignalSource, Strict
from copilot.core.roles import Role
from copilot.core.settings import Settings
from copilot.desk.decisions import decide
from copilot.intake.ingest import ingest_signal
from copilot.workflow.engine import Engine, open_engine
from copilot.workflow.runtime import reset_desk
from copilot.workflow.worker import work
from tools.connectors.sandbox import store
from tools.connectors.sandbox.exceptions import plant_exceptions
from tools.connectors.sandbox.generator import WorldBuilder, generate_world
from tools.connectors.sandbox.world import World

NEW_ROWS = ("orders", "order_lines", "payments", "refunds", "fulfillments", "tracking_events", "disputes", "claims",
            "tickets", "seed_signals")
ANSWERS: dict[str, list[str]] = {
    "delay_notice": ["No rush, I'll wait for it.", "That's too long, please cancel it."],
    "substitute_offer": ["Yes, the alternative is fine.", "Please cancel the order instead."],
    "split_offer": ["Ship what you have now please.", "I'll wait so it all comes together."],
    "address_confirmation": ["Yes, the address is correct.", "That's right, please send it there."],
    "payment_update": ["I updated my card, please try again.", "I added a new card to my account."],
    "reship_offer": ["Please send a replacement.", "I'd like a refund please."],
}
UNCLEAR = ["what?", "I'm not sure what you mean", "call me"]


class SimConfig(Strict):
    days: int = 7
    per_day: int = 24
    seed: int = 7
    start: datetime
    step_hours: int = 6
    reply_rate: float = 0.7
    unclear_rate: float = 0.1


class SimResult(Strict):
    days: int
    signals: int
    cases: int
    closed: int
    reopened: int
    replies: int
    approvals: int
    end: datetime


class SimClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def day_batch(base: World, seed: int, day: int, now: datetime, n: int) -> World:
    """New exceptions for one day on the existing customers and stock, with ids unique to the day."""
    builder = WorldBuilder(seed * 1000 + day, now)
    builder.world.customers = base.customers
    builder.world.inventory = base.inventory
    builder._tracking = 200_000_000_000 + day * 10_000_000  # noqa: SLF001 - tracking numbers unique per day
    plant_exceptions(builder, n, next_order_number=100_000 + day * 1_000)
    tickets = {t.id: f"T{day}{t.id[1:]}" for t in builder.world.tickets}
    for t in builder.world.tickets:
        t.id = tickets[t.id]
    for c in builder.world.claims:
        c.id = f"clm_d{day}_{c.id}"
    for s in builder.world.seed_signals:
        s.id = f"D{day}{s.id}"
        s.signal.source_event_id = f"sim-{s.id}"
        if s.signal.ticket_id:
            s.signal.ticket_id = tickets.get(s.signal.ticket_id, s.signal.ticket_id)
    return builder.world


def append_world(conn: psycopg.Connection[DictRow], world: World) -> None:
    """Insert a day's new rows; customers and stock the planter changed are updated in place."""
    with conn.transaction():
        for table in NEW_ROWS:
            columns = store.TABLES[table][1]
            with conn.cursor().copy(f"COPY sandbox.{table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in store.world_rows(world, table):
                    copy.write_row(row)
        for c in world.customers:
            conn.execute("UPDATE sandbox.customers SET address = %s WHERE id = %s",
                         (Jsonb(c.address.model_dump(mode="json")) if c.address else None, c.id))
        conn.execute("UPDATE sandbox.inventory SET on_hand = 0 WHERE (warehouse_id, sku) IN"
                     " (SELECT * FROM unnest(%s::text[], %s::text[]))",
                     ([r.warehouse_id for r in world.inventory if r.on_hand == 0],
                      [r.sku for r in world.inventory if r.on_hand == 0]))


# The warehouse and carriers of the sandbox, moving orders that have a case: release → pick → label → ship.
_WORLD_TICK = [
    """UPDATE sandbox.orders o SET status = 'processing', updated_at = %(now)s FROM cases c
       WHERE c.order_id = o.id AND o.status = 'pending' AND o.hold_reason IS NULL AND EXISTS (SELECT 1
       FROM sandbox.payments p WHERE p.order_id = o.id AND p.status IN ('authorized', 'captured'))""",
    """UPDATE sandbox.fulfillments f SET status = 'label_created', label_created_at = %(now)s,
       tracking_number = coalesce(f.tracking_number, 'SIM' || md5(f.id)) FROM sandbox.orders o
       WHERE o.id = f.order_id AND o.status = 'processing' AND o.hold_reason IS NULL
       AND f.status IN ('pending', 'picking') AND o.updated_at <= %(now)s - interval '6 hours'
       AND NOT EXISTS (SELECT 1 FROM unnest(f.skus) s WHERE NOT EXISTS (SELECT 1 FROM sandbox.inventory i
           WHERE i.warehouse_id = f.warehouse_id AND i.sku = s AND i.on_hand > 0))
       AND EXISTS (SELECT 1 FROM cases c WHERE c.order_id = o.id)""",
    """UPDATE sandbox.orders o SET status = 'label_created', updated_at = %(now)s WHERE o.status = 'processing'
       AND EXISTS (SELECT 1 FROM sandbox.fulfillments f WHERE f.order_id = o.id AND f.status = 'label_created')""",
    """UPDATE sandbox.fulfillments f SET status = 'handed_off', handed_off_at = %(now)s
       WHERE f.status = 'label_created' AND f.label_created_at <= %(now)s - interval '6 hours'
       AND EXISTS (SELECT 1 FROM cases c WHERE c.order_id = f.order_id)""",
    """UPDATE sandbox.fulfillments f SET status = 'handed_off', handed_off_at = %(now)s
       WHERE f.status = 'pending' AND f.id LIKE '%%\\_r%%' AND f.created_at <= %(now)s - interval '12 hours'""",
    """UPDATE sandbox.orders o SET status = 'shipped', updated_at = %(now)s WHERE o.status = 'label_created'
       AND EXISTS (SELECT 1 FROM sandbox.fulfillments f WHERE f.order_id = o.id AND f.status = 'handed_off')""",
]


async def world_tick(conn: psycopg.AsyncConnection[DictRow], now: datetime) -> None:
    async with conn.transaction():
        for sql in _WORLD_TICK:
            await conn.execute(sql, {"now": now})


async def approve_all(engine: Engine) -> int:
    """Approve every plan a lead may approve; plans that need finance wait for finance."""
    async with engine.pool.connection() as conn:
        cur = await conn.execute("SELECT id, plan_version FROM cases WHERE status = 'awaiting_approval' ORDER BY id")
        waiting = await cur.fetchall()
    done = 0
    for case in waiting:
        try:
            await decide(engine.pool, case["id"], Approve(plan_version=case["plan_version"], actor="sim-lead",
                                                          role=Role.lead), now=engine.deps.clock())
            done += 1
        except CopilotError:
            continue
    return done


async def customers_answer(conn: psycopg.AsyncConnection[DictRow], cfg: SimConfig, rng: random.Random, now: datetime) -> int:
    cur = await conn.execute(
        "SELECT c.id, c.order_id, c.customer_email, c.plan->>'scenario' AS scenario FROM cases c"
        " WHERE c.status = 'awaiting_customer' AND NOT EXISTS (SELECT 1 FROM case_jobs j WHERE j.case_id = c.id"
        " AND j.done_at IS NULL) ORDER BY c.id")
    sent = 0
    for case in await cur.fetchall():
        if rng.random() > cfg.reply_rate:
            continue
        unclear = rng.random() < cfg.unclear_rate
        text = rng.choice(UNCLEAR if unclear else ANSWERS.get(case["scenario"], UNCLEAR))
        if case["scenario"] == "payment_update" and not unclear and case["order_id"]:
            # The customer saved a new card: the PSP now holds an authorized payment.
            await conn.execute("UPDATE sandbox.payments SET status = 'authorized', decline_code = NULL,"
                               " authorized_at = %s, auth_expires_at = %s WHERE order_id = %s AND status = 'failed'",
                               (now, now + timedelta(days=7), case["order_id"]))
        signal = Signal(source=SignalSource.zendesk, source_event_id=f"sim-reply-{case['id']}-{now:%m%d%H%M}",
                        kind=SignalKind.ticket_reply, occurred_at=now, order_id=case["order_id"],
                        customer_email=case["customer_email"], subject=f"Re: order {case['order_id']}", text=text)
        await ingest_signal(conn, signal, now)
        sent += 1
    return sent


async def _drain(engine: Engine) -> None:
    await work(engine.pool, engine.run_job, concurrency=4, drain=True, idle_sleep=0.02)


async def set_desk_clock(conn: psycopg.AsyncConnection[DictRow], at: datetime | None) -> None:
    """Audit rows written without an explicit time take the simulated one (migration 030); None ends that."""
    if at is None:
        await conn.execute("DELETE FROM desk_clock")
    else:
        await conn.execute("INSERT INTO desk_clock (id, at) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET at = %s",
                           (at, at))


async def simulate(url: str, settings: Settings, cfg: SimConfig,
                   progress: Callable[[int, datetime], None] | None = None) -> SimResult:
    clock = SimClock(cfg.start)
    base = generate_world(seed=cfg.seed, n_orders=cfg.per_day * 8, n_customers=max(40, cfg.per_day * 3),
                          n_exceptions=cfg.per_day, now=cfg.start)
    with db.connect(url, autocommit=True) as sync:
        reset_desk(sync)
        sync.execute("TRUNCATE root_causes")
        store.write_world(sync, base)
    replies = approvals = signals = 0
    async with open_engine(url, settings, clock=clock, pool_size=6) as engine, \
            await psycopg.AsyncConnection.connect(url, autocommit=True, row_factory=dict_row) as conn:
        try:
            for day in range(cfg.days):
                await set_desk_clock(conn, clock.now)
                batch = base if day == 0 else day_batch(base, cfg.seed, day, clock.now, cfg.per_day)
                if day:
                    with db.connect(url, autocommit=True) as sync:
                        append_world(sync, batch)
                for seed in batch.seed_signals:
                    signals += (await ingest_signal(conn, seed.signal, clock.now)).outcome == "signal"
                rng = random.Random(cfg.seed * 7919 + day)
                for _ in range(24 // cfg.step_hours):
                    await set_desk_clock(conn, clock.now)
                    await _drain(engine)
                    approvals += await approve_all(engine)
                    await _drain(engine)
                    replies += await customers_answer(conn, cfg, rng, clock.now)
                    await world_tick(conn, clock.now)
                    await run_verification_tick(conn, clock.now)
                    await run_sla_tick(conn, clock.now)
                    await _drain(engine)
                    clock.now += timedelta(hours=cfg.step_hours)
                if progress:
                    progress(day + 1, clock.now)
        finally:
            await set_desk_clock(conn, None)
        counts = await db.one(await conn.execute(
            "SELECT count(*) AS cases, count(*) FILTER (WHERE status = 'closed') AS closed,"
            " coalesce(sum(reopen_count), 0) AS reopened FROM cases"))
    return SimResult(days=cfg.days, signals=signals, cases=counts["cases"], closed=counts["closed"],
                     reopened=counts["reopened"], replies=replies, approvals=approvals, end=clock.now)
