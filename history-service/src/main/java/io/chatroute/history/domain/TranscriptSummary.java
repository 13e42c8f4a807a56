package io.chatroute.history.domain;

import java.time.Instant;
import java.util.List;

/** One line of the transcript list. */
public record TranscriptSummary(String chatId, ChatStatus status, String customerId, String visitorName,
                                String queueId, String agentId, List<String> agentIds, Instant requestedAt,
                                Instant closedAt, String closedBy) {
    public TranscriptSummary {
        agentIds = List.copyOf(agentIds);
    }
}
