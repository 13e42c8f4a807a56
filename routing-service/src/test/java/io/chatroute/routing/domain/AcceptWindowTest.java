package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AcceptWindowTest {
    static final long EXPIRES = 1_000_000;

    @Test
    void judgedByWhenTheAgentPressedAcceptNotByProcessingTime() {
        // pressed a second before the deadline, processed ten seconds after it (Kafka lag): in time
        assertThat(AcceptWindow.inTime(EXPIRES - 1_000, EXPIRES + 10_000, EXPIRES, 2_000)).isTrue();
        // pressed after the deadline plus the allowance: too late, however fast it is processed
        assertThat(AcceptWindow.inTime(EXPIRES + 2_001, EXPIRES + 2_001, EXPIRES, 2_000)).isFalse();
        // within the clock-skew allowance
        assertThat(AcceptWindow.inTime(EXPIRES + 1_500, EXPIRES + 1_600, EXPIRES, 2_000)).isTrue();
    }

    @Test
    void aTimestampInTheFutureCountsAsNow() {
        assertThat(AcceptWindow.effective(EXPIRES + 60_000, EXPIRES - 5)).isEqualTo(EXPIRES - 5);
        assertThat(AcceptWindow.inTime(EXPIRES - 60_000, EXPIRES + 60_000, EXPIRES, 2_000)).isTrue();
        // a desk clock far ahead cannot stretch the deadline: processed late, it counts as processed now
        assertThat(AcceptWindow.inTime(EXPIRES + 600_000, EXPIRES + 5_000, EXPIRES, 2_000)).isFalse();
        assertThat(AcceptWindow.effective(0, 42)).isEqualTo(42); // unknown: now
    }
}
