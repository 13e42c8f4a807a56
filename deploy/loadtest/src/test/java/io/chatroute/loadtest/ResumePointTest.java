package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.BitSet;

import org.junit.jupiter.api.Test;

/** Where a reconnecting simulated client resumes: after the last seq up to which it holds every message. */
class ResumePointTest {

    @Test
    void aClientResumesAfterTheLastSeqBelowItsFirstGap() {
        BitSet seen = new BitSet();
        assertThat(Simulation.contiguous(seen)).as("nothing held").isZero();
        seen.set(2);
        assertThat(Simulation.contiguous(seen)).as("seq 1 missing").isZero();
        seen.set(1);
        seen.set(3);
        seen.set(5); // its own message acked as 5 before the agent's 4 arrived
        assertThat(Simulation.contiguous(seen)).isEqualTo(3);
        seen.set(4);
        assertThat(Simulation.contiguous(seen)).isEqualTo(5);
    }
}
