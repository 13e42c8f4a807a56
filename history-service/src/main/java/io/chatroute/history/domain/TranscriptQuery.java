package io.chatroute.history.domain;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The filters of the transcript list, checked: every filter optional, {@code from} inclusive and
 * {@code to} exclusive on the chat's start time, {@code page} from 0.
 */
public record TranscriptQuery(String customerId, String agentId, String queueId, Instant from, Instant to, int page,
                              int size) {

    /** A field and what is wrong with it. */
    public record FieldError(String field, String message) {
    }

    /** Thrown by {@link #parse} with every problem found. */
    public static final class InvalidQueryException extends RuntimeException {
        private final List<FieldError> errors;

        public InvalidQueryException(List<FieldError> errors) {
            super("invalid query: " + errors);
            this.errors = List.copyOf(errors);
        }

        public List<FieldError> errors() {
            return errors;
        }
    }

    /** Parses the raw query parameters (any may be null or blank). */
    public static TranscriptQuery parse(String customerId, String agentId, String queueId, String from, String to,
                                        String page, String size, int defaultSize, int maxSize) {
        List<FieldError> errors = new ArrayList<>();
        Instant fromAt = instant("from", from, errors);
        Instant toAt = instant("to", to, errors);
        if (fromAt != null && toAt != null && !fromAt.isBefore(toAt)) {
            errors.add(new FieldError("to", "must be after from"));
        }
        int pageNo = integer("page", page, 0, 0, Integer.MAX_VALUE / Math.max(1, maxSize), errors);
        int pageSize = integer("size", size, defaultSize, 1, maxSize, errors);
        if (!errors.isEmpty()) {
            throw new InvalidQueryException(errors);
        }
        return new TranscriptQuery(blankToNull(customerId), blankToNull(agentId), blankToNull(queueId), fromAt, toAt,
                pageNo, pageSize);
    }

    private static Instant instant(String field, String value, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            errors.add(new FieldError(field, "must be an ISO-8601 UTC time such as 2025-01-31T00:00:00Z"));
            return null;
        }
    }

    private static int integer(String field, String value, int dflt, int min, int max, List<FieldError> errors) {
        if (value == null || value.isBlank()) {
            return dflt;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                errors.add(new FieldError(field, "must be between " + min + " and " + max));
            }
            return n;
        } catch (NumberFormatException e) {
            errors.add(new FieldError(field, "must be a whole number"));
            return dflt;
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    public int offset() {
        return page * size;
    }
}
