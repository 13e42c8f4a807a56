package io.chatroute.history.domain;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The chat events history-service applies, already parsed from their CloudEvent data. */
public sealed interface ChatEvent {

    /** The CloudEvents type this event arrives as. */
    String TYPE_REQUESTED = "chat.requested";
    String TYPE_QUEUED = "chat.queued";
    String TYPE_ASSIGNED = "chat.assigned";
    String TYPE_MESSAGE_POSTED = "chat.message.posted";
    String TYPE_CLOSED = "chat.closed";
    String TYPE_TAGGED = "chat.tagged";
    String TYPE_SURVEYED = "chat.surveyed";
    String TYPE_OFFERED = "chat.offered";
    String TYPE_TRANSFERRED = "chat.transferred";

    String chatId();

    record Requested(String chatId, String formId, Visitor visitor, Map<String, Object> form, String message,
                     String queueId, Instant requestedAt) implements ChatEvent {
    }

    /**
     * {@code reason} is routing's (agent-lost: a held chat back in line because its agent went away); {@code at} is
     * the event's own time (its CloudEvents {@code time}), null when the record has none: {@code queuedAt} is the
     * chat's first enqueue, kept across requeues.
     */
    record Queued(String chatId, String queueId, String ruleId, Map<String, Integer> requiredSkills, Integer priority,
                  Instant queuedAt, String reason, Instant at) implements ChatEvent {

        /** The chat left its agent's hands: the agent's hold ends at {@link #at()}. */
        public boolean agentLost() {
            return "agent-lost".equals(reason) && at != null;
        }
    }

    record Assigned(String chatId, String agentId, String queueId, String offerId, Instant assignedAt, AgentRef agent)
            implements ChatEvent {
    }

    record MessagePosted(String chatId, int seq, String messageId, String clientMsgId, String from, String senderId,
                         String text, String language, Instant sentAt) implements ChatEvent {
        public TranscriptMessage toMessage() {
            return new TranscriptMessage(seq, messageId, clientMsgId, from, senderId, text, language, sentAt);
        }
    }

    record Closed(String chatId, String by, String agentId, Instant closedAt) implements ChatEvent {
    }

    /**
     * The chat's tags, replaced by these (already normalised, see {@link Tags}); {@code taggedAt} may be null
     * (then the time it is applied).
     */
    record Tagged(String chatId, List<String> tags, String agentId, Instant taggedAt) implements ChatEvent {
        public Tagged {
            tags = List.copyOf(tags);
        }
    }

    /** The visitor's survey after the close: scores 1-5, either may be null (not both); one per chat. */
    record Surveyed(String chatId, Integer csat, Integer ces, String comment, Instant surveyedAt) implements ChatEvent {
    }

    /** Routing offered the chat to an agent (whose slot is reserved); the agent may read the chat from now on. */
    record Offered(String chatId, String offerId, String agentId, String queueId, Instant offeredAt, Instant expiresAt)
            implements ChatEvent {
    }

    /**
     * The holding agent ({@code fromAgentId}) handed the chat on: to a queue, or to an agent ({@code agentId},
     * may be null). {@code requestId} identifies the transfer (the same request is one transfer).
     */
    record Transferred(String chatId, String requestId, String fromAgentId, String queueId, String agentId, String note,
                       Instant transferredAt) implements ChatEvent {
    }
}
