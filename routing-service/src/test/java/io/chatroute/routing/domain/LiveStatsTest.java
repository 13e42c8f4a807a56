package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class LiveStatsTest {
    static final long NOW = 1_700_000_000_000L;
    static final QueueDefinition Q = new QueueDefinition("q", "Q", Map.of("billing", 2), 0, 20, null, null, 30);

    static AgentSnapshot agent(String id, Presence p, int active, int max, int billing) {
        return new AgentSnapshot(id, p, active, max, Map.of("billing", billing), 0);
    }

    @Test
    void queueFigures() {
        List<AgentSnapshot> agents = List.of(
                agent("free", Presence.AVAILABLE, 1, 4, 5),   // available, 3 free slots
                agent("full", Presence.AVAILABLE, 2, 2, 5),   // able, no free slot
                agent("away", Presence.AWAY, 0, 4, 5),        // able (not offline), not available
                agent("off", Presence.OFFLINE, 0, 4, 5),
                agent("novice", Presence.AVAILABLE, 0, 4, 1)); // lacks the skill level
        var v = LiveStats.queue(Q, true, new LiveStats.QueueState(5, NOW - 42_900, 3, 2, 1, 45_000), agents, NOW);
        assertThat(v.waiting()).isEqualTo(5);
        assertThat(v.longestWaitSeconds()).isEqualTo(42);
        assertThat(v.agentsAvailable()).isEqualTo(1);
        assertThat(v.agentsAble()).isEqualTo(3);
        assertThat(v.freeSlots()).isEqualTo(3);
        // a chat starting now is sixth behind 3 free slots; no history: Erlang C with N = 6 slots, A = 3 busy, AHT 300 s:
        // C(6, 3) x 300 / 3 = 9.9 s for the first who waits, then 300 / 6 = 50 s per chat ahead: 9.9 + 2 x 50 -> 110
        assertThat(v.estimatedWaitSeconds()).isEqualTo(110);
        assertThat(v.serviceLevel()).isEqualTo(0.6667);
        assertThat(v.serviceLevelTargetSeconds()).isEqualTo(30);
        assertThat(v.averageAnswerSeconds()).isEqualTo(15.0);
        assertThat(v.abandonedToday()).isEqualTo(1);
    }

    @Test
    void emptyQueueHasNoServiceLevelYet() {
        var v = LiveStats.queue(Q.withId("q"), false, LiveStats.QueueState.EMPTY, List.of(), NOW);
        assertThat(v.longestWaitSeconds()).isZero();
        assertThat(v.serviceLevel()).isNull();
        assertThat(v.averageAnswerSeconds()).isNull();
        assertThat(v.open()).isFalse();
        assertThat(new QueueDefinition("x", "X", null, null, null, null, null, null).withId("x").serviceLevelTargetSeconds()).isEqualTo(60);
    }

    @Test
    void idleIsCountedFromTheLatestOfStatusOfferAndLastChatEnd() {
        assertThat(LiveStats.idleSeconds(Presence.AVAILABLE, 0, NOW - 100_000, NOW - 50_000, NOW - 7_500, NOW)).isEqualTo(7);
        assertThat(LiveStats.idleSeconds(Presence.AVAILABLE, 0, NOW - 3_000, NOW - 50_000, NOW - 7_500, NOW)).isEqualTo(3);
        assertThat(LiveStats.idleSeconds(Presence.AVAILABLE, 0, NOW - 100_000, NOW - 20_000, 0, NOW)).isEqualTo(20); // no idleSince yet
        assertThat(LiveStats.idleSeconds(Presence.AVAILABLE, 1, NOW - 100_000, 0, 0, NOW)).isZero();
        assertThat(LiveStats.idleSeconds(Presence.AWAY, 0, NOW - 100_000, 0, 0, NOW)).isZero();
        assertThat(LiveStats.idleSeconds(Presence.AVAILABLE, 0, 0, 0, 0, NOW)).isZero();
    }
}
