-- Owners work their escalated cases with their own keys: risk, 3PL and ops join the roles an API key may hold
-- (copilot/core/roles.py Role is the one list of roles).
ALTER TABLE api_keys DROP CONSTRAINT IF EXISTS api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
    CHECK (role IN ('agent', 'lead', 'finance', 'qa', 'admin', 'risk', 'threepl', 'ops'));
