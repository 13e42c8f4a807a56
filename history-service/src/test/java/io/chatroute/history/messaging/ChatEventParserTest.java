package io.chatroute.history.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.history.domain.ChatEvent;
import io.chatroute.history.domain.PoisonEventException;

class ChatEventParserTest {

    private final ChatEventParser parser = new ChatEventParser(new ObjectMapper());

    @Test
    void parsesAMessageAndIgnoresUnknownFields() {
        ChatEvent e = parser.parse("chat.message.posted", """
                {"chatId":"c1","seq":2,"messageId":"m2","clientMsgId":null,"from":"agent","senderId":"ag-1",
                 "text":"Hi","language":"en","sentAt":"2025-03-01T10:00:00Z","futureField":true}""").orElseThrow();
        assertThat(e).isEqualTo(new ChatEvent.MessagePosted("c1", 2, "m2", null, "agent", "ag-1", "Hi", "en",
                Instant.parse("2025-03-01T10:00:00Z")));
    }

    @Test
    void parsesRequestedWithItsForm() {
        ChatEvent.Requested e = (ChatEvent.Requested) parser.parse("chat.requested", """
                {"chatId":"c1","formId":"default","visitor":{"name":"Anna","customerId":"c-42"},
                 "form":{"topic":"billing","vip":true,"n":3},"message":null,"queueId":"general",
                 "requestedAt":"2025-03-01T10:00:00.123Z"}""").orElseThrow();
        assertThat(e.visitor().customerId()).isEqualTo("c-42");
        assertThat(e.visitor().email()).isNull();
        assertThat(e.form()).containsEntry("topic", "billing").containsEntry("vip", true).containsEntry("n", 3L);
    }

    @Test
    void otherTypesAreNotApplied() {
        assertThat(parser.parse("chat.offer.declined", "{not json")).isEmpty();
        assertThat(ChatEventParser.applies("chat.offer.declined")).isFalse();
        assertThat(ChatEventParser.applies("chat.closed")).isTrue();
    }

