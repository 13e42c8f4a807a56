-- chat.queued with reason agent-lost: routing put a held chat back in its queue because its agent went offline
-- (or their disconnect's grace ran out). It ends that agent's hold (chat_assignment.released_at), as a transfer or
-- the close does; the time is the event's (its CloudEvents time: routing's commit), once per requeue.
CREATE TABLE chat_requeue (
    chat_id      text        NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
    requeued_at  timestamptz NOT NULL,
    reason       text        NOT NULL,
    PRIMARY KEY (chat_id, requeued_at)
);
