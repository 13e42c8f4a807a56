package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PreviewTest {

    @Test
    void oneCleanLine() {
        // the escape character goes, so what is left is inert text
        assertThat(Preview.of("  I was\n charged\ttwice \u001B[2J\u202E ")).isEqualTo("I was charged twice [2J");
        assertThat(Preview.of(null)).isNull();
    }

    @Test
    void cutAtTheLimitWithAnEllipsisNeverInsideACharacter() {
        assertThat(Preview.of("x".repeat(200))).hasSize(200);
        String cut = Preview.of("x".repeat(250));
        assertThat(cut).hasSize(200).endsWith("x…");
        String emoji = Preview.of("😀".repeat(250));
        assertThat(emoji.codePointCount(0, emoji.length())).isEqualTo(200);
        assertThat(emoji).endsWith("😀…");
    }
}
