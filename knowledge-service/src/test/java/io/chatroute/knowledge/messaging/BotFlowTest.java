package io.chatroute.knowledge.messaging;

import static io.chatroute.knowledge.support.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.knowledge.domain.Bot;
import io.chatroute.knowledge.persistence.StatePruning;
import io.chatroute.knowledge.support.FakeSessionService;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bot through real Kafka and PostgreSQL, posting to session-service replaced by a real HTTP server in the test
 * ({@link FakeSessionService}). Events fed in are validated against their producers' schemas.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
@QuarkusTestResource(FakeSessionService.class)
class BotFlowTest {

    static final String DEAD_LETTER_TOPIC = "dead-letter-topic-knowledge-bot-events";
    private static KafkaTestClient kafka;

    @Inject
    Pool pool;

    @Inject
    MeterRegistry registry;

    @Inject
    StatePruning pruning;

    @BeforeEach
    void setUp() {
        if (kafka == null) {
            kafka = new KafkaTestClient();
            articles();
        }
        FakeSessionService.down = false;
        bot(true, true);
    }

    @AfterEach
    void disable() {
        FakeSessionService.down = false;
        // the other test classes run with the bot off
        as(TestTokens.admin()).body("{\"enabled\":false}").put("/api/v1/kb/bot").then().statusCode(200);
    }

    @AfterAll
    static void tearDown() {
        if (kafka != null) {
            kafka.close();
            kafka = null;
        }
    }

    /** The articles the bot answers from (public "Refund timing") or must never quote (internal); idempotent. */
    static void articles() {
        as(TestTokens.admin()).body("""
                {"title":"Refund timing","body":"A refund reaches your card within 5 to 10 business days after we receive the return.",
                 "language":"en","questions":["How long does a refund take?"]}""")
                .put("/api/v1/kb/articles/bot-refund").then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
        as(TestTokens.admin()).body("""
                {"title":"Refund fraud checks (internal)","body":"Internal: how long refund take checks for agents.","language":"en","public":false}""")
                .put("/api/v1/kb/articles/bot-internal").then().statusCode(org.hamcrest.Matchers.anyOf(
                        org.hamcrest.Matchers.is(200), org.hamcrest.Matchers.is(201)));
    }

    static void bot(boolean enabled, boolean whileQueuedOnly) {
        as(TestTokens.admin()).body("{\"enabled\":" + enabled + ",\"minScore\":1,\"minMargin\":0,\"whileQueuedOnly\":" + whileQueuedOnly + "}")
                .put("/api/v1/kb/bot").then().statusCode(200);
    }

    static String requested(String chatId, String message) {
        return requested(chatId, message, "en", "{\"language\":\"en\"}");
    }

    /** chat.requested with the visitor's {@code locale} and the {@code form} (a JSON object). */
    static String requested(String chatId, String message, String locale, String form) {
        String json = """
                {"chatId":"%s","formId":"default","visitor":{"name":"Ann","email":null,"locale":"%s","customerId":null},
                 "form":%s,"message":%s,"queueId":"general","requestedAt":"%s"}"""
                .formatted(chatId, locale, form, message == null ? "null" : "\"" + message + "\"", Instant.now());
        EventSchemas.assertValid("session-service", "chat.requested", json);
        return json;
    }

    static String queued(String chatId) {
        String json = """
                {"chatId":"%s","queueId":"general","ruleId":"default","requiredSkills":{},"priority":0,"position":1,
                 "estimatedWaitSeconds":60,"queuedAt":"%s"}""".formatted(chatId, Instant.now());
        EventSchemas.assertValid("routing-service", "chat.queued", json);
        return json;
    }

    static String assigned(String chatId) {
        String json = """
                {"chatId":"%s","agentId":"ag-1","queueId":"general","offerId":"o-1","assignedAt":"%s",
                 "agent":{"id":"ag-1","displayName":"Bob","title":null,"avatarUrl":null}}""".formatted(chatId, Instant.now());
        EventSchemas.assertValid("routing-service", "chat.assigned", json);
        return json;
    }

    static String posted(String chatId, int seq, String text) {
        String json = """
                {"chatId":"%s","seq":%d,"messageId":"%s","clientMsgId":"c-%d","from":"visitor","senderId":null,"text":"%s","language":"en","sentAt":"%s"}"""
                .formatted(chatId, seq, UUID.randomUUID(), seq, text, Instant.now());
        EventSchemas.assertValid("session-service", "chat.message.posted", json);
        return json;
    }

    /** Waits until the bot has processed the event (its id recorded): the marker after which nothing more can come. */
    void awaitProcessed(String eventId) {
        await().atMost(Duration.ofSeconds(60)).until(() -> pool.preparedQuery("select 1 from bot_event where event_id = $1")
                .execute(Tuple.of(eventId)).await().indefinitely().size() == 1);
    }

