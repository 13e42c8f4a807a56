package io.chatroute.session.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A request to move a chat to a queue or to another agent: exactly one target, ids as routing-service names them, a
 * note of at most 500 characters (cleaned of control characters and card numbers before it is published).
 */
public record Transfer(String queueId, String agentId, String note) {

    public static final int NOTE_MAX = 500;
    /** routing-service's id rule for queues and agents. */
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_:.-]{0,63}");

    /** The request with its note made safe (control characters stripped, card numbers masked, blank as null). */
    public static Transfer of(String queueId, String agentId, String note) {
        String cleaned = note == null ? null : TextSafety.maskCards(TextSafety.clean(note)).strip();
        return new Transfer(queueId, agentId, cleaned == null || cleaned.isEmpty() ? null : cleaned);
    }

    /** Field errors: exactly one of queueId and agentId, well-formed; the note not too long; not to oneself. */
    public List<FieldError> check(String fromAgentId) {
        List<FieldError> errors = new ArrayList<>();
        if ((queueId == null) == (agentId == null)) {
            errors.add(new FieldError("queueId", "give exactly one of queueId and agentId"));
        }
        if (queueId != null && !ID.matcher(queueId).matches()) {
            errors.add(new FieldError("queueId", "letters, digits, _ : . - (at most 64, starting with a letter or digit)"));
        }
        if (agentId != null && !ID.matcher(agentId).matches()) {
            errors.add(new FieldError("agentId", "letters, digits, _ : . - (at most 64, starting with a letter or digit)"));
        }
        if (agentId != null && agentId.equals(fromAgentId)) {
            errors.add(new FieldError("agentId", "the chat is already with this agent"));
        }
        if (note != null && note.codePointCount(0, note.length()) > NOTE_MAX) {
            errors.add(new FieldError("note", "must be at most " + NOTE_MAX + " characters"));
        }
        return errors;
    }
}
