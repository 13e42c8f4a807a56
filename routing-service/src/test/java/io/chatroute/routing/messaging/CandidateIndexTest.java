package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;
import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A decision with 1,000 agents reads no more of them than one with a few: the offer's decision record says how many
 * candidates were considered (the first page of the routing target's index) and how many the index held, and the agent
 * chosen is the one the selector picks over all 1,000.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class CandidateIndexTest {
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> agentEvents;

    @Inject
    Router router;
    @Inject
    RoutingStore store;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @Test
    void aDecisionAmongAThousandAgentsReadsOnlyTheFirstCandidates() throws Exception {
        Fixture f = new Fixture(kafka, chatEvents, agentEvents);
        String q = f.id("iq");
        String skill = f.id("s");
        f.form("i");
        f.queue(q, "{\"name\":\"I\",\"requiredSkills\":{\"" + skill + "\":1}}");
        f.rules("[{\"id\":\"" + f.id("r") + "\",\"when\":{},\"queueId\":\"" + q + "\"}]");
        List<String> agents = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String id = f.id("ia" + i);
            agents.add(id);
            router.upsertAgent(id, new AgentProfile(id, null, null, Map.of(skill, 1 + i % 10), 4));
            router.setPresence(id, Presence.AVAILABLE);
        }
        String chat = f.id("ic");
        f.requestChat(chat, "i", q);
        JsonNode offered = f.awaitChat("chat.offered", chat, 0);

        List<AgentSnapshot> all = store.agents(agents).stream().map(AgentRecord::snapshot).toList();
        // the agent the selector picks over all 1,000 (its load is now one more: compare before the offer)
        List<AgentSnapshot> before = all.stream().map(a -> a.id().equals(offered.get("agentId").asText())
                ? new AgentSnapshot(a.id(), a.status(), a.active() - 1, a.max(), a.skills(), 0) : a).toList();
        String best = AgentSelector.select(Map.of(skill, 1), before, Set.of()).agentId();
        assertThat(offered.get("agentId").asText()).isEqualTo(best);

        JsonNode routing = RoutingFlowTest.JSON.readTree(RoutingFlowTest.admin().get("/api/v1/chats/" + chat + "/routing")
                .then().statusCode(200).extract().asString());
        JsonNode step = null;
        for (JsonNode s : routing.get("steps")) {
            if ("offered".equals(s.get("step").asText())) {
                step = s;
            }
        }
        assertThat(step).isNotNull();
        assertThat(step.get("candidateCount").asInt()).isEqualTo(1000);
        assertThat(step.get("candidatesConsidered").asInt()).isEqualTo(16); // one page of the index, not 1,000 agents
        assertThat(step.get("candidates").size()).isEqualTo(10);
        f.close(chat);
        for (String id : agents) {
            router.setPresence(id, Presence.OFFLINE);
        }
    }
}
