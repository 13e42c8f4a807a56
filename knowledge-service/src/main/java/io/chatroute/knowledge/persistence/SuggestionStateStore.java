package io.chatroute.knowledge.persistence;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.chatroute.knowledge.domain.SuggestionMemory;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The suggestions' state in PostgreSQL (tables of V3): answered messages with their kb.suggested, each chat's
 * latest visitor messages and suggested articles, the unanswered questions, and suggestion.used. One read and one
 * transaction per batch of chat-events.
 */
@ApplicationScoped
public class SuggestionStateStore {

    private final Pool pool;

    public SuggestionStateStore(Pool pool) {
        this.pool = pool;
    }

    /** What a batch needs to know before it answers. */
    public record Loaded(Map<String, String> answers, Map<String, List<SuggestionMemory.Message>> contexts,
                         Map<String, Map<String, SuggestionMemory.Previous>> suggested) {
        public boolean answered(String sourceEventId) {
            return answers.containsKey(sourceEventId);
        }
    }

    /** An answered message: its kb.suggested data, or null when nothing was published. */
    public record Answer(String sourceEventId, String chatId, String data) {
    }

    /** A new unanswered occurrence. */
    public record Unanswered(String language, String question, String example, Double bestScore, Instant seenAt) {
    }

    /** A suggestion.used event and the visitor question it answered (null when the chat's messages are not known). */
    public record Use(String eventId, String chatId, String articleId, String agentId, String question, Instant usedAt) {
    }

    /** Everything a batch changes, written in one transaction. */
    public record Changes(List<Answer> answers, Map<String, List<SuggestionMemory.Message>> contexts,
                          Map<String, Long> contextSentAtMillis,
                          Map<String, Map<String, SuggestionMemory.Previous>> suggested, Map<String, Long> suggestedForSeq,
                          List<Unanswered> unanswered, List<Use> uses, Set<String> closedChats) {
    }

    /** The three reads of a batch, on three pooled connections at once (one round trip of latency, not three). */
    public Uni<Loaded> load(Collection<String> sourceEventIds, Collection<String> chatIds) {
        String[] ids = sourceEventIds.toArray(String[]::new);
        String[] chats = chatIds.toArray(String[]::new);
        Uni<Map<String, String>> answers = ids.length == 0 ? Uni.createFrom().item(Map.of())
                : pool.preparedQuery("select source_event_id, data from suggestion_answer where source_event_id = any($1)")
                .execute(Tuple.of(ids)).map(rows -> {
                    Map<String, String> m = new HashMap<>();
                    for (Row r : rows) {
                        m.put(r.getString(0), r.getString(1));
                    }
                    return m;
                });
        Uni<Map<String, List<SuggestionMemory.Message>>> contexts = pool
                .preparedQuery("select chat_id, seq, text from chat_context where chat_id = any($1) order by chat_id, seq")
                .execute(Tuple.of(chats)).map(rows -> {
                    Map<String, List<SuggestionMemory.Message>> m = new HashMap<>();
                    for (Row r : rows) {
                        m.computeIfAbsent(r.getString(0), k -> new ArrayList<>())
                                .add(new SuggestionMemory.Message(r.getLong(1), r.getString(2)));
                    }
                    return m;
                });
        Uni<Map<String, Map<String, SuggestionMemory.Previous>>> suggested = pool
                .preparedQuery("select chat_id, article_id, rank, score from chat_suggested where chat_id = any($1)")
                .execute(Tuple.of(chats)).map(rows -> {
                    Map<String, Map<String, SuggestionMemory.Previous>> m = new HashMap<>();
                    for (Row r : rows) {
                        m.computeIfAbsent(r.getString(0), k -> new HashMap<>())
                                .put(r.getString(1), new SuggestionMemory.Previous(r.getInteger(2), r.getDouble(3)));
                    }
                    return m;
                });
        return Uni.combine().all().unis(answers, contexts, suggested).asTuple()
                .map(t -> new Loaded(t.getItem1(), t.getItem2(), t.getItem3()));
    }

