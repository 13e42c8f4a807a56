package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class AgentSelectorTest {
    static AgentSnapshot agent(String id, Presence p, int active, int max, Map<String, Integer> skills, long last) {
        return new AgentSnapshot(id, p, active, max, skills, last);
    }

    static final Map<String, Integer> REQ = Map.of("billing", 2);

    @Test
    void onlyEligibleAgentsWithReasons() {
        var sel = AgentSelector.select(REQ, List.of(
                agent("away", Presence.AWAY, 0, 4, Map.of("billing", 5), 0),
                agent("novice", Presence.AVAILABLE, 0, 4, Map.of("billing", 1), 0),
                agent("full", Presence.AVAILABLE, 2, 2, Map.of("billing", 5), 0),
                agent("declined", Presence.AVAILABLE, 0, 4, Map.of("billing", 5), 0),
                agent("ok", Presence.AVAILABLE, 3, 4, Map.of("billing", 2), 0)), Set.of("declined"));
        assertThat(sel.agentId()).isEqualTo("ok");
        assertThat(sel.tieBreak()).isEqualTo("only eligible agent");
        assertThat(sel.candidates()).filteredOn(c -> !c.eligible()).extracting(AgentSelector.Candidate::reason)
                .anyMatch(r -> r.contains("AWAY")).anyMatch(r -> r.contains("billing>=2")).anyMatch(r -> r.contains("capacity"))
                .anyMatch(r -> r.contains("declined"));
    }

    @Test
    void fewestActiveFirst() {
        var sel = AgentSelector.select(REQ, List.of(
                agent("a", Presence.AVAILABLE, 2, 4, Map.of("billing", 9), 0),
                agent("b", Presence.AVAILABLE, 1, 4, Map.of("billing", 2), 0)), Set.of());
        assertThat(sel.agentId()).isEqualTo("b");
        assertThat(sel.tieBreak()).startsWith("fewest active chats");
    }

    @Test
    void thenHighestSkillScore() {
        var sel = AgentSelector.select(REQ, List.of(
                agent("a", Presence.AVAILABLE, 1, 4, Map.of("billing", 3), 0),
                agent("b", Presence.AVAILABLE, 1, 4, Map.of("billing", 7), 0)), Set.of());
        assertThat(sel.agentId()).isEqualTo("b");
        assertThat(sel.tieBreak()).startsWith("highest skill score");
    }

    @Test
    void thenLongestSinceLastAssignmentThenId() {
        var sel = AgentSelector.select(REQ, List.of(
                agent("a", Presence.AVAILABLE, 0, 4, Map.of("billing", 3), 2000),
                agent("b", Presence.AVAILABLE, 0, 4, Map.of("billing", 3), 1000)), Set.of());
        assertThat(sel.agentId()).isEqualTo("b");
        assertThat(sel.tieBreak()).isEqualTo("longest since last assignment");
        var byId = AgentSelector.select(REQ, List.of(
                agent("z", Presence.AVAILABLE, 0, 4, Map.of("billing", 3), 0),
                agent("m", Presence.AVAILABLE, 0, 4, Map.of("billing", 3), 0)), Set.of());
        assertThat(byId.agentId()).isEqualTo("m");
        assertThat(byId.tieBreak()).contains("agent id");
        assertThat(byId.candidates()).extracting(AgentSelector.Candidate::rank).containsExactly(1, 2);
    }

    @Test
    void noneEligible() {
        var sel = AgentSelector.select(REQ, List.of(agent("a", Presence.OFFLINE, 0, 4, Map.of("billing", 3), 0)), Set.of());
        assertThat(sel.found()).isFalse();
        assertThat(sel.tieBreak()).isEqualTo("no eligible agent");
    }

    @Test
    void waitEstimateAndCounts() {
        List<AgentSnapshot> agents = List.of(
                agent("a", Presence.AVAILABLE, 1, 4, Map.of("billing", 3), 0),
                agent("b", Presence.AWAY, 0, 4, Map.of("billing", 3), 0),
                agent("c", Presence.OFFLINE, 0, 4, Map.of("billing", 3), 0));
        assertThat(AgentSelector.freeSlots(REQ, agents)).isEqualTo(3);
        assertThat(AgentSelector.agentsAble(REQ, agents)).isEqualTo(2);
        assertThat(AgentSelector.estimatedWaitSeconds(3, 3)).isEqualTo(60);
        assertThat(AgentSelector.estimatedWaitSeconds(2, 0)).isEqualTo(120);
    }

    @Test
    void anAvoidedAgentGetsTheChatOnlyWhenNobodyElseCan() {
        List<AgentSnapshot> agents = List.of(
                agent("decliner", Presence.AVAILABLE, 0, 4, Map.of("billing", 9), 0),
                agent("busy", Presence.AVAILABLE, 3, 4, Map.of("billing", 2), 0));
        var sel = AgentSelector.select(REQ, agents, Set.of("decliner"), Set.of());
        assertThat(sel.agentId()).isEqualTo("busy"); // more load and less skill, but did not decline this chat
        assertThat(sel.tieBreak()).startsWith("not offered this chat before");
        assertThat(sel.winnerAvoided()).isFalse();
        var only = AgentSelector.select(REQ, agents.subList(0, 1), Set.of("decliner"), Set.of());
        assertThat(only.agentId()).isEqualTo("decliner"); // nobody else can: it may get it again
        assertThat(only.winnerAvoided()).isTrue();
        var blocked = AgentSelector.select(REQ, agents.subList(0, 1), Set.of("decliner"), Set.of("decliner"));
        assertThat(blocked.found()).isFalse(); // within the cool-down: not at all
    }

    @Test
    void theIndexScoreSortsLikeTheSelector() {
        java.util.Random random = new java.util.Random(42);
        List<AgentSnapshot> agents = new java.util.ArrayList<>();
        for (int i = 0; i < 500; i++) {
            agents.add(agent(String.format("a%03d", random.nextInt(1000)) + "-" + i, Presence.AVAILABLE, random.nextInt(4), 4,
                    Map.of("billing", 2 + random.nextInt(3)), AgentSelector.INDEX_EPOCH + random.nextInt(5) * 1000L));
        }
        var sel = AgentSelector.select(REQ, agents, Set.of());
        // the sorted set's order: by score (as a double, as Redis keeps it), then by member
        List<String> byIndex = agents.stream()
                .sorted(java.util.Comparator.comparingDouble((AgentSnapshot a) -> (double) AgentSelector.indexScore(a.active(),
                        Skills.score(a.skills(), REQ), a.lastAssignedAt())).thenComparing(AgentSnapshot::id))
                .map(AgentSnapshot::id).toList();
        List<String> bySelector = sel.candidates().stream().map(AgentSelector.Candidate::agentId).toList();
        assertThat(byIndex).isEqualTo(bySelector);
        assertThat(byIndex.getFirst()).isEqualTo(sel.agentId());
    }

    @Test
    void theIndexScoreIsExactAndClamped() {
        long s = AgentSelector.indexScore(7, 0, AgentSelector.INDEX_EPOCH + (1L << 41) + 5);
        assertThat(s).isLessThan(1L << 53);
        assertThat((long) (double) s).isEqualTo(s);
        assertThat(AgentSelector.indexScore(0, 600, 0)).isEqualTo(0L); // skill score clamped at 511, time at the epoch
        assertThat(AgentSelector.indexScore(1, 0, AgentSelector.INDEX_EPOCH)).isGreaterThan(AgentSelector.indexScore(0, 0, Long.MAX_VALUE));
    }

    @Test
    void thousandAgentsOneDecision() {
        // the shape of the planned JMH benchmark: one chat against 1,000 agents, one pure call
        List<AgentSnapshot> agents = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            agents.add(agent("a" + i, i % 10 == 0 ? Presence.AWAY : Presence.AVAILABLE, i % 5, 4, Map.of("billing", i % 6), i));
        }
        var sel = AgentSelector.select(REQ, agents, Set.of("a2"), Set.of("a6"));
        assertThat(sel.found()).isTrue();
        AgentSelector.Candidate best = sel.candidates().getFirst();
        assertThat(best.active()).isZero();
        assertThat(best.skillScore()).isEqualTo(5);
        assertThat(sel.candidates()).hasSize(1000);
    }
}
