-- The desk: listing order, notes, SLA marks and queue history.

-- The nearest deadline a case answers to: the irreversible point, the resolution SLA, and the
-- first-touch SLA while nobody has touched it. Stored so the queue listing is one index range scan.
ALTER TABLE cases ADD COLUMN next_due_at timestamptz GENERATED ALWAYS AS (
    COALESCE(
        LEAST(deadline_at, resolution_due, CASE WHEN first_touched_at IS NULL THEN first_touch_due END),
        'infinity'::timestamptz)
) STORED;

CREATE INDEX cases_open_due_idx ON cases (next_due_at, id)
    WHERE status NOT IN ('closed', 'routed_away');
CREATE INDEX cases_open_queue_due_idx ON cases (queue, next_due_at, id)
    WHERE status NOT IN ('closed', 'routed_away');
CREATE INDEX cases_status_due_idx ON cases (status, next_due_at, id);
CREATE INDEX cases_assignee_due_idx ON cases (assignee, next_due_at, id) WHERE assignee IS NOT NULL;

CREATE TABLE case_notes (
    id       bigserial PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES cases (id),
    at       timestamptz NOT NULL DEFAULT now(),
    author   text NOT NULL,
    body     text NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, id);

-- One row per SLA clock and mark, so a tick run by several workers flags or escalates exactly once.
CREATE TABLE sla_marks (
    case_id  bigint NOT NULL REFERENCES cases (id),
    clock    text NOT NULL CHECK (clock IN ('first_touch', 'resolution')),
    mark     text NOT NULL CHECK (mark IN ('at_risk', 'breached')),
    at       timestamptz NOT NULL,
    PRIMARY KEY (case_id, clock, mark)
);

CREATE TABLE queue_snapshots (
    at        timestamptz NOT NULL,
    queue     text NOT NULL,
    open      int NOT NULL,
    at_risk   int NOT NULL,
    breached  int NOT NULL,
    PRIMARY KEY (at, queue)
);
