package io.chatroute.routing.messaging;

import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;

/**
 * Set-up and event helpers shared by the routing engine's Kafka tests (one per test, with its own ids): forms, queues,
 * rules and agents through the REST API, chats and agents' actions as session-service's events (each checked against
 * session-service's schema), and routing's events read back (each checked against routing-service's schema).
 */
final class Fixture {
    final String u = UUID.randomUUID().toString().substring(0, 8);
    final KafkaTestClient kafka;
    final List<Event> chatEvents;
    final List<Event> agentEvents;

    Fixture(KafkaTestClient kafka, List<Event> chatEvents, List<Event> agentEvents) {
        this.kafka = kafka;
        this.chatEvents = chatEvents;
        this.agentEvents = agentEvents;
    }

    String id(String prefix) {
        return prefix + "-" + u;
    }

    /**
     * A queue of its own needing skill {@code s} at level 1, a form with {@code topic}, and one rule sending every chat
     * of that topic ({@code anyTopic}: every chat) there; returns the queue's id.
     */
    String oneQueue(String prefix, String topic, boolean anyTopic) {
        String q = id(prefix + "q");
        form(topic);
        queue(q, "{\"name\":\"" + prefix + "\",\"requiredSkills\":{\"" + id("s") + "\":1}}");
        String when = anyTopic ? "{}" : "{\"topic\":\"" + topic + "\"}";
        rules("[{\"id\":\"" + id(prefix + "r") + "\",\"when\":" + when + ",\"queueId\":\"" + q + "\"}]");
        return q;
    }

    /** One rule that sends every chat to the queue. */
    void everyChatTo(String queueId) {
        rules("[{\"id\":\"" + id("r") + "\",\"when\":{},\"queueId\":\"" + queueId + "\"}]");
    }

    void form(String... topics) {
        StringBuilder options = new StringBuilder();
        for (String t : topics) {
            options.append(options.isEmpty() ? "" : ",").append('"').append(t).append('"');
        }
        RoutingFlowTest.admin().body("{\"fields\":[{\"name\":\"topic\",\"type\":\"select\",\"required\":true,\"options\":[" + options + "]}]}")
                .put("/api/v1/forms/" + id("f")).then().statusCode(200);
    }

    void queue(String queueId, String json) {
        RoutingFlowTest.admin().body(json).put("/api/v1/queues/" + queueId).then().statusCode(200);
    }

    void rules(String json) {
        RoutingFlowTest.admin().body(json).put("/api/v1/routing/rules").then().statusCode(200);
    }

    void agent(String agentId, String skillsJson, int cap) {
        RoutingFlowTest.admin().body("{\"displayName\":\"Agent " + agentId + "\",\"maxConcurrentChats\":" + cap + ",\"skills\":" + skillsJson + "}")
                .put("/api/v1/agents/" + agentId).then().statusCode(200);
    }

    void presence(String agentId, String status) {
        RoutingFlowTest.admin().body("{\"status\":\"" + status + "\"}").put("/api/v1/agents/" + agentId + "/presence").then().statusCode(200);
    }

    /** session-service's agent.presence.requested (an OFFLINE from session is a disconnect: the agent's last socket closed). */
    void presenceRequested(String agentId, String status) {
        String data = """
                {"agentId":"%s","status":"%s","requestedAt":"%s"}""".formatted(agentId, status, Instant.now());
        EventSchemas.assertValid("session-service", "agent.presence.requested", data);
        kafka.send("agent-events", agentId, "agent.presence.requested", "/session-service", data);
    }

    /** session-service's agent.presence.requested with its reason (requested: the agent chose it). */
    void presenceRequested(String agentId, String status, String reason) {
        String data = """
                {"agentId":"%s","status":"%s","reason":"%s","requestedAt":"%s"}""".formatted(agentId, status, reason, Instant.now());
        EventSchemas.assertValid("session-service", "agent.presence.requested", data);
        kafka.send("agent-events", agentId, "agent.presence.requested", "/session-service", data);
    }

