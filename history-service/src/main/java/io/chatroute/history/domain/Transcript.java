package io.chatroute.history.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A chat's transcript as served by {@code GET /api/v1/transcripts/{chatId}}: messages in {@code seq}
 * order, each once. {@code tags}, {@code survey}, {@code transfers} and {@code offers} come from their own
 * tables ({@code survey} is null until the visitor answered it).
 */
public record Transcript(String chatId, ChatStatus status, String formId, Visitor visitor, Map<String, Object> form,
                         String initialMessage, String queueId, String agentId, List<Agent> agents, Times times,
                         String closedBy, Routing routing, List<TranscriptMessage> messages, List<String> tags,
                         Survey survey, List<Transfer> transfers, List<Offer> offers) {

    public Transcript {
        agents = List.copyOf(agents);
        messages = List.copyOf(messages);
        tags = List.copyOf(tags);
        transfers = List.copyOf(transfers);
        offers = List.copyOf(offers);
    }

    /** A transcript without transfers and offers. */
    public Transcript(String chatId, ChatStatus status, String formId, Visitor visitor, Map<String, Object> form,
                      String initialMessage, String queueId, String agentId, List<Agent> agents, Times times,
                      String closedBy, Routing routing, List<TranscriptMessage> messages, List<String> tags,
                      Survey survey) {
        this(chatId, status, formId, visitor, form, initialMessage, queueId, agentId, agents, times, closedBy, routing,
                messages, tags, survey, List.of(), List.of());
    }

    /** The chat handed on by {@code fromAgentId} to a queue and/or an agent ({@code agentId}), with the agent's note. */
    public record Transfer(String requestId, String fromAgentId, String queueId, String agentId, String note,
                           Instant transferredAt) {
    }

    /** The chat offered to an agent (routing-service), until {@code expiresAt}. */
    public record Offer(String offerId, String agentId, String queueId, Instant offeredAt, Instant expiresAt) {
    }

    /** An agent who held the chat, with the time they got it. */
    public record Agent(String id, String displayName, String title, String avatarUrl, Instant assignedAt) {
    }

    public record Times(Instant requestedAt, Instant queuedAt, Instant assignedAt, Instant closedAt) {
    }

    /** How routing placed the chat (from chat.queued). */
    public record Routing(String queueId, String ruleId, Integer priority, Map<String, Integer> requiredSkills) {
    }

    public record Survey(Integer csat, Integer ces, String comment, Instant submittedAt) {
    }
}
