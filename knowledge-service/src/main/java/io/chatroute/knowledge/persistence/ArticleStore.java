package io.chatroute.knowledge.persistence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.LockModeType;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Articles in PostgreSQL (the truth) and in the search index (derived). The index is updated after the
 * database transaction commits, on a worker thread; a failed index update is repaired by the periodic
 * reconciliation ({@link IndexMaintenance}).
 */
@ApplicationScoped
public class ArticleStore {

    private static final Logger LOG = Logger.getLogger(ArticleStore.class);

    private final ArticleRepository repository;
    private final LuceneSearchEngine engine;

    public ArticleStore(ArticleRepository repository, LuceneSearchEngine engine) {
        this.repository = repository;
        this.engine = engine;
    }

    public Uni<PutResult<Article>> put(String id, String title, String body, Language language, List<String> tags,
                                       boolean publicArticle) {
        return put(id, title, body, language, tags, publicArticle, List.of(), List.of());
    }

    public Uni<PutResult<Article>> put(String id, String title, String body, Language language, List<String> tags,
                                       boolean publicArticle, List<String> questions, List<String> synonyms) {
        // PostgreSQL keeps microseconds: truncate so the in-memory version equals the stored one
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        // two PUTs creating the same new id at once: the one whose insert the primary key refused is run again, and
        // finds the row, so it replaces it (200) as if it had come second, instead of answering 409
        // the row is locked (FOR UPDATE) while it is replaced: two PUTs of one article then run one after the other,
        // each version later than the one it read, so the last committed is the newest and the index (which keeps the
        // newest version it was given) ends equal to the database; without it both read the same row, and the one
        // committed last could carry the older version while the index kept the newer (found 2026-12-06 by
        // IndexReconciliationTest after the concurrent-PUT test)
        Uni<PutResult<Article>> write = Uni.createFrom().deferred(() -> Panache.withTransaction(() -> repository
                .findById(id, LockModeType.PESSIMISTIC_WRITE).flatMap(existing -> {
            boolean created = existing == null;
            ArticleEntity e = created ? new ArticleEntity() : existing;
            if (created) {
                e.id = id;
                e.createdAt = now;
            }
            e.title = title;
            e.body = body;
            e.language = language.code();
            e.tags = List.copyOf(tags);
            e.publicArticle = publicArticle;
            e.questions = List.copyOf(questions);
            e.synonyms = List.copyOf(synonyms);
            e.updatedAt = now.isAfter(e.updatedAt == null ? Instant.EPOCH : e.updatedAt) ? now : e.updatedAt.plus(1, ChronoUnit.MICROS);
            Uni<ArticleEntity> saved = created ? repository.persist(e) : Uni.createFrom().item(e);
            return saved.map(s -> new PutResult<>(toDomain(s), created));
        }))).onFailure(UniqueViolation::in).retry().atMost(1);
        return write.call(r -> onWorker(() -> engine.index(r.value())));
    }

    public Uni<Optional<Article>> get(String id) {
        return Panache.withSession(() -> repository.findById(id)).map(e -> Optional.ofNullable(e).map(ArticleStore::toDomain));
    }

    public Uni<List<Article>> list(Optional<Language> language) {
        Uni<List<ArticleEntity>> rows = language
                .map(l -> Panache.withSession(() -> repository.list("language = ?1 order by id", l.code())))
                .orElseGet(() -> Panache.withSession(() -> repository.list("order by id")));
        return rows.map(list -> list.stream().map(ArticleStore::toDomain).toList());
    }

    public Uni<Boolean> delete(String id) {
        return Panache.withTransaction(() -> repository.deleteById(id))
                .call(deleted -> deleted ? onWorker(() -> engine.remove(id)) : Uni.createFrom().voidItem());
    }

    /** Loads every article (start-up rebuild). */
    public Uni<List<Article>> all() {
        return Panache.withSession(() -> repository.listAll()).map(list -> list.stream().map(ArticleStore::toDomain).toList());
    }

    /**
     * Brings the index in line with the database: re-indexes articles whose version differs and removes
     * articles that are gone. Returns the number of changes.
     */
    public Uni<Integer> reconcile() {
        return Panache.withSession(() -> repository.getSession().flatMap(s -> s
                        .createSelectionQuery("select a.id, a.updatedAt, a.learnedAt from ArticleEntity a", Object[].class).getResultList()))
                .flatMap(rows -> {
                    Map<String, Instant> indexed = engine.indexedVersions();
                    Set<String> stale = new HashSet<>();
                    Set<String> present = new HashSet<>();
                    for (Object[] row : rows) {
                        String id = (String) row[0];
                        present.add(id);
                        Instant version = (Instant) row[1];
                        if (row[2] != null && ((Instant) row[2]).isAfter(version)) {
                            version = (Instant) row[2];
                        }
                        if (!version.equals(indexed.get(id))) {
                            stale.add(id);
                        }
                    }
                    Set<String> gone = new HashSet<>(indexed.keySet());
                    gone.removeAll(present);
                    if (stale.isEmpty() && gone.isEmpty()) {
                        return Uni.createFrom().item(0);
                    }
                    Uni<List<ArticleEntity>> changed = stale.isEmpty() ? Uni.createFrom().item(List.of())
                            : Panache.withSession(() -> repository.list("id in ?1", stale));
                    return changed.flatMap(list -> onWorker(() -> {
                        list.forEach(e -> engine.index(toDomain(e)));
                        gone.forEach(engine::remove);
                    }).replaceWith(list.size() + gone.size()));
                });
    }

    private static Uni<Void> onWorker(Runnable task) {
        return Uni.createFrom().<Void>item(() -> {
                    task.run();
                    return null;
                }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .onFailure().invoke(t -> LOG.errorf(t, "search index update failed; the next reconciliation repairs it"))
                .onFailure().recoverWithNull();
    }

    static Article toDomain(ArticleEntity e) {
        Language language = Language.fromCode(e.language).orElse(Language.EN);
        return new Article(e.id, e.title, e.body, language, e.tags, e.publicArticle, e.createdAt, e.updatedAt, e.questions,
                e.synonyms, e.learned, e.learnedAt);
    }
}
