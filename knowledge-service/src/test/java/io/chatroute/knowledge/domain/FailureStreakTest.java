package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class FailureStreakTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    @Test
    void logsTheFirstFailureThenAtMostOncePerPeriod() {
        FailureStreak s = new FailureStreak(T0, Duration.ofSeconds(30));
        assertThat(s.failed(T0, "down")).isTrue();
        assertThat(s.failed(T0.plusSeconds(1), "down")).isFalse();
        assertThat(s.failed(T0.plusSeconds(29), "still down")).isFalse();
        assertThat(s.failed(T0.plusSeconds(30), "still down")).isTrue();
        assertThat(s.failed(T0.plusSeconds(45), "busy")).isFalse();
        assertThat(s.failed(T0.plusSeconds(61), "busy")).isTrue();
        assertThat(s.failures()).isEqualTo(6);
        assertThat(s.lastError()).isEqualTo("busy");
    }

    @Test
    void stalledOnceTheFailuresLastTheThreshold() {
        FailureStreak s = new FailureStreak(T0, Duration.ofSeconds(30));
        s.failed(T0, "down");
        assertThat(s.stalled(T0.plusSeconds(29), Duration.ofSeconds(30))).isFalse();
        assertThat(s.stalled(T0.plusSeconds(30), Duration.ofSeconds(30))).isTrue();
        assertThat(s.age(T0.plusSeconds(42))).isEqualTo(Duration.ofSeconds(42));
        assertThat(s.age(T0.minusSeconds(1))).isEqualTo(Duration.ZERO);
    }
}
