package io.chatroute.routing.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.Presence;

/** The benchmark measures real decisions: every queue has candidates, and the page decision is the whole team's. */
class DispatchDecisionTest {
    private final DecisionFixture f = new DecisionFixture(42, 1_780_000_000_000L);

    @Test
    void theCentreHasTheAdvertisedShape() {
        assertThat(f.agents).hasSize(DecisionFixture.AGENTS);
        assertThat(f.queues).hasSize(DecisionFixture.QUEUES);
        assertThat(f.targets).extracting(t -> t.id()).doesNotHaveDuplicates();
        assertThat(f.agents).filteredOn(a -> a.status() == Presence.AVAILABLE).hasSizeBetween(700, 900);
        // every queue's chat has a full page of candidates to choose from, and more in its index
        assertThat(f.queues).allSatisfy(q -> {
            assertThat(q.pageIds()).hasSize(DecisionFixture.CANDIDATE_PAGE);
            assertThat(q.indexSize()).isGreaterThan(DecisionFixture.CANDIDATE_PAGE);
        });
    }

    @Test
    void thePageDecisionIsTheSelectorsChoiceOverAllThousandAgents() {
        for (DecisionFixture.Queue q : f.queues) {
            DispatchDecision.Result r = DispatchDecision.decide(q, f.targets, f.now);
            Set<String> avoided = new HashSet<>();
            Set<String> blocked = new HashSet<>();
            DecisionFixture.avoidance(q.chat(), f.now, avoided, blocked);
            AgentSelector.Selection all = AgentSelector.select(q.required(), f.agents, avoided, blocked);
            assertThat(r.agentId()).as("queue %s", q.id()).isEqualTo(all.agentId()).isNotNull();
            // the best of the index declined a moment ago: blocked, so someone else got it
            assertThat(r.agentId()).isNotEqualTo(q.pageIds().getFirst());
            assertThat(r.offeredJson()).contains("\"agentId\":\"" + r.agentId() + "\"");
            assertThat(r.decisionJson()).contains("\"candidatesConsidered\":16");
            assertThat(r.targetsRefreshed()).as("the chosen agent serves at least this queue").isGreaterThanOrEqualTo(1);
        }
    }
}
