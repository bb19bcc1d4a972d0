-- Exchanges of delivered items: the customer returns the old variants and receives the new ones; the price
-- difference is charged to or refunded on the payment method named here when the return arrives.
CREATE TABLE sandbox.exchanges (
    id                bigserial PRIMARY KEY,
    order_id          text NOT NULL REFERENCES sandbox.orders (id),
    customer_id       text NOT NULL REFERENCES sandbox.customers (id),
    lines             jsonb NOT NULL,
    payment_method_id text NOT NULL,
    price_difference  numeric(12, 2) NOT NULL,
    status            text NOT NULL DEFAULT 'requested',
    idempotency_key   text UNIQUE,
    created_at        timestamptz NOT NULL
);
CREATE INDEX exchanges_order_idx ON sandbox.exchanges (order_id);
