-- Intake: every delivery is stored raw before it is parsed.
CREATE TABLE raw_deliveries (
    id          bigserial PRIMARY KEY,
    source      text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    headers     jsonb NOT NULL DEFAULT '{}',
    body        bytea NOT NULL,
    outcome     text CHECK (outcome IN ('signal', 'duplicate', 'dead_letter')),
    signal_id   bigint
);

CREATE TABLE signals (
    id              bigserial PRIMARY KEY,
    raw_id          bigint REFERENCES raw_deliveries (id),
    source          text NOT NULL,
    source_event_id text NOT NULL,
    kind            text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    order_id        text,
    customer_email  text,
    ticket_id       text,
    payload         jsonb NOT NULL,
    case_id         bigint,
    UNIQUE (source, source_event_id)
);
CREATE INDEX signals_case_idx ON signals (case_id);

CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    raw_id      bigint NOT NULL REFERENCES raw_deliveries (id),
    source      text NOT NULL,
    error       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    signal_id   bigint
);

CREATE TABLE security_log (
    id      bigserial PRIMARY KEY,
    at      timestamptz NOT NULL DEFAULT now(),
    source  text NOT NULL,
    reason  text NOT NULL,
    remote  text
);

-- Cases: the unit of work, one open case per order.
CREATE TABLE cases (
    id                  bigserial PRIMARY KEY,
    order_id            text,
    customer_id         text,
    customer_email      text,
    ticket_id           text,
    category            text NOT NULL DEFAULT 'unclassified',
    disposition         text,
    classified_by       text,
    confidence          real,
    priority            text,
    priority_score      real,
    priority_reasons    jsonb NOT NULL DEFAULT '[]',
    queue               text,
    owner               text,
    escalation_path     jsonb NOT NULL DEFAULT '[]',
    escalation_level    int NOT NULL DEFAULT 0,
    assignee            text,
    status              text NOT NULL DEFAULT 'new',
    order_value         numeric(12, 2),
    deadline_at         timestamptz,
    first_touch_due     timestamptz,
    resolution_due      timestamptz,
    first_touched_at    timestamptz,
    sla_flagged_at      timestamptz,
    sla_breached_at     timestamptz,
    plan_version        int NOT NULL DEFAULT 0,
    plan                jsonb,
    facts               jsonb NOT NULL DEFAULT '{}',
    root_cause          text,
    cost                jsonb,
    close_reason        text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    closed_at           timestamptz
);
CREATE UNIQUE INDEX cases_one_open_per_order ON cases (order_id)
    WHERE order_id IS NOT NULL AND status NOT IN ('closed', 'routed_away');
CREATE INDEX cases_queue_due_idx ON cases (status, first_touch_due);
CREATE INDEX cases_customer_idx ON cases (customer_email, created_at DESC);

-- The audit trail is append-only, enforced by the database itself.
CREATE TABLE case_events (
    id       bigserial PRIMARY KEY,
    case_id  bigint NOT NULL REFERENCES cases (id),
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    kind     text NOT NULL,
    data     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);

CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();

CREATE TABLE proposed_actions (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases (id),
    plan_version    int NOT NULL,
    action_id       text NOT NULL,
    tool            text NOT NULL,
    kind            text NOT NULL,
    args            jsonb NOT NULL,
    status          text NOT NULL DEFAULT 'proposed',
    idempotency_key text,
    result          jsonb,
    error           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    executed_at     timestamptz,
    UNIQUE (case_id, plan_version, action_id)
);

CREATE TABLE guardrail_verdicts (
    id            bigserial PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id),
    plan_version  int NOT NULL,
    action_id     text NOT NULL,
    rule_id       text NOT NULL,
    outcome       text NOT NULL CHECK (outcome IN ('allow', 'needs_approval', 'block')),
    role          text,
    reason        text NOT NULL,
    mode          text NOT NULL DEFAULT 'active',
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX guardrail_verdicts_case_idx ON guardrail_verdicts (case_id, plan_version);

CREATE TABLE messages (
    id              bigserial PRIMARY KEY,
    case_id         bigint NOT NULL REFERENCES cases (id),
    plan_version    int NOT NULL,
    scenario        text NOT NULL,
    body            text NOT NULL,
    written_by      text NOT NULL DEFAULT 'template',
    status          text NOT NULL DEFAULT 'draft',
    ticket_id       text,
    idempotency_key text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);

CREATE TABLE approvals (
    id            bigserial PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id),
    plan_version  int NOT NULL,
    decision      text NOT NULL CHECK (decision IN ('approve', 'edit', 'reject', 'auto')),
    actor         text NOT NULL,
    role          text NOT NULL,
    reason        text,
    edits         jsonb,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sla_policies (
    queue               text PRIMARY KEY,
    first_touch_minutes int NOT NULL,
    resolution_minutes  int NOT NULL,
    business_hours      boolean NOT NULL DEFAULT true,
    owner               text NOT NULL,
    escalation_path     jsonb NOT NULL
);

-- Exactly-once side effects: the first result for an idempotency key is the only one.
CREATE TABLE tool_calls (
    idempotency_key text PRIMARY KEY,
    case_id         bigint,
    tool            text NOT NULL,
    args            jsonb NOT NULL,
    status          text NOT NULL CHECK (status IN ('started', 'done', 'failed')),
    result          jsonb,
    error           text,
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);

CREATE TABLE embeddings (
    id           bigserial PRIMARY KEY,
    case_id      bigint,
    signal_id    bigint,
    customer_key text,
    kind         text NOT NULL DEFAULT 'ticket',
    created_at   timestamptz NOT NULL DEFAULT now(),
    embedding    vector(256) NOT NULL
);
CREATE INDEX embeddings_hnsw_idx ON embeddings USING hnsw (embedding vector_cosine_ops);
CREATE INDEX embeddings_customer_idx ON embeddings (customer_key, created_at);

CREATE TABLE api_keys (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    role        text NOT NULL CHECK (role IN ('agent', 'lead', 'finance', 'qa', 'admin')),
    key_hash    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);
