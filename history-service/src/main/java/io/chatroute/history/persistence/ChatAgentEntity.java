package io.chatroute.history.persistence;

import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

/** Table {@code chat_agent}: every agent a chat was assigned to. */
@Entity
@Table(name = "chat_agent")
@IdClass(ChatAgentEntity.Key.class)
public class ChatAgentEntity {

    @Id
    @Column(name = "chat_id", columnDefinition = "text")
    public String chatId;
    @Id
    @Column(name = "agent_id", columnDefinition = "text")
    public String agentId;
    @Column(name = "display_name", columnDefinition = "text")
    public String displayName;
    @Column(name = "title", columnDefinition = "text")
    public String title;
    @Column(name = "avatar_url", columnDefinition = "text")
    public String avatarUrl;
    @Column(name = "assigned_at", nullable = false)
    public Instant assignedAt;

    public static class Key implements Serializable {
        public String chatId;
        public String agentId;

        public Key() {
        }

        public Key(String chatId, String agentId) {
            this.chatId = chatId;
            this.agentId = agentId;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(chatId, k.chatId) && Objects.equals(agentId, k.agentId);
        }

        @Override
        public int hashCode() {
            return Objects.hash(chatId, agentId);
        }
    }
}
