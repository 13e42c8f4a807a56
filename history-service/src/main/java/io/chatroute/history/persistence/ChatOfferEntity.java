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

/** Table {@code chat_offer}: the chat offered to an agent (chat.offered), once per offer. */
@Entity
@Table(name = "chat_offer")
@IdClass(ChatOfferEntity.Key.class)
public class ChatOfferEntity {

    @Id
    @Column(name = "chat_id", columnDefinition = "text")
    public String chatId;
    @Id
    @Column(name = "offer_id", columnDefinition = "text")
    public String offerId;
    @Column(name = "agent_id", columnDefinition = "text", nullable = false)
    public String agentId;
    @Column(name = "queue_id", columnDefinition = "text")
    public String queueId;
    @Column(name = "offered_at", nullable = false)
    public Instant offeredAt;
    @Column(name = "expires_at")
    public Instant expiresAt;

    Transcript.Offer toOffer() {
        return new Transcript.Offer(offerId, agentId, queueId, offeredAt, expiresAt);
    }

    public static class Key implements Serializable {
        public String chatId;
        public String offerId;

        public Key() {
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(chatId, k.chatId) && Objects.equals(offerId, k.offerId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(chatId, offerId);
        }
    }
}
