package io.chatroute.knowledge.domain;

import java.time.Duration;

/**
 * Exponential back-off between the attempts of a transient failure: {@code initial} after the first failure,
 * doubling after each further one, never more than {@code max}. There is no last attempt: the caller retries
 * until the failure ends.
 */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial == null || max == null || initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < initial <= max, got " + initial + " and " + max);
        }
    }

    /** The wait after the {@code failures}-th failure in a row (1 for the first). */
    public Duration delay(long failures) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures counts from 1");
        }
        long shift = Math.min(failures - 1, 30);
        long initialMs = initial.toMillis();
        long maxMs = max.toMillis();
        long ms = initialMs > (maxMs >> shift) ? maxMs : initialMs << shift;
        return Duration.ofMillis(Math.max(1, Math.min(ms, maxMs)));
    }
}
