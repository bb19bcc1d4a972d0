-- The audit trail refuses TRUNCATE too. Row triggers (001) stop UPDATE and DELETE on case_events, but
-- TRUNCATE skips row triggers, so one statement (or a TRUNCATE of `cases ... CASCADE`, which reaches
-- case_events and approvals through their foreign keys) could wipe the history. approvals is audit as
-- well (who decided what, in which role), so it gets the same row and statement guards.
--
-- The one way through is copilot.runtime.reset_desk, which starts a new demo/test desk from scratch. In a
-- single transaction it runs
--     SELECT set_config('copilot.reset_desk', 'start a new desk: forget every case and its audit trail', true)
-- (that is, SET LOCAL), truncates, and clears the setting again before committing. The phrase is long and
-- specific so no ordinary code sets it by accident, and SET LOCAL dies with the transaction. This is a
-- guard against accidents, not a privilege boundary: a role that owns the tables can drop the triggers;
-- production deployments should run the service under a role that does not own them.

CREATE FUNCTION refuse_audit_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('copilot.reset_desk', true) IS NOT DISTINCT FROM
            'start a new desk: forget every case and its audit trail' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused (only copilot.runtime.reset_desk may start a new desk)',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_truncate();
CREATE TRIGGER approvals_no_truncate BEFORE TRUNCATE ON approvals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_truncate();

CREATE FUNCTION refuse_approval_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'approvals is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER approvals_append_only BEFORE UPDATE OR DELETE ON approvals
    FOR EACH ROW EXECUTE FUNCTION refuse_approval_change();
