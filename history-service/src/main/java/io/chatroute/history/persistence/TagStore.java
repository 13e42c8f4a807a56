package io.chatroute.history.persistence;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.hibernate.reactive.mutiny.Mutiny;

import io.chatroute.history.domain.TagStats;
import io.chatroute.history.domain.TagStatsQuery;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Tags written over REST, and the tag statistics. */
@ApplicationScoped
public class TagStore {

    private final Mutiny.SessionFactory sessions;

    public TagStore(Mutiny.SessionFactory sessions) {
        this.sessions = sessions;
    }

    /** A replacement of a chat's tags: the tags as stored (sorted), and the event that announces it (in the outbox). */
    public record Replaced(List<String> tags, OutboxEvent event) {
    }

    /**
     * Replaces the chat's tags; answers the stored tags (sorted) with the {@code transcript.tagged} that announces the
     * change, written to the outbox in the same transaction; or null when history has no such chat. The chat row is
     * locked for the transaction, so two writes to one chat's tags do not mix; its {@code tags_set_at} moves to now, so
     * a {@code chat.tagged} made before this edit and consumed after it changes nothing.
     */
    public Uni<Replaced> replace(String chatId, List<String> tags, String taggedBy, Duration sweepAfter) {
        // the time is taken after the lock, from the database, and never before the last replacement: two writes to
        // one chat commit in the order of their taggedAt, whatever the instances' clocks say
        return sessions.withTransaction((session, tx) -> session
                .createNativeQuery("SELECT CAST(floor(extract(epoch FROM clock_timestamp()) * 1000000) AS bigint),"
                        + " CAST(floor(extract(epoch FROM tags_set_at) * 1000000) AS bigint)"
                        + " FROM chat WHERE id = :id FOR NO KEY UPDATE", Object[].class)
                .setParameter("id", chatId)
                .getResultList()
                .chain(found -> {
                    if (found.isEmpty()) {
                        return Uni.createFrom().<Replaced>nullItem();
                    }
                    long clock = ((Number) found.get(0)[0]).longValue();
                    Number last = (Number) found.get(0)[1];
                    long micros = last == null ? clock : Math.max(clock, last.longValue() + 1);
                    Instant now = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
                    return session.createNativeQuery("UPDATE chat SET tags_set_at = :at WHERE id = :id")
                            .setParameter("at", now).setParameter("id", chatId).executeUpdate()
                            .chain(() -> TagWrites.replace(session, chatId, tags, now))
                            .chain(() -> TagWrites.of(session, List.of(chatId)))
                            .map(byChat -> byChat.getOrDefault(chatId, List.of()))
                            .chain(stored -> {
                                OutboxEvent event = OutboxEvent.tagged(chatId, stored, now, taggedBy);
                                return session.createNativeQuery("INSERT INTO outbox_event (id, type, chat_id, occurred_at, data,"
                                                + " next_attempt_at) VALUES (CAST(:id AS uuid), :type, :chat, :at, :data,"
                                                + " clock_timestamp() + make_interval(secs => :after))")
                                        .setParameter("id", event.id().toString())
                                        .setParameter("type", event.type())
                                        .setParameter("chat", chatId)
                                        .setParameter("at", now)
                                        .setParameter("data", event.data())
                                        .setParameter("after", (double) sweepAfter.toMillis() / 1000.0)
                                        .executeUpdate()
                                        .replaceWith(new Replaced(stored, event));
                            });
                }));
    }

    /**
     * Chats per tag and bucket, a chat counted in the bucket of its start ({@code requested_at}, or when history
     * first saw it, as the transcript list does). Bucket numbers are computed from the query's first bucket start:
     * days and weeks have a fixed length in UTC.
     */
    public Uni<TagStats> stats(TagStatsQuery q) {
        String sql = """
                SELECT CAST(floor(extract(epoch FROM (coalesce(c.requested_at, c.created_at) - CAST(:origin AS timestamptz)))
                                  / :len) AS integer) AS bucket,
                       t.tag, count(*) AS chats
                FROM chat c JOIN chat_tag t ON t.chat_id = c.id
                WHERE coalesce(c.requested_at, c.created_at) >= :from AND coalesce(c.requested_at, c.created_at) < :to
                GROUP BY 1, 2""";
        return sessions.withSession(session -> session.createNativeQuery(sql, Object[].class)
                .setParameter("origin", q.origin())
                .setParameter("len", q.interval().length().toSeconds())
                .setParameter("from", q.from())
                .setParameter("to", q.to())
                .getResultList()
                .map(rows -> TagStats.of(q, rows.stream()
                        .map(r -> new TagStats.Count(((Number) r[0]).intValue(), (String) r[1], ((Number) r[2]).longValue()))
                        .toList())));
    }
}
