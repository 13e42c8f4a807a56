package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class TagStatsQueryTest {

    private static List<String> fields(String from, String to, String interval) {
        try {
            TagStatsQuery.parse(from, to, interval);
        } catch (InvalidInputException e) {
            return e.errors().stream().map(InvalidInputException.FieldError::field).toList();
        }
        throw new AssertionError("accepted");
    }

    @Test
    void daysByDefaultDatesOrTimes() {
        TagStatsQuery q = TagStatsQuery.parse("2025-03-01", "2025-03-03T12:00:00Z", null);
        assertThat(q.interval()).isEqualTo(TagStatsQuery.Interval.DAY);
        assertThat(q.from()).isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
        assertThat(q.bucketStarts()).containsExactly(Instant.parse("2025-03-01T00:00:00Z"),
                Instant.parse("2025-03-02T00:00:00Z"), Instant.parse("2025-03-03T00:00:00Z"));
    }

    @Test
    void weeksStartOnMondayUtc() {
        // 2025-03-05 is a Wednesday
        TagStatsQuery q = TagStatsQuery.parse("2025-03-05T10:00:00Z", "2025-03-18T00:00:00Z", "WEEK");
        assertThat(q.origin()).isEqualTo(Instant.parse("2025-03-03T00:00:00Z"));
        assertThat(q.bucketStarts()).containsExactly(Instant.parse("2025-03-03T00:00:00Z"),
                Instant.parse("2025-03-10T00:00:00Z"), Instant.parse("2025-03-17T00:00:00Z"));
    }

    @Test
    void everyBadParameterIsNamed() {
        assertThat(fields(null, "", "month")).containsExactly("from", "to", "interval");
        assertThat(fields("yesterday", "2025-13-01", null)).containsExactly("from", "to");
        assertThat(fields("2025-03-02", "2025-03-01", null)).containsExactly("to");
        assertThat(fields("2025-01-01", "2026-01-03", null)).containsExactly("to");
        assertThat(fields("+10000-01-01T00:00:00Z", "2025-01-01", null)).containsExactly("from");
        assertThat(TagStatsQuery.parse("2024-01-01", "2025-01-01", "day").bucketStarts()).hasSize(366);
        assertThatThrownBy(() -> TagStatsQuery.parse("2025-01-01", "2025-01-01", null)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void countsAreLaidOutOverEveryBucketMostUsedFirst() {
        TagStatsQuery q = TagStatsQuery.parse("2025-03-01", "2025-03-04", "day");
        TagStats s = TagStats.of(q, List.of(new TagStats.Count(0, "vip", 1), new TagStats.Count(0, "refund", 3),
                new TagStats.Count(2, "vip", 2), new TagStats.Count(7, "outside", 1)));
        assertThat(s.interval()).isEqualTo("day");
        assertThat(s.buckets()).hasSize(3);
        assertThat(s.buckets().get(0).tags()).containsExactly(java.util.Map.entry("refund", 3L), java.util.Map.entry("vip", 1L));
        assertThat(s.buckets().get(1).tags()).isEmpty();
        assertThat(s.buckets().get(2).start()).isEqualTo(Instant.parse("2025-03-03T00:00:00Z"));
        assertThat(s.buckets().get(2).tags()).containsExactly(java.util.Map.entry("vip", 2L));
    }
}
