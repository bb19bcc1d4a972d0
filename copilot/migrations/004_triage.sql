-- Triage: how each queue's SLA clocks run, and the default queues of DESIGN section 4.
ALTER TABLE sla_policies
    ADD COLUMN first_touch_rule   text NOT NULL DEFAULT 'business_minutes',
    ADD COLUMN resolution_rule    text NOT NULL DEFAULT 'business_minutes',
    ADD COLUMN definition_of_done text NOT NULL DEFAULT '';
ALTER TABLE sla_policies ADD CONSTRAINT sla_policies_rules_check CHECK (
    first_touch_rule IN ('business_minutes', 'calendar_minutes', 'end_of_business_day', 'before_deadline', 'before_due_date')
    AND resolution_rule IN ('business_minutes', 'calendar_minutes', 'end_of_business_day', 'before_deadline', 'before_due_date'));

-- Minutes are business minutes (an 8-hour business day) unless the rule says calendar.
INSERT INTO sla_policies (queue, first_touch_rule, first_touch_minutes, resolution_rule, resolution_minutes,
                          business_hours, owner, escalation_path, definition_of_done) VALUES
    ('pre_fulfillment_holds', 'business_minutes', 240, 'before_deadline', 960, true, 'recovery_desk',
     '["ops_lead", "warehouse_3pl_contact"]', 'released or cancelled with a reason'),
    ('cancel_edit_requests', 'before_deadline', 240, 'before_deadline', 240, true, 'recovery_desk',
     '["ops_lead", "warehouse_3pl_contact"]', 'cancelled, edited or intercepted'),
    ('delivery_exceptions', 'end_of_business_day', 480, 'business_minutes', 1440, true, 'recovery_desk',
     '["ops_lead", "warehouse_3pl_contact"]', 'delivered, reshipped or refunded'),
    ('refund_contacts', 'calendar_minutes', 1440, 'business_minutes', 2400, true, 'recovery_desk',
     '["ops_lead", "finance"]', 'refunded with a clear status and timeline'),
    ('chargebacks', 'business_minutes', 480, 'before_due_date', 2400, true, 'recovery_desk',
     '["finance", "ops_lead"]', 'evidence submitted before the due date');
