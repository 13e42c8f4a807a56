package io.chatroute.history.domain;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /api/v1/tags/stats}: {@code from} (inclusive) and {@code to} (exclusive), both required, ISO-8601
 * UTC times or plain dates (midnight UTC), at most {@value #MAX_DAYS} days apart, years 1 to 9999; and the
 * bucket {@code interval}: {@code day} (the default: UTC days) or {@code week} (ISO weeks, Monday 00:00 UTC).
 */
public record TagStatsQuery(Instant from, Instant to, Interval interval) {

    public static final int MAX_DAYS = 366;

    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T00:00:00Z");

    /** Buckets of fixed length in UTC (no daylight saving), so a chat's bucket is (time - first start) / length. */
    public enum Interval {
        DAY(Duration.ofDays(1)),
        WEEK(Duration.ofDays(7));

        private final Duration length;

        Interval(Duration length) {
            this.length = length;
        }

        public Duration length() {
            return length;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The start of the bucket holding {@code t}. */
        public Instant floor(Instant t) {
            LocalDate day = LocalDate.ofInstant(t, ZoneOffset.UTC);
            if (this == WEEK) {
                day = day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
            }
            return day.atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    public static TagStatsQuery parse(String from, String to, String interval) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        Instant f = time("from", from, errors);
        Instant t = time("to", to, errors);
        Interval i = Interval.DAY;
        if (interval != null && !interval.isBlank()) {
            switch (interval.trim().toLowerCase(Locale.ROOT)) {
                case "day" -> i = Interval.DAY;
                case "week" -> i = Interval.WEEK;
                default -> errors.add(new InvalidInputException.FieldError("interval", "must be day or week"));
            }
        }
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
        return new TagStatsQuery(f, t, i);
    }

    /** The start of the first bucket (at or before {@code from}). */
    public Instant origin() {
        return interval.floor(from);
    }

    /** Every bucket start from {@link #origin()} up to {@code to}, in order; the first and last may be partial. */
    public List<Instant> bucketStarts() {
        List<Instant> starts = new ArrayList<>();
        for (Instant s = origin(); s.isBefore(to); s = s.plus(interval.length())) {
            starts.add(s);
        }
        return starts;
    }

    private static Instant time(String field, String value, List<InvalidInputException.FieldError> errors) {
        if (value == null || value.isBlank()) {
            errors.add(new InvalidInputException.FieldError(field, "is required (ISO-8601 UTC, e.g. 2025-03-01T00:00:00Z or 2025-03-01)"));
            return null;
        }
        String v = value.trim();
        Instant t;
        try {
            t = v.length() == 10 ? LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(v);
        } catch (DateTimeParseException e) {
            errors.add(new InvalidInputException.FieldError(field, "must be an ISO-8601 UTC time such as 2025-03-01T00:00:00Z, or a date such as 2025-03-01"));
            return null;
        }
        if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
            errors.add(new InvalidInputException.FieldError(field, "must be within the years 1 to 9999"));
            return null;
        }
        return t;
    }
}
