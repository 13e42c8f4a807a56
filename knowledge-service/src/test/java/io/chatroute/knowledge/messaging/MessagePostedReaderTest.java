package io.chatroute.knowledge.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.knowledge.domain.PoisonEventException;

class MessagePostedReaderTest {

    private final MessagePostedReader reader = new MessagePostedReader(new ObjectMapper());

    @Test
    void readsAMessageAndIgnoresUnknownFields() {
        ChatMessagePosted m = reader.read("""
                {"chatId":"c1","seq":3,"messageId":"m3","clientMsgId":null,"from":"visitor","senderId":null,
                 "text":"Where is my parcel?","language":"en","sentAt":"2025-03-01T10:00:00Z","futureField":1}""");
        assertThat(m).isEqualTo(new ChatMessagePosted("c1", 3L, "m3", null, "visitor", null, "Where is my parcel?", "en",
                "2025-03-01T10:00:00Z"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "{not json",
            "[1,2]",
            "{\"chatId\":\"c1\",\"seq\":\"one\",\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":0,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":1.5,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"seq\":1,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"messageId\":\"m\",\"from\":\"robot\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"\",\"sentAt\":\"2025-03-01T10:00:00Z\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"yesterday\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\"}",
            "{\"chatId\":\"c1\",\"seq\":1,\"messageId\":\"m\",\"from\":\"visitor\",\"text\":\"hi\",\"sentAt\":\"2025-03-01T10:00:00Z\",\"language\":7}"
    })
    void dataThatBreaksTheProducersSchemaIsPoison(String json) {
        assertThatThrownBy(() -> reader.read(json)).isInstanceOf(PoisonEventException.class)
                .hasMessageStartingWith("unreadable chat.message.posted: ");
    }

    @Test
    void theReasonNeverQuotesThePayload() {
        assertThatThrownBy(() -> reader.read("{\"secret\": visitor text"))
                .isInstanceOf(PoisonEventException.class)
                .hasMessageNotContaining("visitor text");
    }

    @Test
    void onlyPoisonIsPoison() {
        assertThat(PoisonEventException.isPoison(new PoisonEventException("bad"))).isTrue();
        assertThat(PoisonEventException.isPoison(new RuntimeException("wrapped", new PoisonEventException("bad")))).isTrue();
        assertThat(PoisonEventException.isPoison(new IllegalStateException("search index not ready"))).isFalse();
        assertThat(PoisonEventException.isPoison(new org.apache.kafka.common.errors.TimeoutException("send"))).isFalse();
    }
}
