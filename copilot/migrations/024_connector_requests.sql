-- The connectors' outbox: every request a shadow or live connector built, the vendor's idempotency key,
-- and what came back. A live row is written as 'sending' and committed before the request leaves, so a
-- crash between sending and recording leaves a row that tells the retry to replay or read first.
-- No foreign key to cases: the row is written on its own connection while the tool's transaction may hold
-- the case row locked.
CREATE TABLE connector_requests (
    id                 bigserial PRIMARY KEY,
    call_key           text NOT NULL,
    case_id            bigint,
    system             text NOT NULL,
    operation          text NOT NULL,
    mode               text NOT NULL CHECK (mode IN ('shadow', 'live')),
    method             text NOT NULL,
    url                text NOT NULL,
    body               jsonb,
    vendor_key         text,
    contract_checked   boolean NOT NULL,
    contract_errors    jsonb NOT NULL DEFAULT '[]',
    status             text NOT NULL CHECK (status IN ('recorded', 'sending', 'answered', 'failed')),
    attempts           int NOT NULL DEFAULT 0,
    response_status    int,
    response           jsonb,
    detail             text,  -- why it failed, or how an unrecorded attempt was found done
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    UNIQUE (call_key, mode)
);
CREATE INDEX connector_requests_case_idx ON connector_requests (case_id, id);
CREATE INDEX connector_requests_created_idx ON connector_requests (system, created_at);