    /** Writes a batch's changes in one transaction; returns the articles that learned a question (to re-index). */
    public Uni<Set<String>> save(Changes ch) {
        return pool.withTransaction(c -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            if (!ch.answers().isEmpty()) {
                List<Tuple> rows = ch.answers().stream()
                        .map(a -> Tuple.of(a.sourceEventId(), a.chatId(), a.data(), now())).toList();
                chain = chain.chain(() -> c.preparedQuery("insert into suggestion_answer (source_event_id, chat_id, data, created_at) "
                        + "values ($1, $2, $3, $4) on conflict do nothing").executeBatch(rows).replaceWithVoid());
            }
            // every chat's kept messages in one batch, and everything older deleted in one statement
            List<Tuple> contextRows = new ArrayList<>();
            List<String> trimChats = new ArrayList<>();
            List<Long> trimBefore = new ArrayList<>();
            for (Map.Entry<String, List<SuggestionMemory.Message>> e : ch.contexts().entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                String chat = e.getKey();
                OffsetDateTime sentAt = at(ch.contextSentAtMillis().getOrDefault(chat, System.currentTimeMillis()));
                e.getValue().forEach(m -> contextRows.add(Tuple.of(chat, m.seq(), m.text(), sentAt)));
                trimChats.add(chat);
                trimBefore.add(e.getValue().get(0).seq());
            }
            if (!contextRows.isEmpty()) {
                chain = chain.chain(() -> c.preparedQuery("insert into chat_context (chat_id, seq, text, sent_at) values ($1, $2, $3, $4) "
                                + "on conflict do nothing").executeBatch(contextRows))
                        .chain(() -> c.preparedQuery("delete from chat_context c using unnest($1::varchar[], $2::bigint[]) as k(chat_id, oldest) "
                                + "where c.chat_id = k.chat_id and c.seq < k.oldest")
                                .execute(Tuple.of(trimChats.toArray(String[]::new), trimBefore.toArray(Long[]::new))))
                        .replaceWithVoid();
            }
            List<Tuple> suggestedRows = new ArrayList<>();
            ch.suggested().forEach((chat, articles) -> articles.forEach((article, p) -> suggestedRows.add(
                    Tuple.of(chat, article, p.rank(), p.score(), ch.suggestedForSeq().getOrDefault(chat, 1L), now()))));
            if (!suggestedRows.isEmpty()) {
                chain = chain.chain(() -> c.preparedQuery("insert into chat_suggested (chat_id, article_id, rank, score, for_seq, suggested_at) "
                        + "values ($1, $2, $3, $4, $5, $6) on conflict (chat_id, article_id) do update set rank = excluded.rank, "
                        + "score = excluded.score, for_seq = excluded.for_seq, suggested_at = excluded.suggested_at")
                        .executeBatch(suggestedRows).replaceWithVoid());
            }
            if (!ch.unanswered().isEmpty()) {
                // one row per occurrence, in order (a question twice in a batch counts twice)
                List<Tuple> rows = ch.unanswered().stream().map(u -> Tuple.of(u.language(), u.question(), u.example(), u.bestScore(),
                        at(u.seenAt().toEpochMilli()))).toList();
                chain = chain.chain(() -> c.preparedQuery("insert into unanswered_question (language, question, example, count, best_score, "
                                + "first_seen, last_seen) values ($1, $2, $3, 1, $4, $5, $5) on conflict (language, question) do update set "
                                + "count = unanswered_question.count + 1, example = excluded.example, best_score = excluded.best_score, "
                                + "last_seen = greatest(unanswered_question.last_seen, excluded.last_seen)")
                        .executeBatch(rows).replaceWithVoid());
            }
            Set<String> learned = new LinkedHashSet<>();
            for (Use u : ch.uses()) {
                chain = chain.chain(() -> learn(c, u, learned));
            }
            if (!ch.closedChats().isEmpty()) {
                String[] closed = ch.closedChats().toArray(String[]::new);
                chain = chain.chain(() -> c.preparedQuery("delete from chat_context where chat_id = any($1)").execute(Tuple.of(closed)))
                        .chain(() -> c.preparedQuery("delete from chat_suggested where chat_id = any($1)").execute(Tuple.of(closed)))
                        .replaceWithVoid();
            }
            return chain.replaceWith(learned);
        });
    }

    /**
     * Records a suggestion.used once (by event id); the first time, the article learns the question: it goes first in
     * the article's learned list (without duplicates, at most 50) and learned_at moves, so the index takes it.
     */
    private static Uni<Void> learn(SqlConnection c, Use u, Set<String> learned) {
        return c.preparedQuery("insert into suggestion_use (event_id, chat_id, article_id, agent_id, question, used_at, recorded_at) "
                        + "values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing returning event_id")
                .execute(Tuple.from(List.of(u.eventId(), u.chatId(), u.articleId(), u.agentId() == null ? "" : u.agentId(),
                        u.question() == null ? "" : u.question(), at(u.usedAt().toEpochMilli()), now())))
                .flatMap(rows -> {
                    if (rows.size() == 0 || u.question() == null || u.question().isBlank()) {
                        return Uni.createFrom().voidItem();
                    }
                    return c.preparedQuery("update article set learned = (jsonb_build_array($2::text) || coalesce((select jsonb_agg(x order by n) "
                                    + "from (select x, n from jsonb_array_elements_text(learned::jsonb) with ordinality t(x, n) "
                                    + "where x <> $2 order by n limit 49) s), '[]'::jsonb))::text, learned_at = $3 where id = $1 returning id")
                            .execute(Tuple.of(u.articleId(), u.question(), now()))
                            .invoke(r -> {
                                if (r.size() > 0) {
                                    learned.add(u.articleId());
                                }
                            }).replaceWithVoid();
                });
    }

    /** Deletes state older than {@code before} (answered messages, contexts and suggestions of idle chats). */
    public Uni<Void> prune(Instant before) {
        OffsetDateTime t = at(before.toEpochMilli());
        return pool.withTransaction(c -> c.preparedQuery("delete from suggestion_answer where created_at < $1").execute(Tuple.of(t))
                .chain(() -> c.preparedQuery("delete from chat_context where sent_at < $1").execute(Tuple.of(t)))
                .chain(() -> c.preparedQuery("delete from chat_suggested where suggested_at < $1").execute(Tuple.of(t)))
                .replaceWithVoid());
    }

    /** The unanswered questions, most frequent first (then the latest), optionally of one language. */
    public Uni<List<Row>> unanswered(String language, int limit) {
        String sql = "select language, question, example, count, best_score, first_seen, last_seen from unanswered_question "
                + (language == null ? "" : "where language = $2 ") + "order by count desc, last_seen desc, question limit $1";
        Tuple args = language == null ? Tuple.of(limit) : Tuple.of(limit, language);
        return pool.preparedQuery(sql).execute(args).map(rows -> {
            List<Row> list = new ArrayList<>();
            rows.forEach(list::add);
            return list;
        });
    }

    private static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static OffsetDateTime at(long millis) {
        return Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
    }
}
