package io.chatroute.history.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Deleting chats: the retention purge and a customer's erasure on request. Both take the erase gate exclusively
 * ({@link EventWriter#ERASE_GATE}: the consumer's batches take it shared), write a tombstone per chat and delete the
 * chat row, which deletes everything attached (messages with their search vectors, agents, assignments, access,
 * offers, transfers, tags, survey: {@code ON DELETE CASCADE}). A later event of such a chat is then dropped by the
 * consumer instead of creating the chat again.
 */
@ApplicationScoped
public class RetentionStore {

    /** Advisory lock class: one purge at a time across instances (the others skip). */
    static final int PURGE_LOCK = 7303;

    static final String GATE = "SELECT pg_advisory_xact_lock(" + EventWriter.ERASE_GATE + ", 0)";
    static final String TRY_PURGE = "SELECT pg_try_advisory_xact_lock(" + PURGE_LOCK + ", 0)";
    static final String CUSTOMER_CHATS = "SELECT id FROM chat WHERE customer_id = $1 ORDER BY id FOR UPDATE";
    static final String EXPIRED_CHATS = "SELECT id FROM chat WHERE closed_at < $1"
            + " OR (closed_at IS NULL AND coalesce(requested_at, created_at) < $1) ORDER BY id LIMIT $2 FOR UPDATE";
    static final String COUNTS = """
            SELECT (SELECT count(*) FROM message WHERE chat_id = ANY($1::text[])),
                   (SELECT count(*) FROM chat_tag WHERE chat_id = ANY($1::text[])),
                   (SELECT count(*) FROM chat_survey WHERE chat_id = ANY($1::text[])),
                   (SELECT count(*) FROM chat_transfer WHERE chat_id = ANY($1::text[])),
                   (SELECT count(*) FROM chat_offer WHERE chat_id = ANY($1::text[]))""";
    static final String TOMBSTONES = "INSERT INTO chat_tombstone (chat_id, reason, removed_at)"
            + " SELECT id, $2, $3 FROM unnest($1::text[]) AS t(id) ON CONFLICT (chat_id) DO NOTHING";
    static final String DELETE_CHATS = "DELETE FROM chat WHERE id = ANY($1::text[])";
    static final String DELETE_OUTBOX = "DELETE FROM outbox_event WHERE chat_id = ANY($1::text[])";
    static final String DELETE_NOTES = "DELETE FROM customer_note WHERE customer_id = $1";
    /** Public for the test that checks the purge finds old rows through an index (V4). */
    public static final String DELETE_PROCESSED = "DELETE FROM processed_event WHERE processed_at < $1";
    public static final String DELETE_OLD_TOMBSTONES = "DELETE FROM chat_tombstone WHERE reason = 'purged' AND removed_at < $1";

    private final Pool pool;

    public RetentionStore(Pool pool) {
        this.pool = pool;
    }

    /** What an erasure deleted. {@code searchEntries}: the messages' full-text entries (one per message). */
    public record Erased(String customerId, List<String> chatIds, long messages, long searchEntries, long notes, long tags,
                         long surveys, long transfers, long offers, Instant erasedAt) {
    }

    /** What a purge deleted. */
    public record Purged(Instant cutoff, long chats, long messages, long processedEvents, boolean skipped) {
    }

    /**
     * Erases everything history holds about a customer: every chat whose {@code chat.requested} named them (with
     * its messages, search entries, tags, survey, transfers, offers, assignments) and the notes about them. One
     * transaction; tombstones keep the chats' later events from bringing them back.
     */
    public Uni<Erased> eraseCustomer(String customerId) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        return pool.withTransaction(conn -> conn.query(GATE).execute()
                .chain(() -> conn.preparedQuery(CUSTOMER_CHATS).execute(Tuple.of(customerId)))
                .chain(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(r -> ids.add(r.getString(0)));
                    String[] chatIds = ids.toArray(String[]::new);
                    return remove(conn, chatIds, "erased", now).chain(counts -> conn.preparedQuery(DELETE_NOTES)
                            .execute(Tuple.of(customerId))
                            .map(notes -> new Erased(customerId, ids, counts[0], counts[0], notes.rowCount(), counts[1],
                                    counts[2], counts[3], counts[4], now.toInstant())));
                }));
    }

    /**
     * Deletes the chats closed before {@code cutoff} (and those never closed that started before it), {@code chunk}
     * chats per transaction until none is left, then the processed-event ids and purge tombstones older than the
     * cutoff. Skipped (nothing done) when another instance is purging.
     */
    public Uni<Purged> purge(Instant cutoff, int chunk) {
        OffsetDateTime at = cutoff.atOffset(ZoneOffset.UTC);
        return purgeChunks(at, chunk, new long[2]).chain(totals -> {
            if (totals == null) {
                return Uni.createFrom().item(new Purged(cutoff, 0, 0, 0, true));
            }
            return pool.withTransaction(conn -> conn.preparedQuery(DELETE_PROCESSED).execute(Tuple.of(at))
                    .chain(processed -> conn.preparedQuery(DELETE_OLD_TOMBSTONES).execute(Tuple.of(at))
                            .map(ignored -> new Purged(cutoff, totals[0], totals[1], processed.rowCount(), false))));
        });
    }

    /** One chunk per transaction, repeated while a chunk comes back full; null when another purge holds the lock. */
    private Uni<long[]> purgeChunks(OffsetDateTime cutoff, int chunk, long[] totals) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MICROS);
        return pool.withTransaction(conn -> conn.query(TRY_PURGE).execute().chain(locked -> {
            if (!locked.iterator().next().getBoolean(0)) {
                return Uni.createFrom().item(-1);
            }
            return conn.query(GATE).execute()
                    .chain(() -> conn.preparedQuery(EXPIRED_CHATS).execute(Tuple.of(cutoff, chunk)))
                    .chain(rows -> {
                        List<String> ids = new ArrayList<>();
                        rows.forEach(r -> ids.add(r.getString(0)));
                        return remove(conn, ids.toArray(String[]::new), "purged", now).map(counts -> {
                            totals[0] += ids.size();
                            totals[1] += counts[0];
                            return ids.size();
                        });
                    });
        })).chain(n -> {
            if (n < 0) {
                return Uni.createFrom().nullItem();
            }
            return n < chunk ? Uni.createFrom().item(totals) : purgeChunks(cutoff, chunk, totals);
        });
    }

    /** Counts (messages, tags, surveys, transfers, offers), tombstones and deletes the chats, in the caller's tx. */
    private static Uni<long[]> remove(SqlConnection conn, String[] chatIds, String reason, OffsetDateTime now) {
        if (chatIds.length == 0) {
            return Uni.createFrom().item(new long[5]);
        }
        return conn.preparedQuery(COUNTS).execute(Tuple.of((Object) chatIds)).chain(counted -> {
            Row r = counted.iterator().next();
            long[] counts = {r.getLong(0), r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)};
            return conn.preparedQuery(TOMBSTONES).execute(Tuple.of(chatIds, reason, now))
                    .chain(() -> conn.preparedQuery(DELETE_CHATS).execute(Tuple.of((Object) chatIds)))
                    // events of these chats not yet published (a broker away) are not published after the erasure
                    .chain(() -> conn.preparedQuery(DELETE_OUTBOX).execute(Tuple.of((Object) chatIds)))
                    .replaceWith(counts);
        });
    }
}
