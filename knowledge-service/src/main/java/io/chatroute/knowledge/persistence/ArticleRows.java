package io.chatroute.knowledge.persistence;

import java.time.OffsetDateTime;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Articles read with plain SQL on the reactive pool, for the consumers (which run outside a Hibernate Reactive
 * session): re-indexes articles after they learned a question, and finds an article for the bot.
 */
@ApplicationScoped
public class ArticleRows {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<List<String>> LIST = new TypeReference<>() {
    };

    private final Pool pool;
    private final LuceneSearchEngine engine;

    public ArticleRows(Pool pool, LuceneSearchEngine engine) {
        this.pool = pool;
        this.engine = engine;
    }

    public Uni<List<Article>> byIds(java.util.Collection<String> ids) {
        return pool.preparedQuery("select id, title, body, language, tags, is_public, created_at, updated_at, questions, synonyms, "
                        + "learned, learned_at from article where id = any($1)")
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    java.util.List<Article> list = new java.util.ArrayList<>();
                    for (Row r : rows) {
                        list.add(article(r));
                    }
                    return list;
                });
    }

    /** Re-indexes these articles from the database (a failure is repaired by the periodic reconciliation). */
    public Uni<Void> reindex(java.util.Collection<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return byIds(ids).chain(list -> Uni.createFrom().item(() -> {
                    list.forEach(engine::index);
                    return list;
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    static Article article(Row r) {
        OffsetDateTime learnedAt = r.getOffsetDateTime("learned_at");
        return new Article(r.getString("id"), r.getString("title"), r.getString("body"),
                Language.fromCode(r.getString("language")).orElse(Language.EN), list(r.getString("tags")),
                r.getBoolean("is_public"), r.getOffsetDateTime("created_at").toInstant(),
                r.getOffsetDateTime("updated_at").toInstant(), list(r.getString("questions")), list(r.getString("synonyms")),
                list(r.getString("learned")), learnedAt == null ? null : learnedAt.toInstant());
    }

    private static List<String> list(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        try {
            return JSON.readValue(json, LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable list column", e);
        }
    }
}
