package io.chatroute.routing.domain;

import java.util.Map;

/**
 * One of an agent's slots: the value of its holds hash for a chat, {@code offerId|sinceMillis} ({@code |A} appended once
 * the offer was accepted). A hold is real while the chat points at the agent with that offer (OFFERED or ASSIGNED);
 * the chat hash is the truth, the hold only counts it.
 */
public record Hold(String offerId, long sinceMillis, boolean assigned) {

    /** Parses a hold value; a missing or unreadable time counts as 0 (as old as can be). */
    public static Hold parse(String value) {
        if (value == null) {
            return new Hold("", 0, false);
        }
        String[] parts = value.split("\\|", -1);
        long since = 0;
        if (parts.length > 1) {
            try {
                since = Long.parseLong(parts[1]);
            } catch (NumberFormatException e) {
                since = 0;
            }
        }
        return new Hold(parts[0], since, parts.length > 2 && "A".equals(parts[2]));
    }

    /** True when the chat (its hash's fields) points at the agent with this offer: OFFERED or ASSIGNED to it. */
    public boolean realFor(String agentId, Map<String, String> chat) {
        return pointsAt(chat, agentId, offerId);
    }

    /**
     * True when reconciliation may drop this hold: it is not real and at least {@code minAgeMillis} old (a younger one
     * may be a claim between its steps: the agent's slot taken, the chat not offered yet).
     */
    public boolean stale(String agentId, Map<String, String> chat, long nowMillis, long minAgeMillis) {
        return !realFor(agentId, chat) && nowMillis - sinceMillis >= minAgeMillis;
    }

    /** True when the chat is OFFERED or ASSIGNED to the agent with that offer. */
    public static boolean pointsAt(Map<String, String> chat, String agentId, String offerId) {
        String state = chat.get("state");
        return ("OFFERED".equals(state) || "ASSIGNED".equals(state)) && agentId != null && agentId.equals(chat.get("agentId"))
                && offerId != null && !offerId.isEmpty() && offerId.equals(chat.get("offerId"));
    }

    /** True when the chat is ASSIGNED to the agent with that offer (an accepted offer). */
    public static boolean assignedTo(Map<String, String> chat, String agentId, String offerId) {
        return "ASSIGNED".equals(chat.get("state")) && pointsAt(chat, agentId, offerId);
    }
}
