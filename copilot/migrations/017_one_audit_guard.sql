-- One row guard for every audit table: 001's refuse_audit_change named case_events in its message, so 013
-- wrote a copy for approvals. The function now names the table it guards, and approvals uses it too.
CREATE OR REPLACE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER approvals_append_only ON approvals;
CREATE TRIGGER approvals_append_only BEFORE UPDATE OR DELETE ON approvals
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
DROP FUNCTION refuse_approval_change();
