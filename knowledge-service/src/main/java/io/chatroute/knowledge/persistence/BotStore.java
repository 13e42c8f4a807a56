package io.chatroute.knowledge.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.chatroute.knowledge.domain.Bot;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** The bot's settings, what it knows of chats, the events it processed and its answers, in PostgreSQL (V3). */
@ApplicationScoped
public class BotStore {

    public static final String PENDING = "PENDING";
    public static final String POSTED = "POSTED";
    public static final String CANCELLED = "CANCELLED";
    public static final String EXPIRED = "EXPIRED";
    public static final String REFUSED = "REFUSED";

    private final Pool pool;

    public BotStore(Pool pool) {
        this.pool = pool;
    }

    /** A bot answer: posted once (its clientMsgId makes a repeated post a no-op at session-service). */
    public record Reply(String chatId, long forSeq, String sourceEventId, String clientMsgId, String articleId, double score,
                        String text, String status, Instant createdAt) {
    }

    public record ChatRow(Bot.ChatState state, String language) {
    }

    public record Loaded(Optional<Bot.Settings> settings, Set<String> processed, Map<String, ChatRow> chats,
                         List<Reply> pending, Set<String> answered) {
    }

    public record Changes(List<String> processed, Map<String, ChatRow> chats, Set<String> stopped, List<Reply> replies) {
    }

    public Uni<Optional<Bot.Settings>> settings() {
        return pool.preparedQuery("select enabled, min_score, min_margin, while_queued_only, updated_at from bot_settings where id = 1")
                .execute().map(rows -> {
                    for (Row r : rows) {
                        return Optional.of(new Bot.Settings(r.getBoolean(0), r.getDouble(1), r.getDouble(2), r.getBoolean(3),
                                r.getOffsetDateTime(4).toInstant()));
                    }
                    return Optional.empty();
                });
    }

