package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

class MetricsQueryTest {

    @Test
    void datesTimesAndGrouping() {
        MetricsQuery q = MetricsQuery.parse("2025-03-01", "2025-03-02T12:00:00Z", "Agent");
        assertThat(q.from()).isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
        assertThat(q.to()).isEqualTo(Instant.parse("2025-03-02T12:00:00Z"));
        assertThat(q.groupBy()).isEqualTo(MetricsQuery.GroupBy.AGENT);
        assertThat(MetricsQuery.parse("2025-03-01", "2025-03-02", null).groupBy()).isEqualTo(MetricsQuery.GroupBy.QUEUE);
    }

    @Test
    void todayRunsFromMidnightUtc() {
        MetricsQuery q = MetricsQuery.today(Instant.parse("2025-03-01T15:30:00Z"), "hour");
        assertThat(q.from()).isEqualTo(Instant.parse("2025-03-01T00:00:00Z"));
        assertThat(q.to()).isEqualTo(Instant.parse("2025-03-01T15:30:00Z"));
        assertThat(MetricsQuery.today(Instant.parse("2025-03-01T00:00:00Z"), null).to()).isAfter(Instant.parse("2025-03-01T00:00:00Z"));
    }

    @Test
    void everyBadFieldIsNamed() {
        assertThatThrownBy(() -> MetricsQuery.parse(null, "x", "month"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .extracting(InvalidInputException.FieldError::field).containsExactly("from", "to", "groupBy"));
        assertThatThrownBy(() -> MetricsQuery.parse("2025-01-01", "2026-01-03", "day"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .extracting(InvalidInputException.FieldError::field).isEqualTo(List.of("to")));
    }
}
