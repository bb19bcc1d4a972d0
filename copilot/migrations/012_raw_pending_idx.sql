-- The intake reconciler looks for raw deliveries still without an outcome every minute; they are a
-- handful among millions, so a partial index keeps that look-up from scanning every stored body.
CREATE INDEX raw_deliveries_pending_idx ON raw_deliveries (received_at, id) WHERE outcome IS NULL;
