-- The hourly purge (RetentionStore) deletes processed_event and chat_tombstone rows by age. processed_event holds a
-- row per event applied (every message included) for the retention period, and without an index on its age each
-- pass read the whole table to find one hour's rows; chat_tombstone likewise, at a row per purged chat.
-- (A table already large would take CREATE INDEX CONCURRENTLY outside Flyway's transaction; none is yet.)
CREATE INDEX processed_event_processed_at_idx ON processed_event (processed_at);
CREATE INDEX chat_tombstone_removed_at_idx ON chat_tombstone (removed_at);
