-- The case page asks whether the copilot wrote to an order since it last read the store's view of it.
CREATE INDEX tool_calls_order_idx ON tool_calls ((args->>'order_id'));
