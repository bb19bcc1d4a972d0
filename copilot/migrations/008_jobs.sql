-- Work for the agent graph, claimed by workers with FOR UPDATE SKIP LOCKED.
CREATE TABLE case_jobs (
    id            bigserial PRIMARY KEY,
    case_id       bigint NOT NULL REFERENCES cases (id),
    kind          text NOT NULL CHECK (kind IN ('run', 'resume')),
    payload       jsonb NOT NULL DEFAULT '{}',
    run_after     timestamptz NOT NULL DEFAULT now(),
    attempts      int NOT NULL DEFAULT 0,
    locked_by     text,
    locked_until  timestamptz,
    done_at       timestamptz,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_jobs_ready_idx ON case_jobs (run_after, id) WHERE done_at IS NULL;
CREATE INDEX case_jobs_case_idx ON case_jobs (case_id, id) WHERE done_at IS NULL;

-- Every new case is worked by the graph: the job is created with the case, in its transaction.
CREATE FUNCTION enqueue_new_case() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO case_jobs (case_id, kind) VALUES (NEW.id, 'run');
    RETURN NEW;
END $$;
CREATE TRIGGER cases_enqueue_run AFTER INSERT ON cases
    FOR EACH ROW EXECUTE FUNCTION enqueue_new_case();

-- An automatic approval is recorded once per plan version, however often its node re-runs.
CREATE UNIQUE INDEX approvals_auto_once ON approvals (case_id, plan_version) WHERE decision = 'auto';
