package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;

import org.junit.jupiter.api.Test;

class TranscriptQueryTest {

    @Test
    void defaultsAndTrimming() {
        TranscriptQuery q = TranscriptQuery.parse(" c-42 ", "", null, "2025-01-01T00:00:00Z", null, null, null, 20, 100);
        assertThat(q.customerId()).isEqualTo("c-42");
        assertThat(q.agentId()).isNull();
        assertThat(q.from()).isEqualTo(Instant.parse("2025-01-01T00:00:00Z"));
        assertThat(q.page()).isZero();
        assertThat(q.size()).isEqualTo(20);
        assertThat(TranscriptQuery.parse(null, null, null, null, null, "3", "10", 20, 100).offset()).isEqualTo(30);
    }

    @Test
    void reportsEveryBadField() {
        assertThatThrownBy(() -> TranscriptQuery.parse(null, null, null, "yesterday", null, "-1", "1000", 20, 100))
                .isInstanceOfSatisfying(TranscriptQuery.InvalidQueryException.class, e -> assertThat(e.errors())
                        .extracting(TranscriptQuery.FieldError::field).containsExactly("from", "page", "size"));
        assertThatThrownBy(() -> TranscriptQuery.parse(null, null, null, "2025-02-01T00:00:00Z", "2025-01-01T00:00:00Z",
                "x", null, 20, 100))
                .isInstanceOfSatisfying(TranscriptQuery.InvalidQueryException.class, e -> assertThat(e.errors())
                        .extracting(TranscriptQuery.FieldError::field).containsExactly("to", "page"));
    }

    @Test
    void fullTextAndTags() {
        TranscriptQuery q = TranscriptQuery.parse(null, null, null, null, null, null, null, " refund возврат ",
                java.util.List.of("VIP", " Late-Shipper "), 20, 100);
        assertThat(q.text()).isEqualTo("refund возврат");
        assertThat(q.search().english()).isEqualTo("refund");
        assertThat(q.search().russian()).isEqualTo("возврат");
        assertThat(q.tags()).containsExactly("late-shipper", "vip");
        assertThat(TranscriptQuery.parse(null, null, null, null, null, null, null, "  ", null, 20, 100).search()).isNull();
        assertThatThrownBy(() -> TranscriptQuery.parse(null, null, null, null, null, null, null, "?!", java.util.List.of("a!"),
                20, 100))
                .isInstanceOfSatisfying(TranscriptQuery.InvalidQueryException.class, e -> assertThat(e.errors())
                        .extracting(TranscriptQuery.FieldError::field).containsExactly("q", "tag"));
        assertThatThrownBy(() -> TranscriptQuery.parse(null, null, null, null, null, null, null, "x".repeat(201), null,
                20, 100)).isInstanceOf(TranscriptQuery.InvalidQueryException.class);
        assertThatThrownBy(() -> TranscriptQuery.parse(null, null, null, null, null, null, null, "a\u001bb", null, 20, 100))
                .isInstanceOf(TranscriptQuery.InvalidQueryException.class);
    }
}
