package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.SharedInfra;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/**
 * The consumers' failure semantics against the real Redis and Kafka: while Redis refuses the scripts (an ACL
 * denies EVAL/EVALSHA, so every projection fails with NOPERM), the state and delivery consumers retry with
 * back-off; the events are applied, in order, once Redis accepts them again. A poison record (unreadable, or breaking
 * what its producer's schema requires) goes to the dead-letter topic and the partition moves on.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class ConsumerFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static KafkaTestClient kafka;

    @Inject
    RedisDataSource redis;

    @Inject
    MeterRegistry meters;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    private static String createChat() {
        return given().contentType(ContentType.JSON)
                .body("{\"formId\":\"default\",\"visitor\":{\"name\":\"Fay\"},\"form\":{\"topic\":\"billing\"},\"message\":\"hello\"}")
                .when().post("/api/v1/chats").then().statusCode(201).extract().path("chatId");
    }

    private double retries(String channel) {
        Counter c = meters.find("chatroute_consumer_retries_total").tag("channel", channel).counter();
        return c == null ? 0 : c.count();
    }

    private String status(String chatId) {
        return redis.hash(String.class).hget(Keys.chat(chatId), "status");
    }

    @Test
    void aStoreFailureHoldsTheChatsEventsBackAndTheyAreAppliedInOrderLater() throws Exception {
        String chatId = createChat();
        String agentId = "agent-failure-" + System.nanoTime();
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            double stateBefore = retries("state");
            double deliveryBefore = retries("delivery");
            String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\","
                    + "\"offerId\":\"o-f\",\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\","
                    + "\"visitor\":{\"name\":\"Fay\"},\"form\":{},\"message\":\"hello\"}";
            String assigned = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\","
                    + "\"offerId\":\"o-f\",\"assignedAt\":\"2025-01-01T10:00:05Z\",\"agent\":{\"id\":\"" + agentId
                    + "\",\"displayName\":\"F\",\"title\":null,\"avatarUrl\":null}}";
            EventSchemas.assertValid("routing-service", "chat.offered", offered);
            EventSchemas.assertValid("routing-service", "chat.assigned", assigned);

            redis.execute("ACL", "SETUSER", "default", "+@all", "-eval", "-evalsha");
            try {
                kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);
                kafka.send("chat-events", chatId, "chat.assigned", "/routing-service", assigned);
                await().atMost(WAIT).until(() -> retries("state") > stateBefore + 2 && retries("delivery") > deliveryBefore + 2);
                // held back, not skipped: nothing applied, nothing pushed
                assertThat(status(chatId)).isEqualTo("QUEUED");
                assertThat(agent.ofType("offer")).isEmpty();
            } finally {
                redis.execute("ACL", "SETUSER", "default", "+@all");
            }

            await().atMost(WAIT).until(() -> "ACTIVE".equals(status(chatId)) && !agent.ofType("chat.assigned").isEmpty());
            List<String> types = agent.frames().stream().map(f -> f.path("type").asText())
                    .filter(t -> t.equals("offer") || t.equals("chat.assigned")).toList();
            assertThat(types).containsExactly("offer", "chat.assigned");
            // the backlog reaches the agent with the assignment: the first message, once
            await().atMost(WAIT).until(() -> !agent.ofType("message").isEmpty());
            assertThat(agent.ofType("message")).extracting(m -> m.path("seq").asInt()).containsExactly(1);
        }
        // recovered within the threshold: ready
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    void aPoisonRecordIsDeadLetteredAndThePartitionMovesOn() {
        String chatId = createChat();
        kafka.send("chat-events", chatId, "chat.queued", "/routing-service", "this is not json");
        String queued = "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\",\"ruleId\":\"default\",\"requiredSkills\":{},"
                + "\"priority\":0,\"position\":9,\"estimatedWaitSeconds\":60,\"queuedAt\":\"2025-01-01T10:00:30Z\"}";
        EventSchemas.assertValid("routing-service", "chat.queued", queued);
        kafka.send("chat-events", chatId, "chat.queued", "/routing-service", queued);
        await().atMost(WAIT).untilAsserted(() -> given().auth().oauth2(TestTokens.platform()).get("/api/v1/chats/" + chatId)
                .then().body("position", equalTo(9)));

        List<KafkaTestClient.Event> dead = kafka.collect("dead-letter-topic-state");
        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> chatId.equals(e.key())));
        KafkaTestClient.Event parked = dead.stream().filter(e -> chatId.equals(e.key())).findFirst().orElseThrow();
        assertThat(parked.data()).isEqualTo("this is not json");
        assertThat(parked.type()).isEqualTo("chat.queued");
        assertThat(parked.headers()).containsKeys("dead-letter-reason", "dead-letter-topic", "dead-letter-offset");
        assertThat(meters.find("chatroute_consumer_dead_letters_total").tag("channel", "state").counter().count())
                .isGreaterThanOrEqualTo(1);
    }

    /**
     * kb.suggested and stats.updated are pushed by delivery alone (per instance, never projected): their poison records
     * are parked by the state consumer, which reads kb-events and stats-events for that (before, delivery skipped them
     * and no one parked them).
     */
    @Test
    void poisonRecordsOfWhatOnlyDeliveryUsesAreDeadLettered() {
        String chatId = createChat();
        String statsKey = "stats-poison-" + System.nanoTime();
        List<KafkaTestClient.Event> dead = kafka.collect("dead-letter-topic-state");
        double before = deadLetters();
        kafka.send("kb-events", chatId, "kb.suggested", "/knowledge-service", "{\"chatId\":\"" + chatId + "\",\"items\":[],"
                + "\"suggestedAt\":\"2025-01-01T10:00:00Z\"}"); // no forSeq
        kafka.send("stats-events", statsKey, "stats.updated", "/routing-service", "not json");
        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> chatId.equals(e.key()))
                && dead.stream().anyMatch(e -> statsKey.equals(e.key())));
        KafkaTestClient.Event suggested = dead.stream().filter(e -> chatId.equals(e.key())).findFirst().orElseThrow();
        assertThat(suggested.type()).isEqualTo("kb.suggested");
        assertThat(suggested.headers().get("dead-letter-reason")).contains("forSeq");
        assertThat(suggested.headers().get("dead-letter-topic")).isEqualTo("kb-events");
        assertThat(dead.stream().filter(e -> statsKey.equals(e.key())).findFirst().orElseThrow().type()).isEqualTo("stats.updated");
        assertThat(deadLetters() - before).isGreaterThanOrEqualTo(2);
    }

    private double deadLetters() {
        Counter c = meters.find("chatroute_consumer_dead_letters_total").tag("channel", "state").counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void recordsBreakingTheProducersSchemaAreDeadLetteredAndTheChatsNextEventIsApplied() throws Exception {
        String chatId = createChat();
        String agentId = "agent-shape-" + System.nanoTime();
        List<KafkaTestClient.Event> dead = kafka.collect("dead-letter-topic-state");
        try (WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            // valid JSON with the chat's id, each breaking one field routing-service's schema requires
            kafka.send("chat-events", chatId, "chat.offered", "/routing-service", "{\"chatId\":\"" + chatId + "\",\"queueId\":\"general\","
                    + "\"offerId\":\"o-x\",\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\"}");
            kafka.send("chat-events", chatId, "chat.assigned", "/routing-service", "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId
                    + "\",\"queueId\":\"general\",\"offerId\":\"o-x\",\"assignedAt\":\"2025-01-01T10:00:05Z\",\"agent\":\"F\"}");
            // then a valid offer of the chat, behind them in the same partition
            String offered = "{\"chatId\":\"" + chatId + "\",\"agentId\":\"" + agentId + "\",\"queueId\":\"general\","
                    + "\"offerId\":\"o-y\",\"offeredAt\":\"2025-01-01T10:00:01Z\",\"expiresAt\":\"" + TestOffers.expiresAt() + "\"}";
            EventSchemas.assertValid("routing-service", "chat.offered", offered);
            kafka.send("chat-events", chatId, "chat.offered", "/routing-service", offered);

            await().atMost(WAIT).until(() -> "OFFERED".equals(status(chatId)) && !agent.ofType("offer").isEmpty());
            assertThat(agent.ofType("offer")).extracting(f -> f.path("offerId").asText()).containsExactly("o-y");
            assertThat(agent.ofType("chat.assigned")).isEmpty();
            await().atMost(WAIT).until(() -> dead.stream().filter(e -> chatId.equals(e.key())).count() == 2);
            assertThat(dead.stream().filter(e -> chatId.equals(e.key())).map(e -> e.headers().get("dead-letter-reason")).toList())
                    .satisfiesExactly(r -> assertThat(r).contains("agentId"), r -> assertThat(r).contains("agent "));
        }
    }

    @Test
    void theDeliveryConsumersNextOffsetIsAGaugeThatReachesEachPartitionsEnd() throws Exception {
        createChat(); // its chat.requested goes to chat-events
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedInfra.get().kafkaBootstrapServers()))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of("chat-events")).allTopicNames().get().get("chat-events")
                    .partitions().stream().map(p -> new TopicPartition("chat-events", p.partition())).toList();
            assertThat(partitions).isNotEmpty();
            // the delivery group never commits: its position is visible only as this gauge
            await().atMost(WAIT).untilAsserted(() -> {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                partitions.forEach(p -> latest.put(p, OffsetSpec.latest()));
                var ends = admin.listOffsets(latest).all().get();
                for (TopicPartition p : partitions) {
                    Gauge g = meters.find("chatroute.delivery.next.offset").tag("topic", "chat-events")
                            .tag("partition", Integer.toString(p.partition())).gauge();
                    assertThat(g).as(p.toString()).isNotNull();
                    assertThat((long) g.value()).as(p.toString()).isEqualTo(ends.get(p).offset());
                }
            });
        }
    }
}
