package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void doublesFromTheInitialDelayUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThat(b.delay(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(b.delay(2)).isEqualTo(Duration.ofMillis(200));
        assertThat(b.delay(3)).isEqualTo(Duration.ofMillis(400));
        assertThat(b.delay(6)).isEqualTo(Duration.ofMillis(3200));
        assertThat(b.delay(7)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.delay(8)).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void staysAtTheCapForeverWithoutOverflowing() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThat(b.delay(64)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.delay(1_000_000)).isEqualTo(Duration.ofSeconds(5));
        assertThat(b.delay(Long.MAX_VALUE)).isEqualTo(Duration.ofSeconds(5));
        Backoff big = new Backoff(Duration.ofDays(1), Duration.ofDays(2));
        assertThat(big.delay(40)).isEqualTo(Duration.ofDays(2));
    }

    @Test
    void rejectsNonsense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));
        assertThatThrownBy(() -> b.delay(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
