package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * Transfers against real Kafka and Redis: session-service's chat.transfer.requested (checked against its schema) to a
 * queue or an agent; chat.transferred, the chat keeps its age, the next offer carries the transfer and the note, the
 * assignment names the previous agent, who is offered the chat again only when nobody else can take it; a request that
 * cannot be carried out is chat.transfer.failed and changes nothing.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class TransferTest {
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> agentEvents;

    @Inject
    RoutingStore store;

    Fixture f;

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

    @BeforeEach
    void fixture() {
        f = new Fixture(kafka, chatEvents, agentEvents);
    }

    String qa() {
        return f.id("qa");
    }

    String qb() {
        return f.id("qb");
    }

    /** Queues A (skill sa) and B (skill sb); topic a goes to A, b to B. */
    void setUp() {
        f.form("a", "b");
        f.queue(qa(), "{\"name\":\"A\",\"offerTimeoutSeconds\":60,\"requiredSkills\":{\"" + f.id("sa") + "\":1}}");
        f.queue(qb(), "{\"name\":\"B\",\"offerTimeoutSeconds\":60,\"requiredSkills\":{\"" + f.id("sb") + "\":1}}");
        f.rules("[{\"id\":\"" + f.id("ra") + "\",\"when\":{\"topic\":\"a\"},\"queueId\":\"" + qa() + "\"},"
                + "{\"id\":\"" + f.id("rb") + "\",\"when\":{\"topic\":\"b\"},\"queueId\":\"" + qb() + "\"}]");
    }

    /** A chat in A assigned to the agent (who must be the only AVAILABLE one able to take it). */
    String assigned(String chatId, String agentId) throws Exception {
        f.requestChat(chatId, "a", qa());
        JsonNode offered = f.awaitChat("chat.offered", chatId, 0);
        assertThat(offered.get("agentId").asText()).isEqualTo(agentId);
        f.accept(chatId, offered);
        f.awaitChat("chat.assigned", chatId, 0);
        return chatId;
    }

    String transfer(String chatId, String from, String queueId, String agentId, String note) {
        String requestId = UUID.randomUUID().toString();
        String data = """
                {"chatId":"%s","requestId":"%s","fromAgentId":"%s","queueId":%s,"agentId":%s,"note":%s,"requestedBy":"%s","requestedAt":"%s"}"""
                .formatted(chatId, requestId, from, quote(queueId), quote(agentId), quote(note), from, Instant.now());
        EventSchemas.assertValid("session-service", "chat.transfer.requested", data);
        kafka.send("chat-events", chatId, "chat.transfer.requested", "/session-service", data);
        return requestId;
    }

    static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }

    @Test
    void toAQueueKeepsTheAgeAndTheNextAgentSeesWhy() throws Exception {
        setUp();
        String a1 = f.id("a1");
        String b1 = f.id("b1");
        f.agent(a1, "{\"" + f.id("sa") + "\":3}", 2);
        f.agent(b1, "{\"" + f.id("sb") + "\":3}", 1);
        f.presence(a1, "AVAILABLE");
        String c = assigned(f.id("c"), a1);
        String younger = f.id("w");
        f.requestChat(younger, "b", qb()); // waits in B (b1 is offline), younger than c
        f.awaitChat("chat.queued", younger, 0);

        String requestId = transfer(c, a1, qb(), null, "VIP, wants a refund");
        JsonNode transferred = f.awaitChat("chat.transferred", c, 0);
        assertThat(transferred.get("requestId").asText()).isEqualTo(requestId);
        assertThat(transferred.get("fromAgentId").asText()).isEqualTo(a1);
        assertThat(transferred.get("queueId").asText()).isEqualTo(qb());
        assertThat(transferred.get("agentId").isNull()).isTrue();
        assertThat(transferred.get("note").asText()).isEqualTo("VIP, wants a refund");
        JsonNode queued = f.awaitWhere(chatEvents, "chat.queued", c, d -> "transferred".equals(d.path("reason").asText()));
        assertThat(queued.get("queueId").asText()).isEqualTo(qb());
        assertThat(queued.get("position").asInt()).isEqualTo(1); // its original age: ahead of the younger chat
        f.awaitWhere(agentEvents, "agent.capacity.changed", a1, d -> "transfer".equals(d.path("reason").asText()) && d.get("active").asInt() == 0);

        f.presence(b1, "AVAILABLE");
        JsonNode offered = f.awaitChat("chat.offered", c, 1);
        assertThat(offered.get("agentId").asText()).isEqualTo(b1);
        assertThat(offered.get("transfer").get("fromAgentId").asText()).isEqualTo(a1);
        assertThat(offered.get("transfer").get("note").asText()).isEqualTo("VIP, wants a refund");
        f.accept(c, offered);
        JsonNode assigned = f.awaitChat("chat.assigned", c, 1);
        assertThat(assigned.get("agentId").asText()).isEqualTo(b1);
        assertThat(assigned.get("transferredFrom").asText()).isEqualTo(a1);
        f.close(c);
        f.close(younger);
        f.presence(a1, "OFFLINE");
        f.presence(b1, "OFFLINE");
    }

    @Test
    void toAnAgentIsOfferedToThatAgentThenToOthersButNotBackToTheFirst() throws Exception {
        setUp();
        String a1 = f.id("a1");
        String a2 = f.id("a2");
        String a3 = f.id("a3");
        for (String a : List.of(a1, a2, a3)) {
            f.agent(a, "{\"" + f.id("sa") + "\":3}", 2);
        }
        f.presence(a1, "AVAILABLE");
        String c = assigned(f.id("c"), a1);
        f.presence(a2, "AVAILABLE");
        f.presence(a3, "AVAILABLE");

        transfer(c, a1, null, a3, null);
        JsonNode transferred = f.awaitChat("chat.transferred", c, 0);
        assertThat(transferred.get("agentId").asText()).isEqualTo(a3);
        assertThat(transferred.get("queueId").asText()).isEqualTo(qa());
        assertThat(transferred.get("note").isNull()).isTrue();
        JsonNode offered = f.awaitChat("chat.offered", c, 1);
        assertThat(offered.get("agentId").asText()).isEqualTo(a3); // the chosen agent, though a2 is as free
        assertThat(offered.get("transfer").get("fromAgentId").asText()).isEqualTo(a1);
        // a3 declines: the chat goes to the next agent, not back to a1 (who has the fewest chats now)
        f.decline(c, offered);
        assertThat(f.awaitChat("chat.offered", c, 2).get("agentId").asText()).isEqualTo(a2);
        f.close(c);
        for (String a : List.of(a1, a2, a3)) {
            f.presence(a, "OFFLINE");
        }
    }

    @Test
    void thePreviousAgentGetsItAgainWhenNobodyElseCan() throws Exception {
        setUp();
        String a1 = f.id("a1");
        f.agent(a1, "{\"" + f.id("sa") + "\":3,\"" + f.id("sb") + "\":3}", 2);
        f.presence(a1, "AVAILABLE");
        String c = assigned(f.id("c"), a1);
        transfer(c, a1, qb(), null, "try B");
        f.awaitChat("chat.transferred", c, 0);
        JsonNode again = f.awaitChat("chat.offered", c, 1);
        assertThat(again.get("agentId").asText()).isEqualTo(a1);
        assertThat(again.get("queueId").asText()).isEqualTo(qb());
        f.close(c);
        f.presence(a1, "OFFLINE");
    }

    @Test
    void aTransferThatCannotBeCarriedOutFailsAndChangesNothing() throws Exception {
        setUp();
        String a1 = f.id("a1");
        String away = f.id("away");
        f.agent(a1, "{\"" + f.id("sa") + "\":3}", 2);
        f.agent(away, "{\"" + f.id("sa") + "\":3}", 2);
        f.presence(a1, "AVAILABLE");
        f.presence(away, "AWAY");
        String c = assigned(f.id("c"), a1);
        List<String[]> cases = List.of(
                new String[] {"someone-else", qb(), null, "not-assigned"},
                new String[] {a1, "no-such-queue-" + f.u, null, "unknown-queue"},
                new String[] {a1, null, "no-such-agent-" + f.u, "unknown-agent"},
                new String[] {a1, null, away, "agent-unavailable"},
                new String[] {a1, null, a1, "same-agent"});
        for (int i = 0; i < cases.size(); i++) {
            String[] k = cases.get(i);
            String requestId = transfer(c, k[0], k[1], k[2], null);
            JsonNode failed = f.awaitChat("chat.transfer.failed", c, i);
            assertThat(failed.get("requestId").asText()).isEqualTo(requestId);
            assertThat(failed.get("reason").asText()).isEqualTo(k[3]);
        }
        assertThat(RoutingFlowTest.of(chatEvents, "chat.transferred", c)).isEmpty();
        assertThat(store.chat(c).get("state")).isEqualTo("ASSIGNED");
        assertThat(store.chat(c).get("agentId")).isEqualTo(a1);
        assertThat(store.holds(a1)).containsKey(c);
        assertThat(store.holds(away)).isEmpty(); // the refused target took no slot
        f.close(c);
        f.presence(a1, "OFFLINE");
        f.presence(away, "OFFLINE");
    }
}
