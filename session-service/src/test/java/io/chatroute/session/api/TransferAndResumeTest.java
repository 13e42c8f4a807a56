package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.quarkus.redis.datasource.RedisDataSource;
import jakarta.inject.Inject;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;

/**
 * Transfers (the session side: the request, what each socket is told, the whole conversation for the next agent) and
 * resume after a reconnect when live delivery has already started (never a message twice on one connection).
 * routing-service's decisions are fed in as its events on real Kafka.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class TransferAndResumeTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> chatEvents;

    @Inject
    RedisDataSource redis;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static ExtractableResponse<Response> createChat() {
        return given().contentType(ContentType.JSON)
                .body("{\"formId\":\"default\",\"visitor\":{\"name\":\"Anna\",\"customerId\":\"c-7\"},\"form\":{\"topic\":\"billing\"},"
                        + "\"message\":\"I was charged twice\"}")
                .post("/api/v1/chats").then().extract();
    }

    private static List<KafkaTestClient.Event> events(String type, String chatId) {
        return KafkaTestClient.once(chatEvents, type, e -> chatId.equals(e.key()));
    }

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** routing's offer and assignment of the chat to the agent, as its events. */
    private static void assign(String chatId, String agentId, String transferredFrom) {
        String offerId = "offer-" + System.nanoTime();
        String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\""
                + offerId + "\",\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\"}";
        EventSchemas.assertValid("routing-service", "chat.offered", offered);
        kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
        String assigned = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\""
                + offerId + "\",\"assignedAt\":\"" + java.time.Instant.now() + "\",\"agent\":{\"id\":\"" + agentId
                + "\",\"displayName\":\"Agent " + agentId + "\",\"title\":\"Support\",\"avatarUrl\":null}"
                + (transferredFrom == null ? "" : ",\"transferredFrom\":\"" + transferredFrom + "\"") + "}";
        EventSchemas.assertValid("routing-service", "chat.assigned", assigned);
        kafka.send("chat-events", chatId, "chat.assigned", "/routing-service", assigned);
    }

    @Test
    void aTransferMovesTheChatAndTheNextAgentSeesTheWholeConversation() throws Exception {
        String first = "agent-a-" + System.nanoTime();
        String second = "agent-b-" + System.nanoTime();
        ExtractableResponse<Response> chat = createChat();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");

        try (WsClient a = WsClient.connect("/ws/agent?token=" + TestTokens.agent(first));
             WsClient b = WsClient.connect("/ws/agent?token=" + TestTokens.agent(second));
             WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            assign(chatId, first, null);
            await().atMost(WAIT).until(() -> !a.ofType("chat.assigned").isEmpty() && !visitor.ofType("agent.joined").isEmpty());
            a.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a1\",\"text\":\"Let me check\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 1);
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"v1\",\"text\":\"It was 4111 1111 1111 1111\"}");
            await().atMost(WAIT).until(() -> a.ofType("message").stream().anyMatch(m -> m.path("seq").asInt() == 3));

            // refused transfers change nothing: no target, two targets, to oneself, a malformed id, another agent's chat
            a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\"}");
            a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"queueId\":\"billing\",\"agentId\":\"" + second + "\"}");
            a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"agentId\":\"" + first + "\"}");
            a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"queueId\":\"<b>x</b>\"}");
            b.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"queueId\":\"billing\"}");
            await().atMost(WAIT).until(() -> a.ofType("error").size() == 4 && b.ofType("error").size() == 1);
            assertThat(a.ofType("error")).extracting(e -> e.path("errors").get(0).path("field").asText())
                    .containsExactly("queueId", "queueId", "agentId", "queueId");
            assertThat(b.ofType("error").get(0).path("code").asText()).isEqualTo("not-assigned");
            given().auth().oauth2(token).contentType(ContentType.JSON).body("{\"queueId\":\"billing\"}")
                    .post("/api/v1/chats/" + chatId + "/transfer").then().statusCode(403);

            // the agent asks: chat.transfer.requested (the note cleaned of card numbers), acknowledged with its id
            a.send("{\"type\":\"transfer\",\"chatId\":\"" + chatId + "\",\"queueId\":\"billing\","
                    + "\"note\":\"double charge on 4111 1111 1111 1111, needs a refund\"}");
            await().atMost(WAIT).until(() -> !a.ofType("transfer.requested").isEmpty() && !events("chat.transfer.requested", chatId).isEmpty());
            KafkaTestClient.Event requested = events("chat.transfer.requested", chatId).get(0);
            EventSchemas.assertValid("session-service", "chat.transfer.requested", requested.data());
            JsonNode r = json(requested.data());
            assertThat(events("chat.transfer.requested", chatId)).hasSize(1);
            assertThat(r.path("requestId").asText()).isEqualTo(a.ofType("transfer.requested").get(0).path("requestId").asText());
            assertThat(r.path("fromAgentId").asText()).isEqualTo(first);
            assertThat(r.path("queueId").asText()).isEqualTo("billing");
            assertThat(r.path("agentId").isNull()).isTrue();
            assertThat(r.path("note").asText()).doesNotContain("4111 1111 1111 1111").contains("needs a refund");

            // routing moved it: the first agent is told and may no longer write in it
            String transferred = "{\"chatId\":\"" + chatId + "\",\"requestId\":\"" + r.path("requestId").asText() + "\",\"fromAgentId\":\""
                    + first + "\",\"queueId\":\"billing\",\"agentId\":null,\"note\":\"needs a refund\",\"transferredAt\":\"2025-01-01T10:01:00Z\"}";
            EventSchemas.assertValid("routing-service", "chat.transferred", transferred);
            kafka.send("chat-events", chatId, "chat.transferred", "/routing-service", transferred);
            await().atMost(WAIT).until(() -> !a.ofType("chat.transferred").isEmpty());
            assertThat(a.ofType("chat.transferred").get(0).path("queueId").asText()).isEqualTo("billing");
            await().atMost(WAIT).untilAsserted(() -> given().auth().oauth2(token).get("/api/v1/chats/" + chatId)
                    .then().body("status", equalTo("QUEUED")).body("queueId", equalTo("billing")));
            a.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a-late\",\"text\":\"still here?\"}");
            await().atMost(WAIT).until(() -> a.ofType("error").size() == 5);
            assertThat(a.ofType("error").get(4).path("code").asText()).isEqualTo("not-assigned");
            // the visitor keeps writing while the chat moves: it reaches the next agent with the rest
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"v2\",\"text\":\"hello?\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("ack").size() == 2);

            // the next agent is offered it with the reason, takes it, and gets everything said so far, once, in order
            String offerId = "offer-" + System.nanoTime();
            String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + second + "\",\"queueId\":\"billing\",\"offerId\":\""
                    + offerId + "\",\"offeredAt\":\"2025-01-01T10:01:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\","
                    + "\"transfer\":{\"fromAgentId\":\"" + first + "\",\"note\":\"needs a refund\"}}";
            EventSchemas.assertValid("routing-service", "chat.offered", offered);
            kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
            await().atMost(WAIT).until(() -> !b.ofType("offer").isEmpty());
            assertThat(b.ofType("offer").get(0).path("transfer").path("fromAgentId").asText()).isEqualTo(first);
            String assigned = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + second + "\",\"queueId\":\"billing\",\"offerId\":\""
                    + offerId + "\",\"assignedAt\":\"2025-01-01T10:01:05Z\",\"agent\":{\"id\":\"" + second
                    + "\",\"displayName\":\"Boris\",\"title\":\"Billing\",\"avatarUrl\":null},\"transferredFrom\":\"" + first + "\"}";
            EventSchemas.assertValid("routing-service", "chat.assigned", assigned);
            kafka.send("chat-events", chatId, "chat.assigned", "/routing-service", assigned);
            await().atMost(WAIT).until(() -> !visitor.ofType("transferred").isEmpty() && b.ofType("message").size() >= 4);
            assertThat(visitor.ofType("transferred").get(0).path("agent").path("displayName").asText()).isEqualTo("Boris");
            assertThat(visitor.ofType("agent.joined")).hasSize(1); // the first agent's; the second came as "transferred"
            assertThat(b.ofType("chat.assigned").get(0).path("transferredFrom").asText()).isEqualTo(first);
            assertThat(b.ofType("message")).extracting(m -> m.path("seq").asInt()).containsExactly(1, 2, 3, 4);
            assertThat(b.ofType("message")).extracting(m -> m.path("from").asText())
                    .containsExactly("visitor", "agent", "visitor", "visitor");
            // the new agent writes; the old one hears nothing more of this chat
            b.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"b1\",\"text\":\"I have refunded it\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 2);
            assertThat(visitor.ofType("message").get(1).path("seq").asInt()).isEqualTo(5);
            assertThat(a.ofType("message")).extracting(m -> m.path("seq").asInt()).doesNotContain(4, 5);

            // a supervisor may move any held chat over REST; routing refusing it reaches the holding agent
            // with an Idempotency-Key (the contract): a retry gets the same request id and asks routing nothing more
            String moveId = given().auth().oauth2(TestTokens.supervisor()).contentType(ContentType.JSON).header("Idempotency-Key", "move-1")
                    .body("{\"agentId\":\"" + first + "\"}").post("/api/v1/chats/" + chatId + "/transfer").then().statusCode(202)
                    .body("status", equalTo("REQUESTED")).extract().path("requestId");
            given().auth().oauth2(TestTokens.supervisor()).contentType(ContentType.JSON).header("Idempotency-Key", "move-1")
                    .body("{\"agentId\":\"" + first + "\"}").post("/api/v1/chats/" + chatId + "/transfer").then().statusCode(202)
                    .body("requestId", equalTo(moveId));
            // a marker on the same chat after the retry (the agent's tags): once here, a second request would be too
            b.send("{\"type\":\"tag\",\"chatId\":\"" + chatId + "\",\"tags\":[\"transfer-marker\"]}");
            await().atMost(WAIT).until(() -> !events("chat.tagged", chatId).isEmpty());
            assertThat(events("chat.transfer.requested", chatId)).hasSize(2);
            JsonNode bySupervisor = json(events("chat.transfer.requested", chatId).get(1).data());
            assertThat(bySupervisor.path("requestId").asText()).isEqualTo(moveId);
            assertThat(bySupervisor.path("fromAgentId").asText()).isEqualTo(second);
            assertThat(bySupervisor.path("agentId").asText()).isEqualTo(first);
            String failed = "{\"chatId\":\"" + chatId + "\",\"requestId\":\"" + bySupervisor.path("requestId").asText()
                    + "\",\"fromAgentId\":\"" + second + "\",\"reason\":\"agent-unavailable\",\"failedAt\":\"2025-01-01T10:02:00Z\"}";
            EventSchemas.assertValid("routing-service", "chat.transfer.failed", failed);
            kafka.send("chat-events", chatId, "chat.transfer.failed", "/routing-service", failed);
            await().atMost(WAIT).until(() -> b.ofType("error").stream().anyMatch(e -> "transfer-failed".equals(e.path("code").asText())));
            given().auth().oauth2(token).get("/api/v1/chats/" + chatId).then().body("status", equalTo("ACTIVE"));

            // the survey with an Idempotency-Key: a retry is answered again and counted once; another body is a second survey
            b.send("{\"type\":\"close\",\"chatId\":\"" + chatId + "\"}");
            await().atMost(WAIT).until(() -> !visitor.ofType("closed").isEmpty());
            for (int i = 0; i < 2; i++) {
                given().auth().oauth2(token).contentType(ContentType.JSON).header("Idempotency-Key", "survey-1")
                        .body("{\"csat\":5,\"comment\":\"thanks\"}").post("/api/v1/chats/" + chatId + "/survey").then().statusCode(201)
                        .body("status", equalTo("RECEIVED"));
            }
            given().auth().oauth2(token).contentType(ContentType.JSON).header("Idempotency-Key", "survey-1")
                    .body("{\"csat\":1}").post("/api/v1/chats/" + chatId + "/survey").then().statusCode(409);
            b.send("{\"type\":\"tag\",\"chatId\":\"" + chatId + "\",\"tags\":[\"survey-marker\"]}");
            await().atMost(WAIT).until(() -> events("chat.tagged", chatId).size() == 2);
            assertThat(events("chat.surveyed", chatId)).hasSize(1);
        }
    }

    @Test
    void resumeAfterLiveDeliveryStartedSendsNothingTwice() throws Exception {
        String agentId = "agent-r-" + System.nanoTime();
        ExtractableResponse<Response> chat = createChat();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId));
             WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            assign(chatId, agentId, null);
            await().atMost(WAIT).until(() -> !agent.ofType("chat.assigned").isEmpty());
            // as the desk does after every chat.assigned: what it has not seen (the socket's open may have read the chat
            // already assigned, and then told it from lastSeq)
            agent.send("{\"type\":\"resume\",\"chatId\":\"" + chatId + "\",\"afterSeq\":0}");
            for (int i = 1; i <= 3; i++) {
                agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a" + i + "\",\"text\":\"a" + i + "\"}");
                visitor.send("{\"type\":\"message\",\"clientMsgId\":\"v" + i + "\",\"text\":\"v" + i + "\"}");
            }
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 3 && agent.ofType("message").size() == 4);
        }
        // seqs 1..7 exist. Both sides come back having seen up to seq 3; before they ask, the other side writes again
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId));
             WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            await().atMost(WAIT).until(() -> !agent.ofType("chat.assigned").isEmpty() && !visitor.ofType("agent.joined").isEmpty());
            assertThat(agent.ofType("chat.assigned").get(0).path("lastSeq").asInt()).isEqualTo(7);
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a4\",\"text\":\"a4\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 1);
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"v4\",\"text\":\"v4\"}");
            await().atMost(WAIT).until(() -> agent.ofType("message").size() == 1);
            assertThat(visitor.ofType("message").get(0).path("seq").asInt()).isEqualTo(8);
            assertThat(agent.ofType("message").get(0).path("seq").asInt()).isEqualTo(9);

            visitor.send("{\"type\":\"resume\",\"afterSeq\":3}");
            agent.send("{\"type\":\"resume\",\"chatId\":\"" + chatId + "\",\"afterSeq\":3}");
            // a marker after the resumes: once it arrived, a duplicate from the resumes would have too
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a5\",\"text\":\"marker\"}");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"v5\",\"text\":\"marker\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").stream().anyMatch(m -> "marker".equals(m.path("text").asText()))
                    && agent.ofType("message").stream().anyMatch(m -> "marker".equals(m.path("text").asText())));
            // each seq once per connection: resume gave 4..7 and the connection's own new message (both sides), and
            // nothing that had come live already
            List<Integer> toVisitor = visitor.ofType("message").stream().map(m -> m.path("seq").asInt()).toList();
            List<Integer> toAgent = agent.ofType("message").stream().map(m -> m.path("seq").asInt()).toList();
            assertThat(toVisitor).doesNotHaveDuplicates().containsAll(List.of(4, 5, 6, 7, 8, 9));
            assertThat(toAgent).doesNotHaveDuplicates().containsAll(List.of(4, 5, 6, 7, 8, 9));
            assertThat(toVisitor).doesNotContain(1, 2, 3);
            assertThat(toAgent).doesNotContain(1, 2, 3);
        }
        // a visitor socket that names its last seq when it opens gets what it missed first, then live, in seq order
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token + "&afterSeq=5");
             WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId) + "&resume=" + chatId + ":5")) {
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 6 && agent.ofType("message").size() == 6);
            // the desktop named its last seq too: the chat, then what it missed, in order
            assertThat(agent.ofType("message")).extracting(m -> m.path("seq").asInt()).containsExactly(6, 7, 8, 9, 10, 11);
            assertThat(agent.frames().indexOf(agent.ofType("chat.assigned").get(0)))
                    .isLessThan(agent.frames().indexOf(agent.ofType("message").get(0)));
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"a6\",\"text\":\"a6\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("message").size() == 7);
            assertThat(visitor.ofType("message")).extracting(m -> m.path("seq").asInt()).containsExactly(6, 7, 8, 9, 10, 11, 12);
        }
    }

    @Test
    void anAgentBackAfterItsChatClosedGetsWhatItMissedThenTheClose() throws Exception {
        String agentId = "agent-c-" + System.nanoTime();
        ExtractableResponse<Response> chat = createChat();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId));
             WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            assign(chatId, agentId, null);
            await().atMost(WAIT).until(() -> !agent.ofType("chat.assigned").isEmpty() && !visitor.ofType("agent.joined").isEmpty());
        }
        // the agent's socket is gone (its instance died, the broker away: what follows never reached it); the visitor
        // writes twice and ends the chat
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"m1\",\"text\":\"one more thing\"}");
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"m2\",\"text\":\"and another\"}");
            await().atMost(WAIT).until(() -> visitor.ofType("ack").size() == 2);
        }
        given().auth().oauth2(token).post("/api/v1/chats/" + chatId + "/close").then().statusCode(200);
        // back, naming the chat with the last seq it had (1, the start's message): the two messages, then the close
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId) + "&resume=" + chatId + ":1")) {
            // (the close's event may reach this socket too, and then also before them, when it is read after the open)
            await().atMost(WAIT).until(() -> agent.ofType("message").size() == 2 && agent.frames()
                    .lastIndexOf(agent.ofType("chat.closed").isEmpty() ? null : agent.ofType("chat.closed").getLast())
                    > agent.frames().indexOf(agent.ofType("message").get(1)));
            assertThat(agent.ofType("message")).extracting(m -> m.path("seq").asInt()).containsExactly(2, 3);
            assertThat(agent.ofType("chat.closed")).extracting(f -> f.path("chatId").asText()).containsOnly(chatId);
        }
        // another agent naming the chat gets nothing of it
        try (WsClient other = WsClient.connect("/ws/agent?token=" + TestTokens.agent("agent-o-" + System.nanoTime())
                + "&resume=" + chatId + ":0")) {
            other.send("{\"type\":\"resume\",\"chatId\":\"" + chatId + "\",\"afterSeq\":0}");
            await().atMost(WAIT).until(() -> !other.ofType("error").isEmpty()); // the marker: its open was handled before
            assertThat(other.ofType("error").get(0).path("code").asText()).isEqualTo("not-assigned");
            assertThat(other.ofType("message")).isEmpty();
            assertThat(other.ofType("chat.closed")).isEmpty();
        }
    }

    @Test
    void aClosedChatExpiresAndAgentsReadOnlyTheirOwnChats() throws Exception {
        String agentId = "agent-x-" + System.nanoTime();
        ExtractableResponse<Response> chat = given().contentType(ContentType.JSON)
                .body("{\"form\":{\"order\":\"card 4111 1111 1111 1111\"},\"visitor\":{\"name\":\"4111111111111111\"},\"message\":\"hi\"}")
                .post("/api/v1/chats").then().extract();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        // card numbers typed into the form or the name are masked like messages
        await().atMost(WAIT).until(() -> !events("chat.requested", chatId).isEmpty());
        JsonNode requested = json(events("chat.requested", chatId).get(0).data());
        assertThat(requested.path("form").path("order").asText()).isEqualTo("card **** **** **** 1111");
        assertThat(requested.path("visitor").path("name").asText()).doesNotContain("4111111111111111");
        // the token has a lifetime from the start
        long tokenTtl = redis.key().ttl(Keys.visitorToken(io.chatroute.session.domain.VisitorTokens.sha256Hex(token)));
        assertThat(tokenTtl).isBetween(Duration.ofDays(7).toSeconds() - 60, Duration.ofDays(7).toSeconds());

        // an agent reads a chat only once it is offered or assigned to them; a supervisor reads any
        given().auth().oauth2(TestTokens.agent(agentId)).get("/api/v1/chats/" + chatId).then().statusCode(403);
        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/chats/" + chatId).then().statusCode(200);
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\",\"offerId\":\"o-x\","
                    + "\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\"}";
            kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
            await().atMost(WAIT).until(() -> !agent.ofType("offer").isEmpty());
            given().auth().oauth2(TestTokens.agent(agentId)).get("/api/v1/chats/" + chatId).then().statusCode(200)
                    .body("status", equalTo("OFFERED"));
            given().auth().oauth2(TestTokens.agent("someone-else")).get("/api/v1/chats/" + chatId).then().statusCode(403);
            // a decline's reason reaches the event without control characters
            agent.send("{\"type\":\"offer.decline\",\"chatId\":\"" + chatId + "\",\"reason\":\"busy\\u0000 now\\u202E\"}");
            await().atMost(WAIT).until(() -> !events("chat.offer.declined", chatId).isEmpty());
            assertThat(json(events("chat.offer.declined", chatId).get(0).data()).path("reason").asText()).isEqualTo("busy now");
        }

        // closed: the chat's keys expire after the retention (24 h), history-service keeps the record
        given().auth().oauth2(token).post("/api/v1/chats/" + chatId + "/close").then().statusCode(200);
        long chatTtl = redis.key().ttl(Keys.chat(chatId));
        long messagesTtl = redis.key().ttl(Keys.messages(chatId));
        assertThat(chatTtl).isBetween(Duration.ofHours(24).toSeconds() - 60, Duration.ofHours(24).toSeconds());
        assertThat(messagesTtl).isBetween(Duration.ofHours(24).toSeconds() - 60, Duration.ofHours(24).toSeconds());
    }

    @Test
    void aChatPutBackInLineLeavesItsAgentAndAClosedQueueTellsTheVisitor() throws Exception {
        String agentId = "agent-l-" + System.nanoTime();
        ExtractableResponse<Response> chat = createChat();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId));
             WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            assign(chatId, agentId, null);
            await().atMost(WAIT).until(() -> !agent.ofType("chat.assigned").isEmpty() && !visitor.ofType("agent.joined").isEmpty());
            // routing took the chat back (the agent chose OFFLINE elsewhere): at the front of its queue
            String requeued = "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                    + "\"priority\":0,\"position\":1,\"estimatedWaitSeconds\":30,\"queuedAt\":\"2025-01-01T10:00:00Z\",\"reason\":\"agent-lost\"}";
            EventSchemas.assertValid("routing-service", "chat.queued", requeued);
            kafka.send("chat-events", chatId, "chat.queued", "/routing-service", requeued);
            await().atMost(WAIT).until(() -> !agent.ofType("chat.transferred").isEmpty()
                    && visitor.ofType("queued").stream().anyMatch(q -> q.path("position").asInt() == 1));
            assertThat(agent.ofType("chat.transferred").get(0).path("reason").asText()).isEqualTo("agent-lost");
            await().atMost(WAIT).untilAsserted(() -> given().auth().oauth2(token).get("/api/v1/chats/" + chatId)
                    .then().body("status", equalTo("QUEUED")).body("agent", org.hamcrest.Matchers.nullValue()));
            agent.send("{\"type\":\"message\",\"chatId\":\"" + chatId + "\",\"clientMsgId\":\"gone\",\"text\":\"hi\"}");
            await().atMost(WAIT).until(() -> !agent.ofType("error").isEmpty());
            assertThat(agent.ofType("error").get(0).path("code").asText()).isEqualTo("not-assigned");

            // given back to the same agent later: both sides are told again (a new assignment, not a repeat)
            assign(chatId, agentId, null);
            await().atMost(WAIT).until(() -> agent.ofType("chat.assigned").size() == 2 && visitor.ofType("agent.joined").size() == 2);
        }

        ExtractableResponse<Response> closed = createChat();
        String closedId = closed.path("chatId");
        String closedToken = closed.path("visitorToken");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + closedId + "?token=" + closedToken)) {
            String offline = "{\"chatId\":\"" + closedId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                    + "\"priority\":0,\"status\":\"OFFLINE\",\"reason\":\"closed\",\"nextOpenAt\":\"2030-01-07T06:00:00Z\","
                    + "\"queuedAt\":\"2025-01-01T10:00:00Z\"}";
            EventSchemas.assertValid("routing-service", "chat.offline", offline);
            kafka.send("chat-events", closedId, "chat.offline", "/routing-service", offline);
            await().atMost(WAIT).until(() -> !visitor.ofType("offline").isEmpty());
            assertThat(visitor.ofType("offline").get(0).path("nextOpenAt").asText()).isEqualTo("2030-01-07T06:00:00Z");
            assertThat(visitor.ofType("offline").get(0).has("atOpen")).isFalse(); // a live change
        }
        given().auth().oauth2(closedToken).get("/api/v1/chats/" + closedId).then().body("status", equalTo("OFFLINE"))
                .body("nextOpenAt", equalTo("2030-01-07T06:00:00Z"));
        // a visitor who comes back is told the same at once, marked as the open's account (atOpen, an addition)
        try (WsClient again = WsClient.connect("/ws/visitor/" + closedId + "?token=" + closedToken)) {
            await().atMost(WAIT).until(() -> !again.ofType("offline").isEmpty());
            assertThat(again.ofType("offline").get(0).path("atOpen").asBoolean()).isTrue();
            assertThat(again.ofType("offline").get(0).path("nextOpenAt").asText()).isEqualTo("2030-01-07T06:00:00Z");
        }
    }
    /**
     * routing-service could place the chat in no queue (chat.routing.failed, e.g. accepted while routing was away):
     * session closes it by the system with reason not-routed (chat.closed), and tells the visitor, who would otherwise
     * wait for ever.
     */
    @Test
    void aChatRoutingCouldNotPlaceIsClosedForTheVisitor() throws Exception {
        ExtractableResponse<Response> chat = createChat();
        String chatId = chat.path("chatId");
        String token = chat.path("visitorToken");
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chatId + "?token=" + token)) {
            String failed = "{\"chatId\":\"" + chatId + "\",\"reason\":\"no-queue\",\"queueId\":null,"
                    + "\"failedAt\":\"2025-01-01T10:00:00Z\"}";
            EventSchemas.assertValid("routing-service", "chat.routing.failed", failed);
            kafka.send("chat-events", chatId, "chat.routing.failed", "/routing-service", failed);
            await().atMost(WAIT).until(() -> !visitor.ofType("closed").isEmpty());
            assertThat(visitor.ofType("closed").get(0).path("by").asText()).isEqualTo("system");
            assertThat(visitor.ofType("closed").get(0).path("reason").asText()).isEqualTo("not-routed");
            assertThat(visitor.ofType("closed").get(0).path("surveyRequested").asBoolean()).isFalse();
        }
        given().auth().oauth2(token).get("/api/v1/chats/" + chatId).then().body("status", equalTo("CLOSED"))
                .body("closedBy", equalTo("system")).body("closeReason", equalTo("not-routed"));
        await().atMost(WAIT).until(() -> chatEvents.stream().anyMatch(e -> chatId.equals(e.key()) && "chat.closed".equals(e.type())));
        List<KafkaTestClient.Event> closes = chatEvents.stream().filter(e -> chatId.equals(e.key()) && "chat.closed".equals(e.type())).toList();
        EventSchemas.assertValid("session-service", "chat.closed", closes.get(0).data());
        assertThat(closes.get(0).data()).contains("\"reason\":\"not-routed\"").contains("\"by\":\"system\"");
    }
}
