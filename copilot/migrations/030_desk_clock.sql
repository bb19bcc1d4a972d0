-- The desk's clock for audit rows. Normally the database's own time; while `copilot simulate` runs a simulated
-- week it holds the simulated time, so a case's timeline never mixes real and simulated times (issue 16).
CREATE TABLE desk_clock (
    id int PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL
);

CREATE FUNCTION desk_now() RETURNS timestamptz LANGUAGE sql STABLE AS
$$ SELECT COALESCE((SELECT at FROM desk_clock WHERE id = 1), now()) $$;

ALTER TABLE case_events ALTER COLUMN at SET DEFAULT desk_now();
ALTER TABLE approvals ALTER COLUMN created_at SET DEFAULT desk_now();
