-- history-service schema, version 3: the rest of the record (offers, transfers, assignments with the agent's
-- concurrency, who may read a chat), full-text search on messages, tombstones of erased/purged chats, and the
-- indexes retention and metrics need. See the README (Schema) for how each table is written.

-- chat.offered: who was offered the chat (routing-service), once per offer.
CREATE TABLE chat_offer (
    chat_id     text        NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
    offer_id    text        NOT NULL,
    agent_id    text        NOT NULL,
    queue_id    text,
    offered_at  timestamptz NOT NULL,
    expires_at  timestamptz,
    PRIMARY KEY (chat_id, offer_id)
);

-- chat.transferred: the holding agent handed the chat on (to a queue or an agent), once per transfer request.
CREATE TABLE chat_transfer (
    chat_id         text        NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
    request_id      text        NOT NULL,
    from_agent_id   text,
    queue_id        text,
    to_agent_id     text,
    note            text,
    transferred_at  timestamptz NOT NULL,
    PRIMARY KEY (chat_id, request_id)
);

-- Every time an agent got the chat (chat.assigned), until they no longer held it: the chat's next assignment,
-- a transfer from them, or the close, whichever came first (released_at, recomputed as events arrive in any
-- order). concurrency: how many chats the agent held at assigned_at, this one included (metrics: CSAT by
-- concurrency); recomputed for the agent's later assignments whenever an interval of that agent changes.
CREATE TABLE chat_assignment (
    chat_id      text        NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
    agent_id     text        NOT NULL,
    assigned_at  timestamptz NOT NULL,
    released_at  timestamptz,
    concurrency  integer,
    PRIMARY KEY (chat_id, agent_id, assigned_at)
);
-- the agent's assignments from a time on (which to recompute)
CREATE INDEX chat_assignment_agent_idx ON chat_assignment (agent_id, assigned_at);
-- the agent's assignments still held after a time (counting the concurrency)
CREATE INDEX chat_assignment_held_idx ON chat_assignment (agent_id, (coalesce(released_at, 'infinity'::timestamptz)));

-- Agents who may read the chat (contract, Privacy): offered, assigned, or transferred to it.
CREATE TABLE chat_access (
    chat_id   text NOT NULL REFERENCES chat (id) ON DELETE CASCADE,
    agent_id  text NOT NULL,
    PRIMARY KEY (chat_id, agent_id)
);
CREATE INDEX chat_access_agent_idx ON chat_access (agent_id, chat_id);

-- Full-text search: filled by the consumer (SearchText splits the text by script: english, russian, simple with
-- Chinese bigrams and Hebrew prefix variants); rows from before this version are filled by SearchBackfill at start.
ALTER TABLE message ADD COLUMN search tsvector;
CREATE INDEX message_search_idx ON message USING gin (search);
-- the rows SearchBackfill still has to fill (empty once it is done; new rows never enter it)
CREATE INDEX message_unindexed_idx ON message (id) WHERE search IS NULL;

-- A chat erased on request or purged by retention: later events of it are dropped, not turned into a new chat.
CREATE TABLE chat_tombstone (
    chat_id    text        PRIMARY KEY,
    reason     text        NOT NULL,   -- erased | purged
    removed_at timestamptz NOT NULL
);

-- retention: chats closed before the cutoff
CREATE INDEX chat_closed_idx ON chat (closed_at);

-- What version 1 and 2 already knew, carried over: assignments and access from chat_agent (one row per chat and
-- agent there), released at the chat's next assignment or its close, and their concurrency.
INSERT INTO chat_access (chat_id, agent_id) SELECT chat_id, agent_id FROM chat_agent ON CONFLICT DO NOTHING;
INSERT INTO chat_assignment (chat_id, agent_id, assigned_at) SELECT chat_id, agent_id, assigned_at FROM chat_agent;
UPDATE chat_assignment a SET released_at = least(
        (SELECT min(n.assigned_at) FROM chat_assignment n WHERE n.chat_id = a.chat_id AND n.assigned_at > a.assigned_at),
        (SELECT c.closed_at FROM chat c WHERE c.id = a.chat_id AND c.closed_at >= a.assigned_at));
UPDATE chat_assignment x SET concurrency = (
        SELECT count(*) FROM chat_assignment y
        WHERE y.agent_id = x.agent_id AND y.assigned_at <= x.assigned_at
          AND coalesce(y.released_at, 'infinity'::timestamptz) > x.assigned_at);
