-- Effects of typed tools on the sandbox: idempotent refunds, store credit, and carrier charges
-- (intercepts and reroutes after handoff cost money, and closure reports that cost).
ALTER TABLE sandbox.refunds ADD COLUMN idempotency_key text UNIQUE;

CREATE TABLE sandbox.store_credits (
    id              bigserial PRIMARY KEY,
    customer_id     text NOT NULL REFERENCES sandbox.customers (id),
    order_id        text REFERENCES sandbox.orders (id),
    amount          numeric(12, 2) NOT NULL CHECK (amount > 0),
    reason          text NOT NULL,
    idempotency_key text UNIQUE,
    created_at      timestamptz NOT NULL
);

CREATE TABLE sandbox.carrier_charges (
    id             bigserial PRIMARY KEY,
    order_id       text NOT NULL REFERENCES sandbox.orders (id),
    fulfillment_id text NOT NULL REFERENCES sandbox.fulfillments (id),
    kind           text NOT NULL CHECK (kind IN ('intercept', 'reroute')),
    amount         numeric(12, 2) NOT NULL CHECK (amount >= 0),
    created_at     timestamptz NOT NULL
);
CREATE INDEX carrier_charges_order_idx ON sandbox.carrier_charges (order_id);
