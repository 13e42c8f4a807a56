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
                              int size, String text, SearchText.Query search, List<String> tags) {

    /** Longest {@code q}, in characters (code points). */
    public static final int MAX_Q = 200;
    /** Most {@code tag} parameters in one query (all must be on the chat). */
    public static final int MAX_TAG_FILTERS = 5;

    public TranscriptQuery {
        tags = tags == null ? List.of() : List.copyOf(tags);
    }

    /** A query without full-text search or tags. */
    public TranscriptQuery(String customerId, String agentId, String queueId, Instant from, Instant to, int page, int size) {
        this(customerId, agentId, queueId, from, to, page, size, null, null, List.of());
    }

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

    /** Parses the raw query parameters (any may be null or blank), without {@code q} and {@code tag}. */
    public static TranscriptQuery parse(String customerId, String agentId, String queueId, String from, String to,
                                        String page, String size, int defaultSize, int maxSize) {
        return parse(customerId, agentId, queueId, from, to, page, size, null, List.of(), defaultSize, maxSize);
    }

    /**
     * Parses the raw query parameters (any may be null or blank). {@code q}: at most {@value #MAX_Q} characters with
     * at least one letter or digit ({@link SearchText#query}); {@code tags}: each normalised like a chat's tags
     * ({@link Tags}), at most {@value #MAX_TAG_FILTERS}; a chat must have all of them.
     */
    public static TranscriptQuery parse(String customerId, String agentId, String queueId, String from, String to,
                                        String page, String size, String q, List<String> tags, int defaultSize,
                                        int maxSize) {
        List<FieldError> errors = new ArrayList<>();
        if (customerId != null && !customerId.isBlank()) {
            String error = CustomerHistoryQuery.customerIdError(customerId);
            if (error != null) {
                errors.add(new FieldError("customerId", error));
            }
        }
        String text = q == null || q.isBlank() ? null : q.strip();
        SearchText.Query search = null;
        if (text != null) {
            if (text.codePointCount(0, text.length()) > MAX_Q) {
                errors.add(new FieldError("q", "must be at most " + MAX_Q + " characters"));
            } else if (text.codePoints().anyMatch(cp -> Character.isISOControl(cp))) {
                errors.add(new FieldError("q", "must not contain control characters"));
            } else {
                search = SearchText.query(text);
                if (search.isEmpty()) {
                    errors.add(new FieldError("q", "must contain a word to search for"));
                }
            }
        }
        List<String> tagFilter = List.of();
        List<String> rawTags = tags == null ? List.of() : tags.stream().filter(t -> t != null && !t.isBlank()).toList();
        if (rawTags.size() > MAX_TAG_FILTERS) {
            errors.add(new FieldError("tag", "at most " + MAX_TAG_FILTERS + " tags"));
        } else if (!rawTags.isEmpty()) {
            try {
                tagFilter = Tags.normalise(rawTags, "tag");
            } catch (InvalidInputException e) {
                errors.add(new FieldError("tag", e.errors().get(0).message()));
            }
        }
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
                pageNo, pageSize, search == null ? null : text, search, tagFilter);
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
