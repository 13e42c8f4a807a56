package io.chatroute.history.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A chat's transcript as served by {@code GET /api/v1/transcripts/{chatId}}: messages in {@code seq}
 * order, each once. {@code tags} and {@code survey} come from their own tables ({@code survey} stays null
 * until a feature writes it).
 */
public record Transcript(String chatId, ChatStatus status, String formId, Visitor visitor, Map<String, Object> form,
                         String initialMessage, String queueId, String agentId, List<Agent> agents, Times times,
                         String closedBy, Routing routing, List<TranscriptMessage> messages, List<String> tags,
                         Survey survey) {

    public Transcript {
        agents = List.copyOf(agents);
        messages = List.copyOf(messages);
        tags = List.copyOf(tags);
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
