package io.chatroute.history.persistence;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jboss.logging.Logger;

import io.chatroute.history.config.RetentionConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Runs the retention purge ({@link RetentionStore#purge}) every {@code chatroute.retention.purge-every}, the first
 * time {@code first-run-after} after start, when {@code chatroute.retention.enabled}; and on request (admin).
 * Runs never overlap in one process; across instances the purge lock makes the others skip.
 */
@ApplicationScoped
public class RetentionJob {

    private static final Logger LOG = Logger.getLogger(RetentionJob.class);

    private final RetentionStore store;
    private final RetentionConfig config;
    private final Vertx vertx;
    private final Clock clock = Clock.systemUTC();
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile long timer = -1;

    public RetentionJob(RetentionStore store, RetentionConfig config, Vertx vertx) {
        this.store = store;
        this.config = config;
        this.vertx = vertx;
    }

    void start(@Observes StartupEvent event) {
        if (config.days() < 1) {
            throw new IllegalStateException("chatroute.retention.days must be at least 1, is " + config.days());
        }
        if (config.enabled()) {
            schedule(config.firstRunAfter());
        }
    }

    void stop(@Observes ShutdownEvent event) {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private void schedule(Duration after) {
        timer = vertx.setTimer(Math.max(1, after.toMillis()), id -> runNow().subscribe().with(
                purged -> schedule(config.purgeEvery()),
                failure -> {
                    LOG.warnf("retention purge failed (next attempt in %s): %s", config.purgeEvery(), failure.toString());
                    schedule(config.purgeEvery());
                }));
    }

    /** The cutoff now: chats closed before it are purged. */
    public Instant cutoff() {
        return clock.instant().minus(Duration.ofDays(config.days()));
    }

    /** Purges now; a purge already running in this process answers {@code skipped}. */
    public Uni<RetentionStore.Purged> runNow() {
        Instant cutoff = cutoff();
        if (!running.compareAndSet(false, true)) {
            return Uni.createFrom().item(new RetentionStore.Purged(cutoff, 0, 0, 0, true));
        }
        long t0 = System.nanoTime();
        return store.purge(cutoff, config.chunk())
                .invoke(p -> {
                    if (p.chats() > 0 || p.processedEvents() > 0) {
                        LOG.infof("retention purge (%d days, cutoff %s): %d chats, %d messages, %d event ids in %d ms",
                                config.days(), cutoff, p.chats(), p.messages(), p.processedEvents(),
                                (System.nanoTime() - t0) / 1_000_000);
                    }
                })
                .eventually(() -> running.set(false));
    }
}
