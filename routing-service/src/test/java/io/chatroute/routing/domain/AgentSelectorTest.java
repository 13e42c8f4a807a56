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
}
