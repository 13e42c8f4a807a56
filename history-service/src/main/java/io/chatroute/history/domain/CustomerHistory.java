package io.chatroute.history.domain;

import java.time.Instant;
import java.util.List;

/**
 * What history knows of a customer: their chats and the notes about them, newest first, each list at most
 * the asked limit long ({@code moreChats}/{@code moreNotes} say that there are older ones). A customer history
 * has never seen has both lists empty.
 */
public record CustomerHistory(String customerId, List<PastChat> chats, boolean moreChats, List<CustomerNote> notes,
                              boolean moreNotes) {

    public CustomerHistory {
        chats = List.copyOf(chats);
        notes = List.copyOf(notes);
    }

    /** One chat of the customer, in short: outcome, tags, survey, size and how it began. */
    public record PastChat(String chatId, ChatStatus status, String queueId, String agentId, List<AgentName> agents,
                           Instant requestedAt, Instant closedAt, String closedBy, List<String> tags, Survey survey,
                           long messageCount, String firstVisitorMessage) {
        public PastChat {
            agents = List.copyOf(agents);
            tags = List.copyOf(tags);
        }
    }

    /** An agent who held the chat. */
    public record AgentName(String id, String displayName) {
    }

    /** The visitor's survey scores (1-5 each, either may be missing). */
    public record Survey(Integer csat, Integer ces) {
    }
}
