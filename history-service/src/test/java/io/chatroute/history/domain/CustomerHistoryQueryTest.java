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
}
