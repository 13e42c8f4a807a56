-- history-service schema, version 2: customer notes (POST /api/v1/customers/{customerId}/notes), read with the
-- customer's history (GET /api/v1/customers/{customerId}/history).
--
-- The history's chat query (chat.customer_id = ? ORDER BY requested_at DESC, id DESC) uses chat_customer_idx
-- (customer_id, requested_at DESC) of version 1; tag statistics use chat_started_idx and chat_tag's key, also
-- of version 1. So no new index on chat.

CREATE TABLE customer_note (
    id               uuid        PRIMARY KEY,
    customer_id      text        NOT NULL,
    text             text        NOT NULL,
    author           text        NOT NULL,   -- the writer's JWT subject
    created_at       timestamptz NOT NULL,
    idempotency_key  text,                   -- the request's Idempotency-Key, if it had one
    CONSTRAINT customer_note_text_length CHECK (char_length(text) BETWEEN 1 AND 2000),
    CONSTRAINT customer_note_customer_length CHECK (char_length(customer_id) BETWEEN 1 AND 200),
    CONSTRAINT customer_note_key_length CHECK (char_length(idempotency_key) BETWEEN 1 AND 200)
);
-- the customer's notes, newest first
CREATE INDEX customer_note_customer_idx ON customer_note (customer_id, created_at DESC, id DESC);
-- an Idempotency-Key is one caller's (author's): the same key again answers with the note it made
CREATE UNIQUE INDEX customer_note_idempotency_uk ON customer_note (author, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
