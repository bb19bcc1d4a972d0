-- The sandbox commerce world: the default system of record, with the states a real one has.
CREATE SCHEMA sandbox;

CREATE TABLE sandbox.meta (
    key   text PRIMARY KEY,
    value jsonb NOT NULL
);

CREATE TABLE sandbox.warehouses (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    timezone    text NOT NULL,
    cutoff_local time NOT NULL,
    carriers    text[] NOT NULL
);

CREATE TABLE sandbox.customers (
    id              text PRIMARY KEY,
    email           text NOT NULL UNIQUE,
    first_name      text NOT NULL,
    last_name       text NOT NULL,
    phone           text,
    vip             boolean NOT NULL DEFAULT false,
    lifetime_value  numeric(12, 2) NOT NULL DEFAULT 0,
    address         jsonb,
    payment_methods jsonb NOT NULL DEFAULT '[]',
    created_at      timestamptz NOT NULL
);

CREATE TABLE sandbox.products (
    sku         text PRIMARY KEY,
    product_id  text NOT NULL,
    name        text NOT NULL,
    price       numeric(12, 2) NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    available   boolean NOT NULL DEFAULT true
);

CREATE TABLE sandbox.orders (
    id               text PRIMARY KEY,
    customer_id      text NOT NULL REFERENCES sandbox.customers (id),
    status           text NOT NULL CHECK (status IN
                     ('pending', 'processing', 'label_created', 'shipped', 'delivered', 'cancelled')),
    source_status    text,
    currency         text NOT NULL DEFAULT 'USD',
    subtotal         numeric(12, 2) NOT NULL,
    shipping_total   numeric(12, 2) NOT NULL DEFAULT 0,
    total            numeric(12, 2) NOT NULL,
    shipping_address jsonb NOT NULL,
    risk_level       text NOT NULL DEFAULT 'low' CHECK (risk_level IN ('low', 'medium', 'high')),
    risk_recommendation text NOT NULL DEFAULT 'accept' CHECK (risk_recommendation IN ('accept', 'investigate', 'cancel')),
    risk_rules       text[] NOT NULL DEFAULT '{}',
    hold_reason      text,
    tags             text[] NOT NULL DEFAULT '{}',
    cancel_reason    text,
    created_at       timestamptz NOT NULL,
    promised_by      timestamptz,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX orders_customer_idx ON sandbox.orders (customer_id, created_at DESC);

CREATE TABLE sandbox.order_lines (
    order_id    text NOT NULL REFERENCES sandbox.orders (id),
    line_no     int NOT NULL,
    sku         text NOT NULL,
    name        text NOT NULL,
    quantity    int NOT NULL CHECK (quantity > 0),
    unit_price  numeric(12, 2) NOT NULL,
    options     jsonb NOT NULL DEFAULT '{}',
    status      text NOT NULL DEFAULT 'open',
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE sandbox.payments (
    id                text PRIMARY KEY,
    order_id          text NOT NULL REFERENCES sandbox.orders (id),
    method            text NOT NULL,
    brand             text,
    last4             text,
    status            text NOT NULL CHECK (status IN ('authorized', 'captured', 'failed', 'expired', 'voided')),
    amount            numeric(12, 2) NOT NULL,
    amount_captured   numeric(12, 2) NOT NULL DEFAULT 0,
    amount_refunded   numeric(12, 2) NOT NULL DEFAULT 0,
    decline_code      text,
    avs_result        text NOT NULL DEFAULT 'match',
    cvv_result        text NOT NULL DEFAULT 'match',
    authorized_at     timestamptz,
    auth_expires_at   timestamptz,
    retry_count       int NOT NULL DEFAULT 0,
    last_retry_at     timestamptz,
    created_at        timestamptz NOT NULL
);
CREATE INDEX payments_order_idx ON sandbox.payments (order_id);

CREATE TABLE sandbox.refunds (
    id              text PRIMARY KEY,
    payment_id      text NOT NULL REFERENCES sandbox.payments (id),
    amount          numeric(12, 2) NOT NULL CHECK (amount > 0),
    reason          text NOT NULL,
    status          text NOT NULL DEFAULT 'succeeded',
    created_at      timestamptz NOT NULL
);

CREATE TABLE sandbox.fulfillments (
    id               text PRIMARY KEY,
    order_id         text NOT NULL REFERENCES sandbox.orders (id),
    warehouse_id     text NOT NULL REFERENCES sandbox.warehouses (id),
    status           text NOT NULL CHECK (status IN
                     ('pending', 'picking', 'label_created', 'handed_off', 'delivered', 'returned', 'cancelled')),
    carrier          text NOT NULL,
    service          text NOT NULL DEFAULT 'ground',
    tracking_number  text,
    skus             text[] NOT NULL,
    cutoff_at        timestamptz,
    label_created_at timestamptz,
    handed_off_at    timestamptz,
    delivered_at     timestamptz,
    intercept_count  int NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL
);
CREATE INDEX fulfillments_order_idx ON sandbox.fulfillments (order_id);

CREATE TABLE sandbox.inventory (
    warehouse_id text NOT NULL REFERENCES sandbox.warehouses (id),
    sku          text NOT NULL,
    on_hand      int NOT NULL CHECK (on_hand >= 0),
    reserved     int NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (warehouse_id, sku)
);

CREATE TABLE sandbox.tracking_events (
    id              bigserial PRIMARY KEY,
    tracking_number text NOT NULL,
    carrier         text NOT NULL,
    status          text NOT NULL,
    status_detail   text,
    message         text,
    location        text,
    occurred_at     timestamptz NOT NULL
);
CREATE INDEX tracking_events_number_idx ON sandbox.tracking_events (tracking_number, occurred_at);

CREATE TABLE sandbox.disputes (
    id          text PRIMARY KEY,
    order_id    text NOT NULL REFERENCES sandbox.orders (id),
    payment_id  text NOT NULL REFERENCES sandbox.payments (id),
    reason      text NOT NULL,
    status      text NOT NULL,
    amount      numeric(12, 2) NOT NULL,
    due_by      timestamptz NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE sandbox.claims (
    id          text PRIMARY KEY,
    customer_id text NOT NULL REFERENCES sandbox.customers (id),
    order_id    text NOT NULL REFERENCES sandbox.orders (id),
    kind        text NOT NULL,
    outcome     text,
    created_at  timestamptz NOT NULL
);

CREATE TABLE sandbox.tickets (
    id          text PRIMARY KEY,
    customer_id text REFERENCES sandbox.customers (id),
    channel     text NOT NULL,
    subject     text NOT NULL,
    created_at  timestamptz NOT NULL
);

CREATE TABLE sandbox.outbox (
    id              bigserial PRIMARY KEY,
    ticket_id       text,
    order_id        text,
    customer_id     text,
    channel         text NOT NULL,
    kind            text NOT NULL DEFAULT 'message',
    body            text NOT NULL,
    idempotency_key text UNIQUE,
    created_at      timestamptz NOT NULL
);

-- The exceptions the seeded world carries, each with the signal that raised it.
CREATE TABLE sandbox.seed_signals (
    id            text PRIMARY KEY,
    category      text NOT NULL,
    signal        jsonb NOT NULL,
    occurred_at   timestamptz NOT NULL
);
