package io.chatroute.knowledge.messaging;

import static io.chatroute.knowledge.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.knowledge.domain.Suggestions;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** chat.message.posted in through real Kafka, kb.suggested out on kb-events. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class SuggestionFlowTest {

    static final String DEAD_LETTER_TOPIC = "dead-letter-topic-knowledge-chat-events";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> suggested;

    @BeforeEach
    void setUp() {
        if (kafka != null) {
            return;
        }
        as(TestTokens.admin()).body("""
                {"title":"Lost parcel claims","body":"If your parcel is lost, open a lost parcel claim and we refund you.","language":"en"}""")
                .put("/api/v1/kb/articles/flow-lost-parcel").then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        as(TestTokens.admin()).body("""
                {"title":"Lost parcel escalation (internal)","body":"Escalate lost parcel claims over 500 EUR.","language":"en","public":false}""")
                .put("/api/v1/kb/articles/flow-lost-internal").then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        as(TestTokens.admin()).body("""
                {"title":"Потерянная посылка","body":"Если посылка потерялась, мы вернём деньги.","language":"ru"}""")
                .put("/api/v1/kb/articles/flow-ru-parcel").then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        kafka = new KafkaTestClient();
        suggested = kafka.collect("kb-events");
    }

    @AfterAll
    static void tearDown() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    private static String posted(String chatId, int seq, String from, String text, String language) {
        String json = """
                {"chatId":"%s","seq":%d,"messageId":"%s","clientMsgId":"c-%d","from":"%s","senderId":null,"text":"%s","language":%s,"sentAt":"%s"}"""
                .formatted(chatId, seq, UUID.randomUUID(), seq, from, text, language == null ? "null" : "\"" + language + "\"",
                        Instant.now().toString());
        EventSchemas.assertValid("session-service", "chat.message.posted", json);
        return json;
    }

    private static List<KafkaTestClient.Event> forChat(String chatId) {
        return suggested.stream().filter(e -> chatId.equals(e.key())).toList();
    }

    @Test
    void aBatchWithADuplicateAndAPoisonRecordBetweenGoodOnesIsAnsweredInOrder() throws Exception {
        List<KafkaTestClient.Event> dead = kafka.collect(DEAD_LETTER_TOPIC);
        String chatId = "chat-" + UUID.randomUUID();
        String first = UUID.randomUUID().toString();
        String poisonId = UUID.randomUUID().toString();
        String second = UUID.randomUUID().toString();
        String poison = "{\"chatId\":\"" + chatId + "\",\"seq\":0}";
        // produced together (one request, one key): one record batch in the partition, one poll
        String bootstrap = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("kafka.bootstrap.servers", String.class);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(
                java.util.Map.of("bootstrap.servers", bootstrap, "acks", "all", "linger.ms", "1000"),
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            String m1 = posted(chatId, 1, "visitor", "My parcel is lost, what now?", "en");
            for (String[] r : List.of(new String[] {first, m1}, new String[] {first, m1}, new String[] {poisonId, poison},
                    new String[] {second, posted(chatId, 2, "visitor", "Где моя посылка?", "ru")})) {
                var record = new org.apache.kafka.clients.producer.ProducerRecord<String, String>("chat-events", chatId, r[1]);
                record.headers().add("ce_specversion", "1.0".getBytes());
                record.headers().add("ce_id", r[0].getBytes());
                record.headers().add("ce_type", "chat.message.posted".getBytes());
                record.headers().add("ce_source", "/session-service".getBytes());
                producer.send(record);
            }
            producer.flush();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> forChat(chatId).stream()
                .anyMatch(e -> Suggestions.eventId(second).equals(e.id())));
        // in record order; the repeated source event gives the same kb.suggested id
        assertThat(forChat(chatId)).extracting(KafkaTestClient.Event::id).containsExactly(
                Suggestions.eventId(first), Suggestions.eventId(first), Suggestions.eventId(second));
        assertThat(forChat(chatId)).extracting(e -> JSON.readTree(e.data()).get("forSeq").asInt()).containsExactly(1, 1, 2);
        await().atMost(Duration.ofSeconds(30)).until(() -> dead.stream().anyMatch(e -> poisonId.equals(e.id())));
        KafkaTestClient.Event letter = dead.stream().filter(e -> poisonId.equals(e.id())).findFirst().orElseThrow();
        assertThat(letter.data()).isEqualTo(poison);
        assertThat(letter.headers()).containsEntry("dead-letter-topic", "chat-events").containsKey("dead-letter-offset");
        assertThat(letter.headers().get("dead-letter-reason")).startsWith("unreadable chat.message.posted");
        // only the poison record was dead-lettered
        assertThat(dead.stream().filter(e -> chatId.equals(e.key()))).hasSize(1);
    }

    @Test
    void visitorMessageGetsPublicSuggestionsWithAStableId() throws Exception {
        String chatId = "chat-" + UUID.randomUUID();
        String sourceId = kafka.send("chat-events", chatId, "chat.message.posted", "/session-service",
                posted(chatId, 3, "visitor", "My parcel is lost, what now?", "en"));

        await().atMost(Duration.ofSeconds(30)).until(() -> !forChat(chatId).isEmpty());
        KafkaTestClient.Event event = forChat(chatId).get(0);
        EventSchemas.assertValid("knowledge-service", "kb.suggested", event.data());
        assertThat(event.type()).isEqualTo("kb.suggested");
        assertThat(event.source()).isEqualTo("/knowledge-service");
        assertThat(event.subject()).isEqualTo(chatId);
        assertThat(event.id()).isEqualTo(Suggestions.eventId(sourceId));
        assertThat(event.headers()).containsEntry("ce_specversion", "1.0").containsKey("ce_time");
        assertThat(event.headers().get("content-type")).startsWith("application/json");

        JsonNode data = JSON.readTree(event.data());
        assertThat(data.get("chatId").asText()).isEqualTo(chatId);
        assertThat(data.get("forSeq").asInt()).isEqualTo(3);
        assertThat(data.get("language").asText()).isEqualTo("en");
        assertThat(data.get("items").size()).isBetween(1, 3);
        assertThat(data.get("items").get(0).get("articleId").asText()).isEqualTo("flow-lost-parcel");
        List<String> ids = data.get("items").findValuesAsText("articleId");
        assertThat(ids).doesNotContain("flow-lost-internal");

        // the same source event delivered again: same kb.suggested id, so consumers dedupe
        kafka.send("chat-events", chatId, sourceId, "chat.message.posted", "/session-service",
                posted(chatId, 3, "visitor", "My parcel is lost, what now?", "en"));
        await().atMost(Duration.ofSeconds(30)).until(() -> forChat(chatId).size() >= 2);
        assertThat(forChat(chatId)).extracting(KafkaTestClient.Event::id).containsOnly(Suggestions.eventId(sourceId));
    }

    @Test
    void languageOfTheMessageIsSearchedFirst() throws Exception {
        String chatId = "chat-" + UUID.randomUUID();
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service",
                posted(chatId, 1, "visitor", "Где моя посылка?", "ru"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !forChat(chatId).isEmpty());
        KafkaTestClient.Event event = forChat(chatId).get(0);
        EventSchemas.assertValid("knowledge-service", "kb.suggested", event.data());
        JsonNode data = JSON.readTree(event.data());
        assertThat(data.get("language").asText()).isEqualTo("ru");
        assertThat(data.get("items").get(0).get("articleId").asText()).isEqualTo("flow-ru-parcel");
        assertThat(data.get("items").get(0).get("language").asText()).isEqualTo("ru");
    }

    @Test
    void agentMessagesOtherEventsAndMessagesWithoutHitsGetNoSuggestion() {
        String chatId = "chat-" + UUID.randomUUID();
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service",
                posted(chatId, 1, "agent", "Your lost parcel claim is open", "en"));
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service",
                posted(chatId, 2, "visitor", "xylophone zzyzx", "en"));
        kafka.send("chat-events", chatId, "chat.closed", "/session-service",
                "{\"chatId\":\"" + chatId + "\",\"by\":\"visitor\",\"agentId\":null,\"closedAt\":\"" + Instant.now() + "\"}");
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service", "{not json");
        // a marker message processed after the others (same key, same partition, in order)
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service",
                posted(chatId, 4, "visitor", "lost parcel", null));
        await().atMost(Duration.ofSeconds(30)).until(() -> !forChat(chatId).isEmpty());
        List<KafkaTestClient.Event> events = forChat(chatId);
        assertThat(events).hasSize(1);
        events.forEach(e -> EventSchemas.assertValid("knowledge-service", "kb.suggested", e.data()));
        assertThat(events.get(0).data()).contains("\"forSeq\":4").contains("\"language\":null");
    }

    @Test
    void unreadableMessagesAreDeadLetteredAndTheNextMessageIsAnswered() {
        List<KafkaTestClient.Event> dead = kafka.collect(DEAD_LETTER_TOPIC);
        String chatId = "chat-" + UUID.randomUUID();
        String notJson = kafka.send("chat-events", chatId, "chat.message.posted", "/session-service", "{not json");
        String noSeq = "{\"chatId\":\"" + chatId + "\",\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"lost parcel\","
                + "\"sentAt\":\"" + Instant.now() + "\"}";
        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> EventSchemas.assertValid("session-service", "chat.message.posted", noSeq)).isInstanceOf(AssertionError.class);
        String invalid = kafka.send("chat-events", chatId, "chat.message.posted", "/session-service", noSeq);
        // the next good message of the same chat (same partition, after both): the consumer is not stuck
        kafka.send("chat-events", chatId, "chat.message.posted", "/session-service", posted(chatId, 5, "visitor", "lost parcel", "en"));

        await().atMost(Duration.ofSeconds(30)).until(() -> !forChat(chatId).isEmpty());
        assertThat(forChat(chatId)).hasSize(1);
        assertThat(forChat(chatId).get(0).data()).contains("\"forSeq\":5");
        await().atMost(Duration.ofSeconds(30)).until(() -> dead.stream().filter(e -> chatId.equals(e.key())).count() == 2);
        List<KafkaTestClient.Event> letters = dead.stream().filter(e -> chatId.equals(e.key())).toList();
        // the records as they were (key, value, CloudEvents headers) plus the reason: what a replay needs
        assertThat(letters).extracting(KafkaTestClient.Event::id).containsExactly(notJson, invalid);
        assertThat(letters.get(0).data()).isEqualTo("{not json");
        assertThat(letters.get(0).type()).isEqualTo("chat.message.posted");
        assertThat(letters.get(0).headers().get("dead-letter-reason")).startsWith("unreadable chat.message.posted: data is not valid JSON");
        assertThat(letters.get(1).headers().get("dead-letter-reason")).isEqualTo("unreadable chat.message.posted: seq must be a whole number from 1");
        assertThat(letters.get(1).headers()).containsEntry("dead-letter-topic", "chat-events").containsKey("dead-letter-offset");
    }
}
