-- Tickets the copilot could not read with confidence wait in their own queue for a person (issue 14).
INSERT INTO sla_policies (queue, first_touch_rule, first_touch_minutes, resolution_rule, resolution_minutes,
                          business_hours, owner, escalation_path, definition_of_done) VALUES
    ('needs_reading', 'business_minutes', 240, 'business_minutes', 960, true, 'recovery_desk',
     '["ops_lead"]', 'read by a person and filed under the category it belongs to')
ON CONFLICT (queue) DO NOTHING;
