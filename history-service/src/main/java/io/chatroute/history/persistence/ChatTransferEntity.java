package io.chatroute.history.persistence;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import io.chatroute.history.domain.Transcript;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** Table {@code chat_transfer}: a chat handed on by its agent (chat.transferred), once per request. */
@Entity
@Table(name = "chat_transfer")
@IdClass(ChatTransferEntity.Key.class)
public class ChatTransferEntity {

    @Id
    @Column(name = "chat_id", columnDefinition = "text")
    public String chatId;
    @Id
    @Column(name = "request_id", columnDefinition = "text")
    public String requestId;
    @Column(name = "from_agent_id", columnDefinition = "text")
    public String fromAgentId;
    @Column(name = "queue_id", columnDefinition = "text")
    public String queueId;
    @Column(name = "to_agent_id", columnDefinition = "text")
    public String toAgentId;
    @Column(name = "note", columnDefinition = "text")
    public String note;
    @Column(name = "transferred_at", nullable = false)
    public Instant transferredAt;

    Transcript.Transfer toTransfer() {
        return new Transcript.Transfer(requestId, fromAgentId, queueId, toAgentId, note, transferredAt);
    }

    public static class Key implements Serializable {
        public String chatId;
        public String requestId;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(chatId, k.chatId) && Objects.equals(requestId, k.requestId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(chatId, requestId);
        }
    }
}
