-- Each worker's heartbeat, so /healthz in any process (API replicas without a worker included) can tell a
-- live worker from one whose loop has stopped.
CREATE TABLE workers (
    name        text PRIMARY KEY,
    started_at  timestamptz NOT NULL DEFAULT now(),
    beat_at     timestamptz NOT NULL DEFAULT now(),
    db_errors   bigint NOT NULL DEFAULT 0,
    last_error  text
);

-- A failed job can be retried from the desk; the retry is remembered with the job.
ALTER TABLE case_jobs ADD COLUMN retries int NOT NULL DEFAULT 0;
CREATE INDEX case_jobs_failed_idx ON case_jobs (done_at) WHERE done_at IS NOT NULL AND error IS NOT NULL;

-- A call the LLM circuit breaker held back is recorded too, so tokens per case reading 0 has its reason.
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_outcome_check;
ALTER TABLE llm_calls ADD CONSTRAINT llm_calls_outcome_check CHECK (outcome IN
    ('ok', 'check_failed', 'invalid_output', 'timeout', 'error', 'budget_exceeded', 'breaker_open'));