    @Test
    void malformedDataIsRejectedWithoutQuotingIt() {
        assertThatThrownBy(() -> parser.parse("chat.closed", "{\"chatId\": secret"))
                .isInstanceOf(MalformedEventException.class).hasMessageNotContaining("secret");
        assertThatThrownBy(() -> parser.parse("chat.message.posted", """
                {"chatId":"c1","seq":0,"messageId":"m","from":"visitor","text":"x","sentAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("seq");
        assertThatThrownBy(() -> parser.parse("chat.closed", "{\"chatId\":\"c1\",\"by\":\"agent\",\"closedAt\":\"soon\"}"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("closedAt");
    }

    @Test
    void whatPostgresqlCannotHoldIsStrippedFromTextAndPoisonInIdentifiersAndTimes() {
        ChatEvent.Requested r = (ChatEvent.Requested) parser.parse("chat.requested", """
                {"chatId":"c1","visitor":{"name":"An\\u0000na"},"form":{"to\\u0000pic":"bil\\u0000ling"},
                 "message":"hi\\u0000","requestedAt":"2025-03-01T10:00:00Z"}""").orElseThrow();
        assertThat(r.visitor().name()).isEqualTo("Anna");
        assertThat(r.form()).containsEntry("topic", "billing");
        assertThat(r.message()).isEqualTo("hi");
        assertThatThrownBy(() -> parser.parse("chat.closed", """
                {"chatId":"c\\u00001","by":"agent","closedAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("chatId contains NUL");
        assertThatThrownBy(() -> parser.parse("chat.closed", """
                {"chatId":"c1","by":"agent","closedAt":"+300000-03-01T10:00:00Z"}"""))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("closedAt is outside");
    }

    @Test
    void malformedIsPoisonEverythingElseIsTransient() {
        assertThat(PoisonEventException.isPoison(new MalformedEventException("x"))).isTrue();
        assertThat(PoisonEventException.isPoison(new IllegalStateException("wrapped", new MalformedEventException("x"))))
                .isTrue();
        assertThat(PoisonEventException.isPoison(new IllegalStateException("pool busy"))).isFalse();
        assertThat(PoisonEventException.isPoison(new java.util.concurrent.TimeoutException())).isFalse();
        assertThat(PoisonEventException.isPoison(null)).isFalse();
    }

    @Test
    void aRecordWithoutIdOrTypeIsPoisonAnUnknownTypeIsIgnored() {
        ChatEventHandler handler = new ChatEventHandler(parser);
        String closed = "{\"chatId\":\"c1\",\"by\":\"agent\",\"closedAt\":\"2025-03-01T10:00:00Z\"}";
        assertThatThrownBy(() -> handler.parse("id-1", null, closed, null))
                .isInstanceOf(PoisonEventException.class).hasMessageContaining("no ce_type");
        assertThatThrownBy(() -> handler.parse(" ", "chat.closed", closed, null))
                .isInstanceOf(PoisonEventException.class).hasMessageContaining("no ce_id");
        assertThatThrownBy(() -> handler.parse("id-1", "chat.closed", "{not json", null))
                .isInstanceOf(PoisonEventException.class).hasMessageStartingWith("malformed chat.closed: data is not valid JSON");
        assertThat(handler.parse(null, "chat.offer.declined", "{not json", null)).isEmpty();
        assertThat(handler.parse("id-1", "chat.closed", closed, null)).isPresent();
    }

    @Test
    void taggedIsNormalisedLikeTheApiAndBadTagsArePoison() {
        ChatEvent.Tagged t = (ChatEvent.Tagged) parser.parse("chat.tagged", """
                {"chatId":"c1","tags":["Late-Shipper","late-shipper","VIP"],"agentId":"ag-1",
                 "taggedAt":"2025-03-01T10:00:00Z"}""").orElseThrow();
        assertThat(t).isEqualTo(new ChatEvent.Tagged("c1", java.util.List.of("late-shipper", "vip"), "ag-1",
                Instant.parse("2025-03-01T10:00:00Z")));
        assertThat(((ChatEvent.Tagged) parser.parse("chat.tagged", "{\"chatId\":\"c1\",\"tags\":[]}").orElseThrow())
                .taggedAt()).isNull();
        assertThat(ChatEventParser.applies("chat.tagged")).isTrue();
        assertThatThrownBy(() -> parser.parse("chat.tagged", "{\"chatId\":\"c1\",\"tags\":\"vip\"}"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("tags");
        assertThatThrownBy(() -> parser.parse("chat.tagged", "{\"chatId\":\"c1\",\"tags\":[\"secret/x\", 3]}"))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("tags[0]").hasMessageContaining("tags[1]")
                .hasMessageNotContaining("secret");
    }

    @Test
    void surveyOfferAndTransfer() {
        assertThat(parser.parse("chat.surveyed", """
                {"chatId":"c1","csat":4,"ces":null,"comment":"ok","surveyedAt":"2025-03-01T10:00:00Z"}""").orElseThrow())
                .isEqualTo(new ChatEvent.Surveyed("c1", 4, null, "ok", Instant.parse("2025-03-01T10:00:00Z")));
        assertThat(parser.parse("chat.offered", """
                {"chatId":"c1","agentId":"ag-1","queueId":"q","offerId":"o1","offeredAt":"2025-03-01T10:00:00Z",
                 "expiresAt":"2025-03-01T10:00:20Z","visitor":{},"form":{}}""").orElseThrow())
                .isEqualTo(new ChatEvent.Offered("c1", "o1", "ag-1", "q", Instant.parse("2025-03-01T10:00:00Z"),
                        Instant.parse("2025-03-01T10:00:20Z")));
        assertThat(parser.parse("chat.transferred", """
                {"chatId":"c1","requestId":"r1","fromAgentId":"ag-1","queueId":null,"agentId":"ag-2","note":"vip",
                 "transferredAt":"2025-03-01T10:00:00Z"}""").orElseThrow())
                .isEqualTo(new ChatEvent.Transferred("c1", "r1", "ag-1", null, "ag-2", "vip",
                        Instant.parse("2025-03-01T10:00:00Z")));
    }

    @Test
    void badSurveysOffersAndTransfersArePoison() {
        assertThatThrownBy(() -> parser.parse("chat.surveyed", """
                {"chatId":"c1","csat":null,"ces":null,"surveyedAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class).hasMessage("csat and ces are both missing");
        assertThatThrownBy(() -> parser.parse("chat.surveyed", """
                {"chatId":"c1","csat":6,"ces":1,"surveyedAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class).hasMessageContaining("csat");
        assertThatThrownBy(() -> parser.parse("chat.surveyed", """
                {"chatId":"c1","csat":2.5,"ces":1,"surveyedAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class);
        assertThatThrownBy(() -> parser.parse("chat.offered", """
                {"chatId":"c1","agentId":"ag-1","offeredAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class).hasMessage("offerId is missing");
        assertThatThrownBy(() -> parser.parse("chat.transferred", """
                {"chatId":"c1","fromAgentId":"ag-1","transferredAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class).hasMessage("requestId is missing");
        assertThatThrownBy(() -> parser.parse("chat.transferred", """
                {"chatId":"c1","requestId":"r","fromAgentId":"ag\\u0000","transferredAt":"2025-03-01T10:00:00Z"}"""))
                .isInstanceOf(PoisonEventException.class).hasMessage("fromAgentId contains NUL");
    }
}
