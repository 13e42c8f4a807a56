package io.chatroute.session.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextSafetyTest {

    @Test
    void masksLuhnValidCardNumbersWithOrWithoutSeparators() {
        assertThat(TextSafety.maskCards("my card 4111 1111 1111 1111 please"))
                .isEqualTo("my card **** **** **** 1111 please");
        assertThat(TextSafety.maskCards("4111-1111-1111-1111")).isEqualTo("****-****-****-1111");
        assertThat(TextSafety.maskCards("4111  1111 - 1111 1111")).isEqualTo("****  **** - **** 1111"); // up to 3 separators
        assertThat(TextSafety.maskCards("5500005555555559")).isEqualTo("************5559");
        assertThat(TextSafety.maskCards("amex 378282246310005.")).isEqualTo("amex ***********0005.");
        assertThat(TextSafety.maskCards("19 digits 6011000990139424009")).isEqualTo("19 digits ***************4009");
        assertThat(TextSafety.maskCards("two: 4111111111111111 and 5555555555554444"))
                .isEqualTo("two: ************1111 and ************4444");
    }

    @Test
    void leavesOtherNumbersAlone() {
        assertThat(TextSafety.maskCards("order 4111111111111112")).isEqualTo("order 4111111111111112"); // Luhn fails
        assertThat(TextSafety.maskCards("call +7 495 123 45 67")).isEqualTo("call +7 495 123 45 67"); // too short
        assertThat(TextSafety.maskCards("tracking 12345678901234567890123")).isEqualTo("tracking 12345678901234567890123");
        assertThat(TextSafety.maskCards("4111 1111 111")).isEqualTo("4111 1111 111"); // 11 digits
        assertThat(TextSafety.maskCards("")).isEmpty();
        assertThat(TextSafety.maskCards(null)).isNull();
    }

    @Test
    void removesControlAndBidiCharactersKeepsText() {
        assertThat(TextSafety.clean("a\u0000b\u0007c\u001B[31m")).isEqualTo("abc[31m");
        assertThat(TextSafety.clean("line1\r\nline2\rline3\n\tx")).isEqualTo("line1\nline2\nline3\n\tx");
        assertThat(TextSafety.clean("evil\u202Etxt.exe\u2066x\u2069")).isEqualTo("eviltxt.exex");
        assertThat(TextSafety.clean("\uFEFFhi\u0085\u007F")).isEqualTo("hi");
        assertThat(TextSafety.clean("lone \uD800 surrogate \uDC00 ok \uD83D\uDE00")).isEqualTo("lone  surrogate  ok \uD83D\uDE00");
        assertThat(TextSafety.clean("שלום, 你好, привет \u200F")).isEqualTo("שלום, 你好, привет \u200F"); // RLM stays
        String plain = "nothing to do";
        assertThat(TextSafety.clean(plain)).isSameAs(plain);
        assertThat(TextSafety.clean(null)).isNull();
    }

    @Test
    void oneLineValuesLoseTheirLineBreaks() {
        assertThat(TextSafety.cleanLine("Anna\nSmith\t\u0000")).isEqualTo("Anna Smith ");
        assertThat(TextSafety.hasUnsafe("m-1")).isFalse();
        assertThat(TextSafety.hasUnsafe("m\u00001")).isTrue();
        assertThat(TextSafety.hasUnsafe("m\n1")).isTrue();
        assertThat(TextSafety.hasUnsafe(null)).isFalse();
    }
}
