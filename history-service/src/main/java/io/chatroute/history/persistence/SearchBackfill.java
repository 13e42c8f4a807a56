package io.chatroute.history.persistence;

import java.util.ArrayList;
import java.util.List;

import org.jboss.logging.Logger;

import io.chatroute.history.domain.SearchText;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Fills {@code message.search} of the messages stored before schema version 3 (the consumer fills it for every new
 * message), {@value #BATCH} at a time in id order, in the background after start. Idempotent: it only looks at rows
 * whose vector is still null, so a restart carries on where it stopped.
 */
@ApplicationScoped
public class SearchBackfill {

    static final int BATCH = 500;
    static final String NEXT = "SELECT id, text FROM message WHERE id > $1 AND search IS NULL ORDER BY id LIMIT $2";
    static final String FILL = """
            UPDATE message m SET search = to_tsvector('english', t.en) || to_tsvector('russian', t.ru)
                                          || to_tsvector('simple', t.sm)
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS t(id, en, ru, sm)
            WHERE m.id = t.id AND m.search IS NULL""";

    private static final Logger LOG = Logger.getLogger(SearchBackfill.class);

    private final Pool pool;

    public SearchBackfill(Pool pool) {
        this.pool = pool;
    }

    void start(@Observes StartupEvent event) {
        run(0, 0).subscribe().with(
                n -> {
                    if (n > 0) {
                        LOG.infof("full-text search: %d messages stored before version 3 indexed", n);
                    }
                },
                failure -> LOG.warnf("full-text backfill stopped (it resumes at the next start): %s", failure.toString()));
    }

    /** Indexes the rows after {@code afterId}; returns how many in all. */
    Uni<Long> run(long afterId, long done) {
        return pool.withConnection(conn -> conn.preparedQuery(NEXT).execute(Tuple.of(afterId, BATCH))).chain(rows -> {
            List<Long> ids = new ArrayList<>();
            List<String> en = new ArrayList<>(), ru = new ArrayList<>(), sm = new ArrayList<>();
            for (Row r : rows) {
                SearchText.Parts p = SearchText.index(r.getString(1));
                ids.add(r.getLong(0));
                en.add(p.english());
                ru.add(p.russian());
                sm.add(p.simple());
            }
            if (ids.isEmpty()) {
                return Uni.createFrom().item(done);
            }
            Tuple fill = Tuple.of(ids.toArray(Long[]::new), en.toArray(String[]::new), ru.toArray(String[]::new),
                    sm.toArray(String[]::new));
            return pool.withConnection(conn -> conn.preparedQuery(FILL).execute(fill))
                    .chain(() -> ids.size() < BATCH ? Uni.createFrom().item(done + ids.size())
                            : run(ids.get(ids.size() - 1), done + ids.size()));
        });
    }
}
