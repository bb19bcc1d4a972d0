-- Everything the queue numbers read (GET /api/queues, the desk's queue tabs), so they come from an
-- index-only scan instead of the case rows, which carry the plan and facts and are a hundred times wider.
CREATE INDEX cases_queue_stats_idx ON cases (queue)
    INCLUDE (id, status, created_at, first_touch_due, first_touched_at, resolution_due, closed_at,
             sla_flagged_at, sla_breached_at);
