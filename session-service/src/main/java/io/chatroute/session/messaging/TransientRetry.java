package io.chatroute.session.messaging;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.chatroute.session.domain.Backoff;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The consumers' failure semantics: a transient failure (Redis or Kafka busy or down, anything but a poison
 * record) is retried with exponential back-off until it succeeds, holding back the partition and so the chat's
 * later events. It is never skipped, ignored or dead-lettered. Retries are counted
 * ({@code chatroute_consumer_retries_total}); a channel failing for longer than the threshold makes the service
 * not ready until it recovers.
 */
@ApplicationScoped
public class TransientRetry {

    private static final Logger LOG = Logger.getLogger(TransientRetry.class);
    private static final Backoff BACKOFF = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(5));
    private static final Duration NOT_READY_AFTER = Duration.ofSeconds(30);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    private final MeterRegistry meters;
    /**
     * The retry loops failing now (one per record, or per follow-up, being retried) with their channel and first
     * failure. Keyed by the loop, not by the channel: with several keys retried at once on one channel, one key's
     * success used to clear the channel's mark while another still failed, and a loop ended by a poison record after
     * transient failures left the mark for good.
     */
    private final Map<Object, Failing> failing = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public TransientRetry(MeterRegistry meters) {
        this.meters = meters;
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
    }

    /**
     * Runs the action until it succeeds. A {@link PoisonEventException} is passed on at once; on shutdown the last
     * failure is rethrown so that the record is not committed (it is consumed again after the restart).
     */
    public void run(String channel, String what, Runnable action) {
        Object loop = new Object();
        try {
            runLoop(loop, channel, what, action);
        } finally {
            failing.remove(loop);
        }
    }

    private void runLoop(Object loop, String channel, String what, Runnable action) {
        Instant first = null;
        Instant lastLog = null;
        for (int attempt = 1; ; attempt++) {
            try {
                action.run();
                if (first != null) {
                    LOG.infof("%s: %s applied after %d attempts (%d ms)", channel, what, attempt,
                            Duration.between(first, Instant.now()).toMillis());
                }
                return;
            } catch (PoisonEventException e) {
                throw e;
            } catch (RuntimeException e) {
                Instant now = Instant.now();
                if (first == null) {
                    first = now;
                    failing.put(loop, new Failing(channel, now));
                }
                meters.counter("chatroute_consumer_retries_total", "service", "session-service", "channel", channel).increment();
                if (lastLog == null || Duration.between(lastLog, now).compareTo(LOG_EVERY) >= 0) {
                    lastLog = now;
                    LOG.warnf("%s: %s failed (attempt %d), retrying with back-off: %s", channel, what, attempt, e.toString());
                }
                if (stopping) {
                    throw e;
                }
                try {
                    Thread.sleep(BACKOFF.delay(attempt).toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private record Failing(String channel, Instant since) {
    }

    /**
     * Since when each failing channel has been failing: the first failure of its oldest retry loop still running (a
     * method: the health check holds a client proxy).
     */
    Map<String, Instant> failingSince() {
        Map<String, Instant> out = new java.util.TreeMap<>();
        for (Failing f : failing.values()) {
            out.merge(f.channel(), f.since(), (a, b) -> a.isBefore(b) ? a : b);
        }
        return out;
    }

    /** Readiness: DOWN while a channel has been failing for longer than the threshold. */
    @Readiness
    @ApplicationScoped
    static class Check implements HealthCheck {
        private final TransientRetry retry;

        Check(TransientRetry retry) {
            this.retry = retry;
        }

        @Override
        public HealthCheckResponse call() {
            HealthCheckResponseBuilder b = HealthCheckResponse.named("event consumers");
            Instant limit = Instant.now().minus(NOT_READY_AFTER);
            boolean up = true;
            for (Map.Entry<String, Instant> e : retry.failingSince().entrySet()) {
                b.withData(e.getKey() + ".failingSince", e.getValue().toString());
                up &= e.getValue().isAfter(limit);
            }
            return b.status(up).build();
        }
    }
}
