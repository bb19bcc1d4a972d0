-- 013's refusal named the reset's old home (copilot.runtime); the layout move put it in
-- copilot.workflow.runtime. Same guard, same phrase, the message names where the one way through lives now.

CREATE OR REPLACE FUNCTION refuse_audit_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('copilot.reset_desk', true) IS NOT DISTINCT FROM
            'start a new desk: forget every case and its audit trail' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused (only copilot.workflow.runtime.reset_desk may start a new desk)',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