    /** session's disconnect OFFLINE with its socket version. */
    void disconnected(String agentId, long socketVersion) {
        String data = """
                {"agentId":"%s","status":"OFFLINE","reason":"disconnected","socketVersion":%d,"requestedAt":"%s"}"""
                .formatted(agentId, socketVersion, Instant.now());
        EventSchemas.assertValid("session-service", "agent.presence.requested", data);
        kafka.send("agent-events", agentId, "agent.presence.requested", "/session-service", data);
    }

    /** session's agent.connected with its socket version. */
    void connected(String agentId, long socketVersion) {
        String data = """
                {"agentId":"%s","socketVersion":%d,"connectedAt":"%s"}""".formatted(agentId, socketVersion, Instant.now());
        EventSchemas.assertValid("session-service", "agent.connected", data);
        kafka.send("agent-events", agentId, "agent.connected", "/session-service", data);
    }

    /** session-service's agent.connected: one of the agent's sockets opened. */
    void connected(String agentId) {
        String data = """
                {"agentId":"%s","connectedAt":"%s"}""".formatted(agentId, Instant.now());
        EventSchemas.assertValid("session-service", "agent.connected", data);
        kafka.send("agent-events", agentId, "agent.connected", "/session-service", data);
    }

    void requestChat(String chatId, String topic, String fallbackQueue) {
        requestChat(chatId, topic, fallbackQueue, Instant.now());
    }

    void requestChat(String chatId, String topic, String fallbackQueue, Instant requestedAt) {
        String data = """
                {"chatId":"%s","formId":"%s","visitor":{"name":"Anna","email":"a@example.com","locale":"en","customerId":"c-%s"},
                 "form":{"topic":"%s"},"message":"message of %s","queueId":"%s","requestedAt":"%s"}"""
                .formatted(chatId, id("f"), u, topic, chatId, fallbackQueue, requestedAt);
        EventSchemas.assertValid("session-service", "chat.requested", data);
        kafka.send("chat-events", chatId, "chat.requested", "/session-service", data);
    }

    void accept(String chatId, JsonNode offered) {
        kafka.send("chat-events", chatId, "chat.offer.accepted", "/session-service",
                RoutingFlowTest.accepted(chatId, offered.get("agentId").asText(), offered.get("offerId").asText()));
    }

    void decline(String chatId, JsonNode offered) {
        String data = """
                {"chatId":"%s","agentId":"%s","offerId":"%s","reason":"busy","declinedAt":"%s"}"""
                .formatted(chatId, offered.get("agentId").asText(), offered.get("offerId").asText(), Instant.now());
        EventSchemas.assertValid("session-service", "chat.offer.declined", data);
        kafka.send("chat-events", chatId, "chat.offer.declined", "/session-service", data);
    }

    void close(String chatId) {
        String data = """
                {"chatId":"%s","by":"visitor","closedAt":"%s"}""".formatted(chatId, Instant.now());
        EventSchemas.assertValid("session-service", "chat.closed", data);
        kafka.send("chat-events", chatId, "chat.closed", "/session-service", data);
    }

    JsonNode awaitChat(String type, String chatId, int index) throws Exception {
        return RoutingFlowTest.data(RoutingFlowTest.awaitOne(chatEvents, type, chatId, index));
    }

    JsonNode awaitAgent(String type, String agentId, int index) throws Exception {
        return RoutingFlowTest.data(RoutingFlowTest.awaitOne(agentEvents, type, agentId, index));
    }

    /** The first event of the type for the key whose data matches (checked against routing-service's schema). */
    JsonNode awaitWhere(List<Event> events, String type, String key, Predicate<JsonNode> condition) {
        return await().atMost(RoutingFlowTest.WAIT).until(() -> {
            for (Event e : RoutingFlowTest.of(events, type, key)) {
                JsonNode d = RoutingFlowTest.data(e);
                if (condition.test(d)) {
                    return d;
                }
            }
            return null;
        }, d -> d != null);
    }

    List<JsonNode> all(List<Event> events, String type, String key) throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (Event e : RoutingFlowTest.of(events, type, key)) {
            out.add(RoutingFlowTest.data(e));
        }
        return out;
    }
}
