package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {

    @Test
    void findsTheFirstControlCharacter() {
        assertThat(ControlCharacters.firstIn(null, false)).isEqualTo(-1);
        assertThat(ControlCharacters.firstIn("Где мой заказ? 你好 שלום 𝔘", false)).isEqualTo(-1);
        assertThat(ControlCharacters.firstIn("a\u0000b", true)).isEqualTo(1);
        assertThat(ControlCharacters.firstIn("ab\u007f", true)).isEqualTo(2);
        assertThat(ControlCharacters.firstIn("\u0085", true)).isZero();
        assertThat(ControlCharacters.firstIn("x\u202ey", true)).isEqualTo(1);
        assertThat(ControlCharacters.firstIn("x\u2066", true)).isEqualTo(1);
        assertThat(ControlCharacters.firstIn("\ufeffx", true)).isZero();
    }

    @Test
    void newlinesAndTabsOnlyWhereAValueMaySpanLines() {
        assertThat(ControlCharacters.firstIn("one\r\ntwo\tthree", true)).isEqualTo(-1);
        assertThat(ControlCharacters.firstIn("one\ntwo", false)).isEqualTo(3);
        assertThat(ControlCharacters.firstIn("tab\there", false)).isEqualTo(3);
    }

    @Test
    void unpairedSurrogatesAreRefusedPairsAreNot() {
        assertThat(ControlCharacters.firstIn("ok \ud835\udd18", false)).isEqualTo(-1);
        assertThat(ControlCharacters.firstIn("x\ud800", false)).isEqualTo(1);
        assertThat(ControlCharacters.firstIn("x\udc00y", false)).isEqualTo(1);
    }
}
