-- When an outbox event is next due to the sweep: set at the insert to the commit's time plus the sweep's wait (longer
-- than the immediate send can take), and moved on by each sweep that claims it (FOR UPDATE SKIP LOCKED), so neither
-- the immediate send and a sweep nor two instances' sweeps send one event at the same time. created_at now takes the
-- statement's clock, not the transaction's start (a transaction that waited for a lock made its row look old).
ALTER TABLE outbox_event ADD COLUMN next_attempt_at timestamptz NOT NULL DEFAULT clock_timestamp();
ALTER TABLE outbox_event ALTER COLUMN created_at SET DEFAULT clock_timestamp();
CREATE INDEX outbox_event_next_attempt_at ON outbox_event (next_attempt_at);
