package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WaitingScoreTest {
    static final long T = 1_780_000_000_000L;

    @Test
    void higherPriorityFirstThenOldestFirst() {
        assertThat(WaitingScore.of(5, T + 60_000, false)).isLessThan(WaitingScore.of(1, T, false)); // priority beats age
        assertThat(WaitingScore.of(1, T, false)).isLessThan(WaitingScore.of(1, T + 1, false));     // then the oldest
        assertThat(WaitingScore.of(1, T, false)).isEqualTo(WaitingScore.of(1, T, false));          // a tie: Redis orders by chat id
    }

    @Test
    void theFrontBandComesBeforeEveryPriority() {
        assertThat(WaitingScore.of(0, T + 3_600_000, true)).isLessThan(WaitingScore.of(WaitingScore.MAX_PRIORITY, T - 3_600_000, false));
        assertThat(WaitingScore.of(0, T, true)).isLessThan(WaitingScore.of(0, T + 1, true)); // oldest first among re-queued chats
    }

    @Test
    void exactAsADoubleAndClamped() {
        long max = WaitingScore.of(-5, Long.MAX_VALUE, false);
        assertThat(max).isLessThan(1L << 53);
        assertThat((long) (double) max).isEqualTo(max);
        long s = WaitingScore.of(3, T + 1, false);
        assertThat((long) (double) s).isEqualTo(s);
        assertThat((double) s).isNotEqualTo((double) WaitingScore.of(3, T, false)); // one ms apart stays apart
        assertThat(WaitingScore.of(200, T, false)).isEqualTo(WaitingScore.of(WaitingScore.MAX_PRIORITY, T, false));
    }
}