    public Uni<Bot.Settings> putSettings(boolean enabled, double minScore, double minMargin, boolean whileQueuedOnly) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.preparedQuery("insert into bot_settings (id, enabled, min_score, min_margin, while_queued_only, updated_at) "
                        + "values (1, $1, $2, $3, $4, $5) on conflict (id) do update set enabled = excluded.enabled, "
                        + "min_score = excluded.min_score, min_margin = excluded.min_margin, "
                        + "while_queued_only = excluded.while_queued_only, updated_at = excluded.updated_at")
                .execute(Tuple.of(enabled, minScore, minMargin, whileQueuedOnly, now))
                .replaceWith(new Bot.Settings(enabled, minScore, minMargin, whileQueuedOnly, now.toInstant()));
    }

    /** What a batch needs: the settings, which of its events were processed, its chats, their pending and existing answers. */
    public Uni<Loaded> load(Collection<String> eventIds, Collection<String> chatIds, Optional<Bot.Settings> settings) {
        String[] ids = eventIds.toArray(String[]::new);
        String[] chats = chatIds.toArray(String[]::new);
        return pool.withConnection(c -> c
                .preparedQuery("select event_id from bot_event where event_id = any($1)").execute(Tuple.of(ids))
                .flatMap(done -> c.preparedQuery("select chat_id, state, language from bot_chat where chat_id = any($1)").execute(Tuple.of(chats))
                        .flatMap(chatRows -> c.preparedQuery("select chat_id, for_seq, source_event_id, client_msg_id, article_id, score, text, "
                                        + "status, created_at from bot_reply where chat_id = any($1) order by created_at, chat_id, for_seq")
                                .execute(Tuple.of(chats))
                                .map(replyRows -> {
                                    Set<String> processed = new HashSet<>();
                                    done.forEach(r -> processed.add(r.getString(0)));
                                    Map<String, ChatRow> chatMap = new HashMap<>();
                                    chatRows.forEach(r -> chatMap.put(r.getString(0),
                                            new ChatRow(Bot.ChatState.valueOf(r.getString(1)), r.getString(2))));
                                    List<Reply> pending = new ArrayList<>();
                                    Set<String> answered = new HashSet<>();
                                    for (Row r : replyRows) {
                                        Reply reply = reply(r);
                                        answered.add(key(reply.chatId(), reply.forSeq()));
                                        if (PENDING.equals(reply.status())) {
                                            pending.add(reply);
                                        }
                                    }
                                    return new Loaded(settings, processed, chatMap, pending, answered);
                                }))));
    }

    public static String key(String chatId, long seq) {
        return chatId + "\u0000" + seq;
    }

    /** Writes a batch's changes in one transaction; returns the new answers actually stored (one per message). */
    public Uni<List<Reply>> save(Changes ch) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return pool.withTransaction(c -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            if (!ch.processed().isEmpty()) {
                List<Tuple> rows = ch.processed().stream().map(id -> Tuple.of(id, now)).toList();
                chain = chain.chain(() -> c.preparedQuery("insert into bot_event (event_id, processed_at) values ($1, $2) on conflict do nothing")
                        .executeBatch(rows).replaceWithVoid());
            }
            if (!ch.chats().isEmpty()) {
                List<Tuple> rows = new ArrayList<>();
                ch.chats().forEach((id, row) -> rows.add(Tuple.of(id, row.state().name(), row.language(), now)));
                chain = chain.chain(() -> c.preparedQuery("insert into bot_chat (chat_id, state, language, updated_at) values ($1, $2, $3, $4) "
                                + "on conflict (chat_id) do update set state = excluded.state, "
                                + "language = coalesce(excluded.language, bot_chat.language), updated_at = excluded.updated_at")
                        .executeBatch(rows).replaceWithVoid());
            }
            if (!ch.stopped().isEmpty()) {
                chain = chain.chain(() -> c.preparedQuery("update bot_reply set status = $2 where chat_id = any($1) and status = $3")
                        .execute(Tuple.of(ch.stopped().toArray(String[]::new), CANCELLED, PENDING)).replaceWithVoid());
            }
            List<Reply> stored = new ArrayList<>();
            for (Reply r : ch.replies()) {
                chain = chain.chain(() -> c.preparedQuery("insert into bot_reply (chat_id, for_seq, source_event_id, client_msg_id, article_id, "
                                + "score, text, status, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing returning chat_id")
                        .execute(Tuple.from(List.of(r.chatId(), r.forSeq(), r.sourceEventId(), r.clientMsgId(), r.articleId(), r.score(),
                                r.text(), r.status(), r.createdAt().atOffset(ZoneOffset.UTC))))
                        .invoke(rows -> {
                            if (rows.size() > 0) {
                                stored.add(r);
                            }
                        }).replaceWithVoid());
            }
            return chain.replaceWith(stored);
        });
    }

    public Uni<Void> mark(Reply reply, String status) {
        return pool.preparedQuery("update bot_reply set status = $3, posted_at = $4 where chat_id = $1 and for_seq = $2")
                .execute(Tuple.of(reply.chatId(), reply.forSeq(), status, OffsetDateTime.now(ZoneOffset.UTC))).replaceWithVoid();
    }

    /** The chat's state now (an agent may have joined since the answer was decided). */
    public Uni<Optional<Bot.ChatState>> state(String chatId) {
        return pool.preparedQuery("select state from bot_chat where chat_id = $1").execute(Tuple.of(chatId))
                .map(rows -> {
                    for (Row r : rows) {
                        return Optional.of(Bot.ChatState.valueOf(r.getString(0)));
                    }
                    return Optional.empty();
                });
    }

    /**
     * Deletes what is older than {@code before}: processed-event ids, answers, and WAITING or CLOSED chats not heard of
     * since (a message that old is past {@code bot.max-age} anyway, so forgetting them cannot make the bot answer
     * twice). An ASSIGNED chat goes only when older than {@code assignedBefore}: its agent may still be in it, and a
     * forgotten chat counts as one whose start the bot did not see, which {@code whileQueuedOnly=false} answers.
     */
    public Uni<Void> prune(Instant before, Instant assignedBefore) {
        Tuple t = Tuple.of(before.atOffset(ZoneOffset.UTC));
        Tuple chats = Tuple.of(before.atOffset(ZoneOffset.UTC), assignedBefore.atOffset(ZoneOffset.UTC), Bot.ChatState.ASSIGNED.name());
        return pool.withTransaction(c -> c.preparedQuery("delete from bot_event where processed_at < $1").execute(t)
                .chain(() -> c.preparedQuery("delete from bot_reply where created_at < $1").execute(t))
                .chain(() -> c.preparedQuery("delete from bot_chat where (state <> $3 and updated_at < $1) or updated_at < $2")
                        .execute(chats))
                .replaceWithVoid());
    }

    private static Reply reply(Row r) {
        return new Reply(r.getString(0), r.getLong(1), r.getString(2), r.getString(3), r.getString(4), r.getDouble(5), r.getString(6),
                r.getString(7), r.getOffsetDateTime(8).toInstant());
    }
}
