package io.chatroute.routing.domain;

/**
 * An agent's request to hand a chat on ({@code chat.transfer.requested}, produced by session-service): to a queue or
 * to an agent (exactly one), with an optional note of at most 500 characters.
 */
public record TransferRequest(String chatId, String requestId, String fromAgentId, String queueId, String agentId, String note,
                              String requestedBy) {
    public static final int MAX_NOTE = 500;

    /** Why the request cannot be carried out whatever the state (null when well-formed): the failed event's reason. */
    public String malformed() {
        boolean toQueue = queueId != null && !queueId.isBlank();
        boolean toAgent = agentId != null && !agentId.isBlank();
        if (fromAgentId == null || fromAgentId.isBlank()) {
            return "invalid-request";
        }
        if (toQueue == toAgent) {
            return "invalid-target";
        }
        if (note != null && note.length() > MAX_NOTE) {
            return "note-too-long";
        }
        if (toAgent && agentId.equals(fromAgentId)) {
            return "same-agent";
        }
        return null;
    }

    public boolean toAgent() {
        return agentId != null && !agentId.isBlank();
    }
}
