package io.chatroute.history.domain;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /api/v1/metrics}: chats started in [{@code from}, {@code to}) (ISO-8601 UTC times or plain dates,
 * midnight UTC; both required; at most {@value #MAX_DAYS} days apart), grouped by {@code queue} (the default),
 * {@code agent}, {@code day} or {@code hour} (UTC).
 */
public record MetricsQuery(Instant from, Instant to, GroupBy groupBy) {

    public static final int MAX_DAYS = 366;

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

    /** What a group is: the chat's queue, its (last) agent, or the UTC day or hour it started. */
    public enum GroupBy {
        QUEUE, AGENT, DAY, HOUR;

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static MetricsQuery parse(String from, String to, String groupBy) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        Instant f = time("from", from, errors);
        Instant t = time("to", to, errors);
        GroupBy g = groupBy(groupBy, errors);
        if (f != null && t != null) {
            if (!f.isBefore(t)) {
                errors.add(new InvalidInputException.FieldError("to", "must be after from"));
            } else if (Duration.between(f, t).compareTo(Duration.ofDays(MAX_DAYS)) > 0) {
                errors.add(new InvalidInputException.FieldError("to", "must be at most " + MAX_DAYS + " days after from"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new MetricsQuery(f, t, g);
    }

    /** Today so far (UTC): from midnight to {@code now}. */
    public static MetricsQuery today(Instant now, String groupBy) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        GroupBy g = groupBy(groupBy, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        Instant midnight = LocalDate.ofInstant(now, ZoneOffset.UTC).atStartOfDay(ZoneOffset.UTC).toInstant();
        return new MetricsQuery(midnight, now.isAfter(midnight) ? now : midnight.plusMillis(1), g);
    }

    private static GroupBy groupBy(String value, List<InvalidInputException.FieldError> errors) {
        if (value == null || value.isBlank()) {
            return GroupBy.QUEUE;
        }
        try {
            return GroupBy.valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            errors.add(new InvalidInputException.FieldError("groupBy", "must be queue, agent, day or hour"));
            return null;
        }
    }

    private static Instant time(String field, String value, List<InvalidInputException.FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new InvalidInputException.FieldError(field,
                    "is required (ISO-8601 UTC, e.g. 2025-03-01T00:00:00Z or 2025-03-01)"));
            return null;
        }
        String v = value.strip();
        Instant t;
        try {
            t = v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            errors.add(new InvalidInputException.FieldError(field,
                    "must be an ISO-8601 UTC time such as 2025-03-01T00:00:00Z, or a date such as 2025-03-01"));
            return null;
        }
        if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
            errors.add(new InvalidInputException.FieldError(field, "must be within the years 1 to 9999"));
            return null;
        }
        return t;
    }
}
