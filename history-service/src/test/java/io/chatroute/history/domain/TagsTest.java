package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class TagsTest {

    private static List<InvalidInputException.FieldError> errors(List<?> raw) {
        try {
            Tags.normalise(raw, "tags");
        } catch (InvalidInputException e) {
            return e.errors();
        }
        throw new AssertionError("accepted: " + raw);
    }

    @Test
    void normalisesMergesDuplicatesAndSorts() {
        assertThat(Tags.normalise(List.of("Late-Shipper", "  late-shipper ", "VIP", "refund_request", "Late   Shipper"), "tags"))
                .containsExactly("late shipper", "late-shipper", "refund_request", "vip");
        assertThat(Tags.normalise(List.of(), "tags")).isEmpty();
    }

    @Test
    void lettersOfOtherScriptsAreTagsToo() {
        assertThat(Tags.normalise(List.of("Возврат", "退款", "החזר", "ｗｉｄｅ"), "tags"))
                .containsExactlyInAnyOrder("возврат", "退款", "החזר", "wide");
    }

    @Test
    void eachBadEntryIsNamed() {
        assertThat(errors(Arrays.asList("ok", "", null, 5, "a/b", "#lead", "x".repeat(51), "nul\u0000", "\u202Eevil")))
                .extracting(InvalidInputException.FieldError::field)
                .containsExactly("tags[1]", "tags[2]", "tags[3]", "tags[4]", "tags[5]", "tags[6]", "tags[7]", "tags[8]");
        assertThat(Tags.normalise(List.of("x".repeat(50)), "tags")).hasSize(1);
    }

    @Test
    void everyTagSessionServiceAcceptsIsATag() {
        // its rule (and chat.tagged's schema): letters, digits, space, - and _ in any order, 1 to 50
        assertThat(Tags.normalise(List.of("-Urgent", "_x", "x-", "a_b c", "__"), "tags"))
                .containsExactly("-urgent", "__", "_x", "a_b c", "x-");
        // NFKC gives ½ a fraction slash and makes ﬁ two letters: still taken, stored normalised
        assertThat(Tags.normalise(List.of("½", "x".repeat(49) + "ﬁ"), "tags"))
                .containsExactly("1⁄2", "x".repeat(49) + "fi");
        assertThat(errors(List.of("½/", "x".repeat(50) + "ﬁ"))).extracting(InvalidInputException.FieldError::field)
                .containsExactly("tags[0]", "tags[1]");
    }

    @Test
    void atMostTwentyDistinctTagsAndABoundedList() {
        List<String> twenty = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            twenty.add("t" + i);
        }
        assertThat(Tags.normalise(twenty, "tags")).hasSize(20);
        List<String> withDuplicates = new ArrayList<>(twenty);
        withDuplicates.addAll(twenty.stream().map(String::toUpperCase).toList());
        assertThat(Tags.normalise(withDuplicates, "tags")).hasSize(20);
        List<String> twentyOne = new ArrayList<>(twenty);
        twentyOne.add("t20");
        assertThat(errors(twentyOne)).extracting(InvalidInputException.FieldError::field).containsExactly("tags");
        assertThat(errors(java.util.Collections.nCopies(101, "a"))).extracting(InvalidInputException.FieldError::field)
                .containsExactly("tags");
        assertThatThrownBy(() -> Tags.normalise(null, "tags")).isInstanceOf(InvalidInputException.class);
    }
}
