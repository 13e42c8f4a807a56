package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NoteTextTest {

    @Test
    void keepsTextNewlinesTabsAndHebrewMarks() {
        assertThat(NoteText.validate("Prefers email.\r\n\tVIP since 2021 \u200Fשלום", "text"))
                .isEqualTo("Prefers email.\n\tVIP since 2021 \u200Fשלום");
        assertThat(NoteText.validate("😀".repeat(2000), "text")).hasSize(4000); // 2000 code points
    }

    @Test
    void refusesMissingBlankTooLongAndControlCharacters() {
        for (String bad : new String[] {null, "", "  \n", "x".repeat(2001), "a\u0000b", "ansi \u001B[31m", "a\rb",
                "\u202Eevil", "zero\u200Bwidth", "line\u2028sep", "\u0085", "lone \uD800 surrogate"}) {
            assertThatThrownBy(() -> NoteText.validate(bad, "text"))
                    .as(String.valueOf(bad)).isInstanceOfSatisfying(InvalidInputException.class,
                            e -> assertThat(e.errors()).extracting(InvalidInputException.FieldError::field).containsExactly("text"));
        }
    }
}
