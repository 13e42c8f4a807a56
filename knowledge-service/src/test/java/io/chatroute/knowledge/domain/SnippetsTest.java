package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SnippetsTest {

    @Test
    void shortBodyIsReturnedWhole() {
        assertThat(Snippets.leading("Refunds take five days.", 200)).isEqualTo("Refunds take five days.");
    }

    @Test
    void leadingExcerptIsCutAtAWordWithEllipsis() {
        String body = "one two three four five six seven eight nine ten";
        String s = Snippets.leading(body, 20);
        assertThat(s).endsWith(Snippets.ELLIPSIS).startsWith("one two");
        assertThat(s.length()).isLessThanOrEqualTo(21);
        assertThat(body).startsWith(s.substring(0, s.length() - 1));
        assertThat(s).doesNotContain("  ");
    }

    @Test
    void excerptContainsTheMatchWithEllipsesOnBothSides() {
        String body = "a".repeat(10) + " " + "filler ".repeat(40) + "REFUND policy applies " + "tail ".repeat(40);
        int at = body.indexOf("REFUND");
        String s = Snippets.around(body, at, at + 6, 60);
        assertThat(s).contains("REFUND").startsWith(Snippets.ELLIPSIS).endsWith(Snippets.ELLIPSIS);
        assertThat(s.length()).isLessThanOrEqualTo(62);
    }

    @Test
    void noMatchGivesTheLeadingExcerpt() {
        assertThat(Snippets.around("Hello world, this is the body", -1, -1, 11)).isEqualTo("Hello world…");
        assertThat(Snippets.around("Hello wonderful world", -1, -1, 12)).isEqualTo("Hello wonderful world".substring(0, 12) + "…");
    }

    @Test
    void chineseTextWithoutSpacesIsNotEmptied() {
        String body = "我们的政策是".repeat(20) + "退款" + "需要五个工作日".repeat(20);
        int at = body.indexOf("退款");
        String s = Snippets.around(body, at, at + 2, 30);
        assertThat(s).contains("退款").startsWith(Snippets.ELLIPSIS).endsWith(Snippets.ELLIPSIS);
    }

    @Test
    void whitespaceIsCollapsedAndNoMarkupIsAdded() {
        assertThat(Snippets.leading("line one\n\n  line <b>two</b>", 100)).isEqualTo("line one line <b>two</b>");
        assertThat(Snippets.around("abc", 0, 1, 10)).isEqualTo("abc");
    }

    @Test
    void emptyBodyAndBadLength() {
        assertThat(Snippets.leading("", 10)).isEmpty();
        assertThat(Snippets.leading(null, 10)).isEmpty();
        assertThatThrownBy(() -> Snippets.leading("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
