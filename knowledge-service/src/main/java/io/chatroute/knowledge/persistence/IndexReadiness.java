package io.chatroute.knowledge.persistence;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import jakarta.enterprise.context.ApplicationScoped;

/** Ready once the search index was built from the database. */
@Readiness
@ApplicationScoped
public class IndexReadiness implements HealthCheck {

    private final IndexMaintenance maintenance;
    private final LuceneSearchEngine engine;

    public IndexReadiness(IndexMaintenance maintenance, LuceneSearchEngine engine) {
        this.maintenance = maintenance;
        this.engine = engine;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("search-index").status(maintenance.isReady()).withData("articles", engine.size()).build();
    }
}
