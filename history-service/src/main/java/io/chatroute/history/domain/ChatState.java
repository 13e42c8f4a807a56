package io.chatroute.history.domain;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The chat's record as history keeps it, and how each event changes it. Pure: persistence loads a
 * state, applies the event and stores the result.
 *
 * <p>Rules: events may arrive in any order across producers and may be repeated, so
 * <ul>
 * <li>the status only moves forward ({@link ChatStatus#advanceTo});</li>
 * <li>a time, once known, is kept unless the same kind of event brings a new one (a re-queue after a
 * transfer updates {@code queuedAt}; a re-assignment updates {@code assignedAt} and the agent);</li>
 * <li>a message for an unknown chat creates a placeholder, which {@code chat.requested} fills in later.</li>
 * </ul>
 */
public final class ChatState {

    private final String chatId;
    private String formId;
    private Visitor visitor = Visitor.EMPTY;
    private Map<String, Object> form = new LinkedHashMap<>();
    private String initialMessage;
    private String queueId;
    private String ruleId;
    private Integer priority;
    private Map<String, Integer> requiredSkills;
    private String agentId;
    private Instant requestedAt;
    private Instant queuedAt;
    private Instant assignedAt;
    private Instant closedAt;
    private String closedBy;
    private ChatStatus status = ChatStatus.UNKNOWN;
    private boolean placeholder = true;

    private ChatState(String chatId) {
        this.chatId = Objects.requireNonNull(chatId, "chatId");
    }

    /** A chat history has not heard of yet: only its id is known. */
    public static ChatState placeholder(String chatId) {
        return new ChatState(chatId);
    }

    /** Rebuilds a stored state. */
    public static ChatState restore(String chatId, String formId, Visitor visitor, Map<String, Object> form,
                                    String initialMessage, String queueId, String ruleId, Integer priority,
                                    Map<String, Integer> requiredSkills, String agentId, Instant requestedAt,
                                    Instant queuedAt, Instant assignedAt, Instant closedAt, String closedBy,
                                    ChatStatus status, boolean placeholder) {
        ChatState s = new ChatState(chatId);
        s.formId = formId;
        s.visitor = visitor == null ? Visitor.EMPTY : visitor;
        s.form = form == null ? new LinkedHashMap<>() : new LinkedHashMap<>(form);
        s.initialMessage = initialMessage;
        s.queueId = queueId;
        s.ruleId = ruleId;
        s.priority = priority;
        s.requiredSkills = requiredSkills;
        s.agentId = agentId;
        s.requestedAt = requestedAt;
        s.queuedAt = queuedAt;
        s.assignedAt = assignedAt;
        s.closedAt = closedAt;
        s.closedBy = closedBy;
        s.status = status == null ? ChatStatus.UNKNOWN : status;
        s.placeholder = placeholder;
        return s;
    }

    /** Applies one event of this chat. Messages only make sure the chat exists (they are stored apart). */
    public ChatState apply(ChatEvent event) {
        if (!chatId.equals(event.chatId())) {
            throw new IllegalArgumentException("event of chat " + event.chatId() + " applied to chat " + chatId);
        }
        switch (event) {
            case ChatEvent.Requested e -> {
                formId = e.formId();
                visitor = e.visitor() == null ? Visitor.EMPTY : e.visitor();
                form = e.form() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(e.form());
                initialMessage = e.message();
                if (queueId == null) {
                    queueId = e.queueId(); // routing's chat.queued is authoritative when it has come first
                }
                requestedAt = e.requestedAt();
                placeholder = false;
                status = status.advanceTo(ChatStatus.REQUESTED);
            }
            case ChatEvent.Queued e -> {
                queueId = e.queueId();
                ruleId = e.ruleId();
                priority = e.priority();
                requiredSkills = e.requiredSkills();
                queuedAt = e.queuedAt();
                status = status.advanceTo(ChatStatus.QUEUED);
            }
            case ChatEvent.Assigned e -> {
                agentId = e.agentId();
                if (e.queueId() != null) {
                    queueId = e.queueId();
                }
                assignedAt = e.assignedAt();
                status = status.advanceTo(ChatStatus.ACTIVE);
            }
            case ChatEvent.MessagePosted e -> {
                // stored as a message; the chat only has to exist
            }
            case ChatEvent.Tagged e -> {
                // stored in chat_tag; the chat only has to exist
            }
            case ChatEvent.Surveyed e -> {
                // stored in chat_survey; the chat only has to exist
            }
            case ChatEvent.Offered e -> {
                // stored in chat_offer (and who may read the chat); the status is routing's QUEUED/ACTIVE story
                if (queueId == null) {
                    queueId = e.queueId();
                }
            }
            case ChatEvent.Transferred e -> {
                // stored in chat_transfer; it ends the sending agent's hold (chat_assignment). The next chat.queued /
                // chat.assigned moves queue and agent; the status never goes back
            }
            case ChatEvent.Closed e -> {
                closedAt = e.closedAt();
                closedBy = e.by();
                if (agentId == null && e.agentId() != null) {
                    agentId = e.agentId();
                }
                status = status.advanceTo(ChatStatus.CLOSED);
            }
        }
        return this;
    }

    public String chatId() { return chatId; }
    public String formId() { return formId; }
    public Visitor visitor() { return visitor; }
    public Map<String, Object> form() { return form; }
    public String initialMessage() { return initialMessage; }
    public String queueId() { return queueId; }
    public String ruleId() { return ruleId; }
    public Integer priority() { return priority; }
    public Map<String, Integer> requiredSkills() { return requiredSkills; }
    public String agentId() { return agentId; }
    public Instant requestedAt() { return requestedAt; }
    public Instant queuedAt() { return queuedAt; }
    public Instant assignedAt() { return assignedAt; }
    public Instant closedAt() { return closedAt; }
    public String closedBy() { return closedBy; }
    public ChatStatus status() { return status; }
    public boolean placeholder() { return placeholder; }
}
