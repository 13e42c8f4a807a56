-- Events history-service publishes (transcript.tagged), written in the transaction of the change they announce and
-- deleted once the broker acknowledged them. The relay publishes each at once after the commit; a sweep publishes
-- what a crash or a broker outage left behind (at least once: consumers are idempotent on the event id).
CREATE TABLE outbox_event (
    id uuid PRIMARY KEY,
    type text NOT NULL,
    chat_id text NOT NULL,
    occurred_at timestamptz NOT NULL,
    data text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_event_created_at ON outbox_event (created_at);
