package io.chatroute.knowledge.messaging;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.Backoff;
import io.chatroute.knowledge.domain.FailureStreak;
import io.chatroute.knowledge.domain.PoisonEventException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Runs a consumer's work on one record until it succeeds. A poison failure ({@link PoisonEventException})
 * ends it at once (the caller dead-letters the record); every other failure is transient: it is counted
 * ({@code chatroute_consumer_retries_total}), logged rate-limited, and the work is run again after an
 * exponential back-off, forever. The record is not acknowledged meanwhile, so the partition's later records
 * wait (order is kept) and the offset is not committed.
 *
 * <p>The retries are a flat loop on Vert.x timers (no growing chain of operators however long the outage),
 * each attempt on the Vert.x context of the first one.
 */
@ApplicationScoped
public class ConsumerRetry {

    static final String SERVICE = "knowledge-service";

    private static final Logger LOG = Logger.getLogger(ConsumerRetry.class);

    private final Vertx vertx;
    private final MeterRegistry registry;
    private final Backoff backoff;
    private final Duration logEvery;
    private final Clock clock = Clock.systemUTC();
    private final Set<FailureStreak> failing = ConcurrentHashMap.newKeySet();

    public ConsumerRetry(Vertx vertx, MeterRegistry registry, KnowledgeConfig config) {
        this.vertx = vertx;
        this.registry = registry;
        this.backoff = new Backoff(config.consumer().initialBackoff(), config.consumer().maxBackoff());
        this.logEvery = config.consumer().logEvery();
    }

    /**
     * The item of {@code work} once an attempt succeeds, or the poison failure. Never fails with a transient
     * failure.
     *
     * @param channel the channel, a metric tag
     * @param what names the record in log lines (ids only, never payloads)
     */
    public <T> Uni<T> untilDone(String channel, String what, Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(em -> new Attempts<>(channel, what, work, em, vertx.getOrCreateContext()).run());
    }

    /** The oldest run of failures still going on, if any. */
    public Optional<FailureStreak> oldestFailure() {
        return failing.stream().min((a, b) -> a.startedAt().compareTo(b.startedAt()));
    }

    /** Records being retried right now. */
    public int failingRecords() {
        return failing.size();
    }

    Instant now() {
        return clock.instant();
    }

    Counter retries(String channel) {
        return registry.counter("chatroute.consumer.retries", "service", SERVICE, "channel", channel);
    }

    private final class Attempts<T> {
        private final String channel;
        private final String what;
        private final Supplier<Uni<T>> work;
        private final UniEmitter<? super T> emitter;
        private final Context context;
        private volatile boolean cancelled;
        private FailureStreak streak;

        Attempts(String channel, String what, Supplier<Uni<T>> work, UniEmitter<? super T> emitter, Context context) {
            this.channel = channel;
            this.what = what;
            this.work = work;
            this.emitter = emitter;
            this.context = context;
            emitter.onTermination(() -> {
                cancelled = true;
                end();
            });
        }

        void run() {
            if (cancelled) {
                return;
            }
            Uni<T> attempt;
            try {
                attempt = work.get();
            } catch (Throwable t) {
                failed(t);
                return;
            }
            attempt.subscribe().with(this::succeeded, this::failed);
        }

        private void succeeded(T item) {
            if (streak != null) {
                LOG.infof("%s: %s applied after %d failed attempts over %d s", channel, what, streak.failures(),
                        streak.age(now()).toSeconds());
            }
            end();
            emitter.complete(item);
        }

        private void failed(Throwable failure) {
            if (PoisonEventException.isPoison(failure)) {
                end();
                emitter.fail(failure);
                return;
            }
            if (cancelled) {
                return;
            }
            Instant now = now();
            if (streak == null) {
                streak = new FailureStreak(now, logEvery);
                failing.add(streak);
            }
            String error = describe(failure);
            boolean log = streak.failed(now, error);
            retries(channel).increment();
            Duration wait = backoff.delay(streak.failures());
            if (log) {
                LOG.warnf("%s: %s failed (%d attempts over %d s, next in %d ms; the partition's later events wait,"
                                + " next log line in %d s at most): %s", channel, what, streak.failures(),
                        streak.age(now).toSeconds(), wait.toMillis(), logEvery.toSeconds(), error);
            }
            vertx.setTimer(wait.toMillis(), id -> context.runOnContext(v -> run()));
        }

        private void end() {
            if (streak != null) {
                failing.remove(streak);
            }
        }
    }

    /** The root cause in one line, without control characters (no stack trace, no forged log lines). */
    static String describe(Throwable err) {
        Throwable root = err;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String text = root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
        return safe(text.length() > 500 ? text.substring(0, 500) + "…" : text);
    }

    /** Record fields come from outside: no control characters in the log (no forged log lines). */
    static String safe(String s) {
        return s == null ? null : s.codePoints().map(cp -> Character.isISOControl(cp) ? '?' : cp)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
