-- Closure and learning: the verification schedule of a case, and the root-cause ledger written at close.

-- verify_* are on the case's clock (the injected one in simulations), never the database's.
ALTER TABLE cases
    ADD COLUMN verify_started_at timestamptz,
    ADD COLUMN verify_due_at     timestamptz,
    ADD COLUMN verify_next_at    timestamptz,
    ADD COLUMN reopen_count      int NOT NULL DEFAULT 0;
CREATE INDEX cases_verify_next_idx ON cases (verify_next_at) WHERE status = 'verifying';

-- One row per closure of a case (a reopened case that closes again updates its row for that round).
CREATE TABLE root_causes (
    id                  bigserial PRIMARY KEY,
    case_id             bigint NOT NULL REFERENCES cases (id),
    round               int NOT NULL,
    closed_at           timestamptz NOT NULL,
    category            text NOT NULL,
    queue               text,
    cause               text NOT NULL,
    detail              text,
    order_id            text,
    order_value         numeric(12, 2) NOT NULL DEFAULT 0,
    order_status        text,
    refunds             numeric(12, 2) NOT NULL DEFAULT 0,
    reships             numeric(12, 2) NOT NULL DEFAULT 0,
    concessions         numeric(12, 2) NOT NULL DEFAULT 0,
    intercept_fees      numeric(12, 2) NOT NULL DEFAULT 0,
    sla_minutes         int NOT NULL DEFAULT 0 CHECK (sla_minutes >= 0),
    open_minutes        int NOT NULL CHECK (open_minutes >= 0),
    close_reason        text NOT NULL,
    UNIQUE (case_id, round)
);
CREATE INDEX root_causes_closed_idx ON root_causes (closed_at);
