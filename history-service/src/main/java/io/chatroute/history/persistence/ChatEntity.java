package io.chatroute.history.persistence;

import java.time.Instant;
import java.util.Map;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.chatroute.history.domain.ChatStatus;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** Table {@code chat}: one row per chat (possibly a placeholder). */
@Entity
@Table(name = "chat")
public class ChatEntity {

    @Id
    @Column(name = "id", columnDefinition = "text")
    public String id;

    @Column(name = "form_id", columnDefinition = "text")
    public String formId;
    @Column(name = "visitor_name", columnDefinition = "text")
    public String visitorName;
    @Column(name = "visitor_email", columnDefinition = "text")
    public String visitorEmail;
    @Column(name = "visitor_locale", columnDefinition = "text")
    public String visitorLocale;
    @Column(name = "customer_id", columnDefinition = "text")
    public String customerId;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "form", columnDefinition = "jsonb", nullable = false)
    public Map<String, Object> form;

    @Column(name = "initial_message", columnDefinition = "text")
    public String initialMessage;
    @Column(name = "queue_id", columnDefinition = "text")
    public String queueId;
    @Column(name = "rule_id", columnDefinition = "text")
    public String ruleId;
    @Column(name = "priority")
    public Integer priority;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "required_skills", columnDefinition = "jsonb")
    public Map<String, Integer> requiredSkills;

    @Column(name = "agent_id", columnDefinition = "text")
    public String agentId;
    @Column(name = "requested_at")
    public Instant requestedAt;
    @Column(name = "queued_at")
    public Instant queuedAt;
    @Column(name = "assigned_at")
    public Instant assignedAt;
    @Column(name = "closed_at")
    public Instant closedAt;
    @Column(name = "closed_by", columnDefinition = "text")
    public String closedBy;

    @Enumerated(EnumType.STRING)
    @Column(name = "status", columnDefinition = "text", nullable = false)
    public ChatStatus status;

    @Column(name = "placeholder", nullable = false)
    public boolean placeholder;
    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
