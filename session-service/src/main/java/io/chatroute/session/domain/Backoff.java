package io.chatroute.session.domain;

import java.time.Duration;

/** Exponential back-off for transient failures: initial, doubling, capped; attempt 1 is the first retry. */
public record Backoff(Duration initial, Duration max) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("back-off needs 0 < initial <= max");
        }
    }

    public Duration delay(int attempt) {
        if (attempt <= 1) {
            return initial;
        }
        int shift = Math.min(attempt - 1, 30);
        long millis = initial.toMillis() << shift;
        return millis <= 0 || millis > max.toMillis() ? max : Duration.ofMillis(millis);
    }
}
