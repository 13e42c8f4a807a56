package io.chatroute.routing.messaging;

import org.jboss.logging.Logger;

import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * At start: the partition count must be the one the Redis state was written with (a different one would not find it:
 * the start fails), and the routing targets the configuration implies are built. Redis being away at start is not
 * fatal: the targets are then built by the first save or chat that needs them.
 */
@ApplicationScoped
public class Startup {
    private static final Logger LOG = Logger.getLogger(Startup.class);

    void onStart(@Observes StartupEvent event, RoutingStore store, CandidateIndex index) {
        try {
            store.checkPartitions();
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warnf("could not check the partition count at start (Redis away?): %s", e.toString());
            return;
        }
        try {
            index.ensureConfigured();
        } catch (RuntimeException e) {
            LOG.warnf("could not build the routing targets at start: %s", e.toString());
        }
    }
}
