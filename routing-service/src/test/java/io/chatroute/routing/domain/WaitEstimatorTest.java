package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WaitEstimatorTest {
    static WaitEstimator.Inputs in(long free, long slots, long busy, long answers, long arrivals, double aht, long samples) {
        return new WaitEstimator.Inputs(free, slots, busy, answers, arrivals, 900, aht, samples, 300, 5, 3);
    }

    @Test
    void zeroWhileAFreeSlotWaitsForTheChat() {
        WaitEstimator.Curve c = WaitEstimator.curve(in(2, 4, 2, 0, 0, 0, 0));
        assertThat(c.secondsAt(1)).isZero();
        assertThat(c.secondsAt(2)).isZero();
        assertThat(c.secondsAt(3)).isPositive();
    }

    @Test
    void withHistoryTheMeasuredThroughput() {
        // 30 answers in 900 s: one every 30 s; third in line behind no free slot waits 3 answers
        WaitEstimator.Curve c = WaitEstimator.curve(in(0, 4, 4, 30, 40, 120, 10));
        assertThat(c.model()).isEqualTo("throughput");
        assertThat(c.secondsAt(1)).isEqualTo(30);
        assertThat(c.secondsAt(3)).isEqualTo(90);
        // positions count from behind the free slots
        assertThat(WaitEstimator.curve(in(1, 4, 3, 30, 40, 120, 10)).secondsAt(3)).isEqualTo(60);
    }

    @Test
    void beforeHistoryErlangC() {
        // N = 2 slots, traffic A = 90 arrivals / 900 s x 300 s = 30 erlangs >= N: overloaded, AHT / N per chat
        WaitEstimator.Curve over = WaitEstimator.curve(in(0, 2, 2, 0, 90, 0, 0));
        assertThat(over.model()).isEqualTo("erlang-c (overloaded)");
        assertThat(over.secondsAt(1)).isEqualTo(150);
        assertThat(over.secondsAt(2)).isEqualTo(300);
        // N = 10, A = 15 arrivals / 900 s x 300 s = 5 erlangs: C(10, 5) = 0.036105; first = C x 300 / 5, then 30 s each
        WaitEstimator.Curve c = WaitEstimator.curve(in(0, 10, 5, 2, 15, 0, 0));
        assertThat(c.model()).isEqualTo("erlang-c");
        assertThat(c.firstSeconds()).isCloseTo(ErlangC.erlangC(10, 5.0) * 300 / 5, within(1e-9));
        assertThat(ErlangC.erlangC(10, 5.0)).isCloseTo(0.036105, within(1e-6));
        assertThat(c.stepSeconds()).isEqualTo(30.0);
        assertThat(c.secondsAt(1)).isEqualTo(3);
        assertThat(c.secondsAt(4)).isEqualTo(93);
    }

    @Test
    void aMeasuredHandleTimeReplacesTheDefaultOnceThereAreEnoughSamples() {
        assertThat(WaitEstimator.curve(in(0, 2, 2, 0, 90, 60, 3)).secondsAt(1)).isEqualTo(30);  // 60 s measured, 3 samples
        assertThat(WaitEstimator.curve(in(0, 2, 2, 0, 90, 60, 2)).secondsAt(1)).isEqualTo(150); // too few: the 300 s default
    }

    @Test
    void noAgentMeansOneAssumedSlotAndTheBusySlotsAsTrafficWithoutArrivals() {
        WaitEstimator.Curve c = WaitEstimator.curve(in(0, 0, 0, 0, 0, 0, 0));
        assertThat(c.secondsAt(1)).isZero(); // C(1, 0) = 0: an idle system answers at once
        assertThat(c.secondsAt(2)).isEqualTo(300);
        assertThat(WaitEstimator.curve(in(0, 0, 0, 0, 0, 0, 0)).secondsAt(Long.MAX_VALUE / 2)).isEqualTo(7 * 86_400); // capped
    }
}
