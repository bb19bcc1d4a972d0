-- A pending order paid with another of the customer's methods: the new payment row carries the key of the call
-- that made it, so the system of record itself refuses a second one for the same call.
ALTER TABLE sandbox.payments ADD COLUMN idempotency_key text UNIQUE;
