package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;

/**
 * One consumed batch holding a whole chat, a repeated event id and a poison record between good ones: the
 * records are produced together (one producer request, one key, so one record batch in the partition's log,
 * which one poll returns whole) and applied in one transaction, in record order; the duplicate changes
 * nothing, the poison record alone is dead-lettered, every other record is applied.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class BatchConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static KafkaTestClient kafka;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void aBatchWithADuplicateAndAPoisonRecordBetweenGoodOnesAppliesTheGoodOnesOnce() throws Exception {
        List<KafkaTestClient.Event> dead = kafka.collect(TranscriptFlowTest.DEAD_LETTER_TOPIC);
        String chat = "chat-" + UUID.randomUUID();
        Instant t = Events.T0;
        String dupId = UUID.randomUUID().toString();
        String poisonId = UUID.randomUUID().toString();
        String poison = "{\"chatId\":\"" + chat + "\",\"seq\":0,\"text\":\"bad\"}";
        List<String[]> records = List.of(
                event("session-service", "chat.requested", UUID.randomUUID().toString(), Events.requested(chat, "c-batch", t)),
                event("routing-service", "chat.queued", UUID.randomUUID().toString(), Events.queued(chat, "billing-ru", t.plusSeconds(1))),
                event("session-service", "chat.message.posted", dupId, Events.message(chat, 1, "visitor", null, "first", t.plusSeconds(2))),
                // the same event id again (a redelivery, other content): changes nothing
                event("session-service", "chat.message.posted", dupId, Events.message(chat, 5, "visitor", null, "not me", t.plusSeconds(3))),
                // poison between good records: dead-lettered alone
                new String[] {poisonId, "chat.message.posted", "/session-service", poison},
                event("routing-service", "chat.assigned", UUID.randomUUID().toString(), Events.assigned(chat, "ag-b", "billing-ru", t.plusSeconds(4))),
                event("session-service", "chat.message.posted", UUID.randomUUID().toString(), Events.message(chat, 2, "agent", "ag-b", "second", t.plusSeconds(5))),
                // the same message under a new id: stored once
                event("session-service", "chat.message.posted", UUID.randomUUID().toString(), Events.message(chat, 2, "agent", "ag-b", "second again", t.plusSeconds(6))),
                event("session-service", "chat.closed", UUID.randomUUID().toString(), Events.closed(chat, "agent", "ag-b", t.plusSeconds(7))));
        publishTogether(chat, records);

        await().atMost(WAIT).until(() -> status(chat) == 200 && "CLOSED".equals(transcript(chat).getString("status")));
        JsonPath transcript = transcript(chat);
        assertThat(transcript.getList("messages.seq", Integer.class)).containsExactly(1, 2);
        assertThat(transcript.getList("messages.text", String.class)).containsExactly("first", "second");
        assertThat(transcript.getString("visitor.customerId")).isEqualTo("c-batch");
        assertThat(transcript.getString("queueId")).isEqualTo("billing-ru");
        assertThat(transcript.getString("agentId")).isEqualTo("ag-b");
        assertThat(transcript.getList("agents.id", String.class)).containsExactly("ag-b");
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", dupId)).isEqualTo(1);
        assertThat(count("SELECT count(*) FROM processed_event WHERE event_id = ?", poisonId)).isZero();
        assertThat(count("SELECT count(*) FROM message WHERE chat_id = ?", chat)).isEqualTo(2);

        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> poisonId.equals(e.id())));
        KafkaTestClient.Event letter = dead.stream().filter(e -> poisonId.equals(e.id())).findFirst().orElseThrow();
        assertThat(letter.key()).isEqualTo(chat);
        assertThat(letter.data()).isEqualTo(poison);
        assertThat(letter.headers()).containsEntry("dead-letter-topic", Events.TOPIC).containsKey("dead-letter-offset")
                .containsKey("dead-letter-partition");
        assertThat(letter.headers().get("dead-letter-reason")).startsWith("malformed chat.message.posted");
        // only the poison record left the batch for the dead-letter topic, once
        assertThat(dead.stream().filter(e -> chat.equals(e.key()))).hasSize(1);
    }

    private static String[] event(String producer, String type, String id, String json) {
        EventSchemas.assertValid(producer, type, json);
        return new String[] {id, type, "/" + producer, json};
    }

    /** Publishes the records in one go (linger, one flush), so they land in one record batch of one partition. */
    private static void publishTogether(String key, List<String[]> records) throws Exception {
        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "1000"),
                new StringSerializer(), new StringSerializer())) {
            for (String[] r : records) {
                ProducerRecord<String, String> record = new ProducerRecord<>(Events.TOPIC, key, r[3]);
                record.headers().add("ce_specversion", bytes("1.0"));
                record.headers().add("ce_id", bytes(r[0]));
                record.headers().add("ce_type", bytes(r[1]));
                record.headers().add("ce_source", bytes(r[2]));
                record.headers().add("ce_time", bytes(Instant.now().toString()));
                record.headers().add("ce_subject", bytes(key));
                record.headers().add("content-type", bytes("application/json"));
                producer.send(record);
            }
            producer.flush();
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonPath transcript(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId)
                .then().extract().jsonPath();
    }

    private static int status(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId).statusCode();
    }

    private long count(String sql, String arg) throws Exception {
        try (Connection conn = dataSource.getConnection(); PreparedStatement st = conn.prepareStatement(sql)) {
            st.setString(1, arg);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
