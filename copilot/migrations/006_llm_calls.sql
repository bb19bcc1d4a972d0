-- Every LLM call a case made: what ran, what it cost, how it ended (DESIGN §8).
CREATE TABLE llm_calls (
    id                bigserial PRIMARY KEY,
    case_id           bigint REFERENCES cases (id),
    purpose           text NOT NULL,
    provider          text NOT NULL,
    model             text NOT NULL,
    response_format   text,
    prompt_tokens     int NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
    completion_tokens int NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
    latency_ms        int NOT NULL DEFAULT 0,
    attempts          int NOT NULL DEFAULT 0,
    outcome           text NOT NULL CHECK (outcome IN
                          ('ok', 'check_failed', 'invalid_output', 'timeout', 'error', 'budget_exceeded')),
    detail            text,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_calls_case_idx ON llm_calls (case_id, id);
