package io.chatroute.knowledge.persistence;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.chatroute.knowledge.domain.Article;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Builds the search index from PostgreSQL at start-up and reconciles it with the database periodically
 * (which also picks up writes made through other instances of the service).
 */
@ApplicationScoped
public class IndexMaintenance {

    private static final Logger LOG = Logger.getLogger(IndexMaintenance.class);

    private final ArticleStore store;
    private final LuceneSearchEngine engine;
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    public IndexMaintenance(ArticleStore store, LuceneSearchEngine engine) {
        this.store = store;
        this.engine = engine;
    }

    void onStart(@Observes StartupEvent event) throws Throwable {
        List<Article> articles = VertxContextSupport.subscribeAndAwait(store::all);
        engine.rebuild(articles);
        ready.complete(null);
        LOG.infof("search index built with %d articles", articles.size());
    }

    public boolean isReady() {
        return ready.isDone();
    }

    /** Blocks (worker threads only) until the start-up build is done, at most {@code seconds}. */
    public void awaitReady(long seconds) {
        try {
            ready.get(seconds, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("search index not ready", e);
        }
    }

    @Scheduled(every = "${chatroute.knowledge.index.reconcile-every:30s}", delayed = "${chatroute.knowledge.index.reconcile-every:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> reconcile() {
        if (!isReady()) {
            return Uni.createFrom().voidItem();
        }
        return store.reconcile()
                .invoke(n -> {
                    if (n > 0) {
                        LOG.infof("search index reconciled: %d articles updated", n);
                    }
                })
                .onFailure().invoke(t -> LOG.warnf("search index reconciliation failed: %s", t.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }
}
