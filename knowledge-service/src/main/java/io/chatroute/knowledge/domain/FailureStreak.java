package io.chatroute.knowledge.domain;

import java.time.Duration;
import java.time.Instant;

/**
 * One record's run of transient failures, from the first failure until it finally succeeds: how many, since
 * when, the last error, and whether a failure is worth a log line (the first, then at most one per
 * {@code logEvery}, so that a long outage does not flood the log). Read by the readiness check while the
 * consumer retries, hence synchronized.
 */
public final class FailureStreak {

    private final Instant startedAt;
    private final Duration logEvery;
    private long failures;
    private Instant lastLoggedAt;
    private String lastError;

    public FailureStreak(Instant startedAt, Duration logEvery) {
        this.startedAt = startedAt;
        this.logEvery = logEvery;
    }

    /** Counts a failure; true when it should be logged. */
    public synchronized boolean failed(Instant now, String error) {
        failures++;
        lastError = error;
        if (lastLoggedAt == null || !now.isBefore(lastLoggedAt.plus(logEvery))) {
            lastLoggedAt = now;
            return true;
        }
        return false;
    }

    public synchronized long failures() {
        return failures;
    }

    public synchronized String lastError() {
        return lastError;
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** How long the record has been failing. */
    public Duration age(Instant now) {
        Duration age = Duration.between(startedAt, now);
        return age.isNegative() ? Duration.ZERO : age;
    }

    /** True once the failures have lasted {@code threshold} or longer. */
    public boolean stalled(Instant now, Duration threshold) {
        return age(now).compareTo(threshold) >= 0;
    }
}
