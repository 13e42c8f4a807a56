package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CustomerHistoryQueryTest {

    @Test
    void limitDefaultsAndBounds() {
        assertThat(CustomerHistoryQuery.parse("c-42", null, 20, 100).limit()).isEqualTo(20);
        assertThat(CustomerHistoryQuery.parse("c-42", " 100 ", 20, 100).limit()).isEqualTo(100);
        for (String bad : new String[] {"0", "101", "-1", "ten", "1.5"}) {
            assertThatThrownBy(() -> CustomerHistoryQuery.parse("c-42", bad, 20, 100)).as(bad)
                    .isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.errors()).extracting(InvalidInputException.FieldError::field).containsExactly("limit"));
        }
    }

    @Test
    void customerIdIsBounded() {
        assertThat(CustomerHistoryQuery.customerId("c".repeat(200))).hasSize(200);
        assertThatThrownBy(() -> CustomerHistoryQuery.customerId("c".repeat(201))).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> CustomerHistoryQuery.parse("c\u0000", "x", 20, 100))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.errors())
                        .extracting(InvalidInputException.FieldError::field).containsExactly("customerId", "limit"));
    }

    @Test
    void customerIdRefusesWhatSessionServiceNeverLetsIntoAnId() {
        for (String ok : new String[] {"c-42", "a@example.com", "клиент 7", "客户 \ud83d\ude00", "לקוח\u200f"}) {
            assertThat(CustomerHistoryQuery.customerIdError(ok)).as(ok).isNull();
        }
        for (String bad : new String[] {"c\u001B1", "c\t1", "c\n1", "c\r", "c\u007F", "c\u0085", "c\u202E", "c\u2066", "\ufeffc",
                "c\ud83d"}) {
            assertThat(CustomerHistoryQuery.customerIdError(bad)).as(bad).startsWith("must not contain control");
            assertThatThrownBy(() -> CustomerHistoryQuery.customerId(bad)).isInstanceOf(InvalidInputException.class);
        }
        assertThatThrownBy(() -> TranscriptQuery.parse("c\u001B1", null, null, null, null, null, null, 20, 100))
                .isInstanceOfSatisfying(TranscriptQuery.InvalidQueryException.class, e -> assertThat(e.errors())
                        .extracting(TranscriptQuery.FieldError::field).containsExactly("customerId"));
    }
}