    @Test
    void answersAWaitingChatOnceSaysItIsABotAndStopsWhenAnAgentJoins() {
        String chat = "bot-" + UUID.randomUUID();
        String requestedId = kafka.send("chat-events", chat, "chat.requested", "/session-service",
                requested(chat, "how long does a refund take?"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !FakeSessionService.postsFor(chat).isEmpty());
        FakeSessionService.Post post = FakeSessionService.postsFor(chat).get(0);
        assertThat(post.from()).isEqualTo("bot");
        assertThat(post.clientMsgId()).isEqualTo(Bot.clientMsgId(requestedId));
        assertThat(post.authorization()).isEqualTo("Bearer test-platform-token");
        assertThat(post.text()).contains("bot").contains("Refund timing").contains("5 to 10 business days")
                .contains("Did this answer your question?").doesNotContain("Internal");

        // the same first message as seq 1, the chat.requested redelivered, a message below the threshold: no post
        kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 1, "how long does a refund take?"));
        kafka.send("chat-events", chat, requestedId, "chat.requested", "/session-service", requested(chat, "how long does a refund take?"));
        kafka.send("chat-events", chat, "chat.queued", "/routing-service", queued(chat));
        String nonsense = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 2, "xylophone quokka"));
        awaitProcessed(nonsense);
        assertThat(FakeSessionService.postsFor(chat)).hasSize(1);

        // an agent joins: the bot stops, even for a message it would answer
        kafka.send("chat-events", chat, "chat.assigned", "/routing-service", assigned(chat));
        String after = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 3, "refund take how long"));
        kafka.send("chat-events", chat, "chat.queued", "/routing-service", queued(chat)); // a requeue does not restart it
        String later = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 4, "refund how long take"));
        awaitProcessed(after);
        awaitProcessed(later);
        assertThat(FakeSessionService.postsFor(chat)).hasSize(1);
        assertThat(FakeSessionService.ATTEMPTS.stream().filter(chat::equals)).hasSize(1);
    }

    @Test
    void aSessionOutageIsRetriedAndEachAnswerIsPostedOnce() {
        String chat = "bot-" + UUID.randomUUID();
        FakeSessionService.down = true;
        kafka.send("chat-events", chat, "chat.requested", "/session-service", requested(chat, null));
        kafka.send("chat-events", chat, "chat.queued", "/routing-service", queued(chat));
        String first = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 1, "how long does a refund take"));
        String second = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 2, "refund how long take please"));
        // retried while session-service answers 503; nothing got in
        await().atMost(Duration.ofSeconds(60)).until(() -> FakeSessionService.ATTEMPTS.stream().filter(chat::equals).count() >= 3);
        assertThat(FakeSessionService.postsFor(chat)).isEmpty();
        FakeSessionService.down = false;
        await().atMost(Duration.ofSeconds(60)).until(() -> FakeSessionService.postsFor(chat).size() == 2);
        assertThat(FakeSessionService.postsFor(chat)).extracting(FakeSessionService.Post::clientMsgId)
                .containsExactly(Bot.clientMsgId(first), Bot.clientMsgId(second));
        // a redelivered message is never answered twice
        String marker = kafka.send("chat-events", chat, first, "chat.message.posted", "/session-service",
                posted(chat, 1, "how long does a refund take"));
        awaitProcessed(marker);
        String third = kafka.send("chat-events", chat, "chat.message.posted", "/session-service", posted(chat, 3, "xylophone"));
        awaitProcessed(third);
        assertThat(FakeSessionService.postsFor(chat)).hasSize(2);
    }

    @Test
    void noAnswerWhenDisabledOrForAChatNotKnownToWait() {
        String unknown = "bot-" + UUID.randomUUID();
        String m1 = kafka.send("chat-events", unknown, "chat.message.posted", "/session-service", posted(unknown, 1, "how long does a refund take"));
        awaitProcessed(m1);
        bot(false, true);
        String disabled = "bot-" + UUID.randomUUID();
        kafka.send("chat-events", disabled, "chat.requested", "/session-service", requested(disabled, "how long does a refund take"));
        kafka.send("chat-events", disabled, "chat.message.posted", "/session-service", posted(disabled, 2, "how long does a refund take"));
        // while the bot is off, messages are not even recorded: a state event after it is the marker
        String marker = kafka.send("chat-events", disabled, "chat.queued", "/routing-service", queued(disabled));
        awaitProcessed(marker);
        assertThat(FakeSessionService.postsFor(unknown)).isEmpty();
        assertThat(FakeSessionService.postsFor(disabled)).isEmpty();
        // whileQueuedOnly=false: a chat whose start the bot did not see, with no agent known, is answered
        bot(true, false);
        String m3 = kafka.send("chat-events", unknown, "chat.message.posted", "/session-service", posted(unknown, 2, "how long does a refund take"));
        await().atMost(Duration.ofSeconds(60)).until(() -> FakeSessionService.postsFor(unknown).size() == 1);
        assertThat(FakeSessionService.postsFor(unknown).get(0).clientMsgId()).isEqualTo(Bot.clientMsgId(m3));
    }

    @Test
    void poisonRecordsAreDeadLetteredAndTheChatsNextEventIsApplied() {
        List<KafkaTestClient.Event> dead = kafka.collect(DEAD_LETTER_TOPIC);
        double deadLettersBefore = deadLetters();
        String chat = "bot-" + UUID.randomUUID();
        kafka.send("chat-events", chat, "chat.requested", "/session-service", requested(chat, null));
        // two records the bot can never apply, on the chat's partition (same key): a chat.queued whose data is not
        // JSON and a chat.requested without chatId (which breaks session-service's schema)
        String notJson = kafka.send("chat-events", chat, "chat.queued", "/routing-service", "{not json");
        String withoutChatId = requested(chat, null).replace("\"chatId\":\"" + chat + "\",", "");
        assertThatThrownBy(() -> EventSchemas.assertValid("session-service", "chat.requested", withoutChatId))
                .isInstanceOf(AssertionError.class).hasMessageContaining("chatId");
        String noChatId = kafka.send("chat-events", chat, "chat.requested", "/session-service", withoutChatId);
        // the chat's next event, behind both: applied (the partition moved on), so the waiting chat is answered
        String question = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                posted(chat, 1, "how long does a refund take"));

        await().atMost(Duration.ofSeconds(60)).until(() -> FakeSessionService.postsFor(chat).size() == 1);
        assertThat(FakeSessionService.postsFor(chat).get(0).clientMsgId()).isEqualTo(Bot.clientMsgId(question));
        await().atMost(Duration.ofSeconds(30)).until(() -> dead.stream().filter(e -> chat.equals(e.key())).count() == 2);
        List<KafkaTestClient.Event> letters = dead.stream().filter(e -> chat.equals(e.key())).toList();
        // the records as they were (key, value, CloudEvents headers) plus where they came from and why
        assertThat(letters).extracting(KafkaTestClient.Event::id).containsExactly(notJson, noChatId);
        assertThat(letters).extracting(KafkaTestClient.Event::type).containsExactly("chat.queued", "chat.requested");
        assertThat(letters).extracting(KafkaTestClient.Event::data).containsExactly("{not json", withoutChatId);
        assertThat(letters.get(0).headers().get("dead-letter-reason")).isEqualTo("unreadable chat.queued: data is not valid JSON");
        assertThat(letters.get(1).headers().get("dead-letter-reason"))
                .isEqualTo("unreadable chat.requested: chatId is missing or not a non-empty string");
        assertThat(letters).allSatisfy(l -> assertThat(l.headers()).containsEntry("dead-letter-topic", "chat-events")
                .containsKey("dead-letter-offset").containsKey("dead-letter-partition"));
        assertThat(deadLetters()).isEqualTo(deadLettersBefore + 2);
        // the good events of the chat were not dead-lettered, and the answer was posted once
        assertThat(FakeSessionService.ATTEMPTS.stream().filter(chat::equals)).hasSize(1);
    }

    @Test
    void aLongVisitorLocaleDoesNotStallTheBot() {
        String chat = "bot-" + UUID.randomUUID();
        // a language tag session-service accepts (35 characters at most), longer than any language code; no form
        // language, so it is the chat's language
        String locale = "ja-JP-u-ca-japanese-x-lvariant-JP";
        kafka.send("chat-events", chat, "chat.requested", "/session-service", requested(chat, null, locale, "{}"));
        // another chat behind it on the same partition (same key): answered, so the partition moved on
        String other = "bot-" + UUID.randomUUID();
        String question = kafka.send("chat-events", chat, "chat.requested", "/session-service",
                requested(other, "how long does a refund take?"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !FakeSessionService.postsFor(other).isEmpty());
        assertThat(FakeSessionService.postsFor(other).get(0).clientMsgId()).isEqualTo(Bot.clientMsgId(question));
        // the bot keeps the language it searches in: a supported code, or none (ja is not one), never the raw value
        assertThat(chatRow(chat)).containsExactly("WAITING", null);
        assertThat(chatRow(other)).containsExactly("WAITING", "en");
    }

    @Test
    void thePruningKeepsAChatAnAgentStillHolds() {
        String chat = "bot-" + UUID.randomUUID();
        String waiting = "bot-" + UUID.randomUUID();
        String abandoned = "bot-" + UUID.randomUUID();
        kafka.send("chat-events", chat, "chat.requested", "/session-service", requested(chat, null));
        awaitProcessed(kafka.send("chat-events", chat, "chat.assigned", "/routing-service", assigned(chat)));
        awaitProcessed(kafka.send("chat-events", waiting, "chat.requested", "/session-service", requested(waiting, null)));
        kafka.send("chat-events", abandoned, "chat.requested", "/session-service", requested(abandoned, null));
        awaitProcessed(kafka.send("chat-events", abandoned, "chat.assigned", "/routing-service", assigned(abandoned)));
        // the agent is still in the chat two days later: no state change since, older than suggestions.keep-state (P1D)
        backdate(chat, 2);
        backdate(waiting, 2);
        backdate(abandoned, 31); // older than bot.keep-assigned (P30D): its close was never seen
        pruning.prune().await().indefinitely();
        assertThat(chatRow(chat)).containsExactly("ASSIGNED", "en");
        assertThat(chatRows(waiting)).isZero();
        assertThat(chatRows(abandoned)).isZero();

        // whileQueuedOnly=false answers a chat whose start the bot did not see, never one an agent holds
        bot(true, false);
        String question = kafka.send("chat-events", chat, "chat.message.posted", "/session-service",
                posted(chat, 2, "how long does a refund take"));
        awaitProcessed(question); // the answer would have been decided in the same transaction
        assertThat(pool.preparedQuery("select 1 from bot_reply where chat_id = $1").execute(Tuple.of(chat)).await().indefinitely().size())
                .isZero();
        assertThat(FakeSessionService.ATTEMPTS.stream().filter(chat::equals)).isEmpty();
    }

    /** Moves the chat's last state change in bot_chat {@code days} back. */
    private void backdate(String chatId, int days) {
        pool.preparedQuery("update bot_chat set updated_at = now() - make_interval(days => $2) where chat_id = $1").execute(Tuple.of(chatId, days))
                .await().indefinitely();
    }

    /** How many bot_chat rows the chat has (0 or 1). */
    private int chatRows(String chatId) {
        return pool.preparedQuery("select 1 from bot_chat where chat_id = $1").execute(Tuple.of(chatId)).await().indefinitely().size();
    }

    /** The bot's state and language of a chat (bot_chat). */
    private List<String> chatRow(String chatId) {
        RowSet<Row> rows = pool.preparedQuery("select state, language from bot_chat where chat_id = $1").execute(Tuple.of(chatId))
                .await().indefinitely();
        assertThat(rows.size()).isEqualTo(1);
        Row row = rows.iterator().next();
        return Arrays.asList(row.getString(0), row.getString(1));
    }

    /** chatroute_consumer_dead_letters_total{service="knowledge-service",channel="bot-events"} */
    private double deadLetters() {
        return registry.counter("chatroute.consumer.dead.letters", "service", "knowledge-service", "channel", "bot-events").count();
    }
    @Test
    void settingsAreForAdminsAndValidated() {
        as(TestTokens.admin()).get("/api/v1/kb/bot").then().statusCode(200).body("enabled", org.hamcrest.Matchers.is(true))
                .body("minScore", org.hamcrest.Matchers.is(1.0f)).body("whileQueuedOnly", org.hamcrest.Matchers.is(true))
                .body("updatedAt", org.hamcrest.Matchers.notNullValue());
        as(TestTokens.agent("a1")).get("/api/v1/kb/bot").then().statusCode(403);
        as(TestTokens.supervisor()).body("{\"enabled\":true}").put("/api/v1/kb/bot").then().statusCode(403);
        as(TestTokens.admin()).body("{\"minScore\":-1,\"minMargin\":-2}").put("/api/v1/kb/bot").then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.hasItems("enabled", "minScore", "minMargin"));
        as(TestTokens.admin()).body("{\"enabled\":\"yes\"}").put("/api/v1/kb/bot").then().statusCode(400);
        // minScore left out: the configured default, chosen on the tuning part
        as(TestTokens.admin()).body("{\"enabled\":false}").put("/api/v1/kb/bot").then().statusCode(200)
                .body("minScore", org.hamcrest.Matchers.is(12.0f)).body("minMargin", org.hamcrest.Matchers.is(11.0f))
                .body("whileQueuedOnly", org.hamcrest.Matchers.is(true));
        as(TestTokens.admin()).get("/api/v1/kb/bot").then().statusCode(200).body("enabled", org.hamcrest.Matchers.is(false));
    }
}
