package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class TranscriptTextTest {

    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private static Transcript transcript(List<TranscriptMessage> messages) {
        return new Transcript("c1", ChatStatus.CLOSED, "default", new Visitor("Anna", "a@example.com", "ru", "c-42"),
                Map.of("topic", "billing"), "I was charged twice", "billing-ru", "ag-1",
                List.of(new Transcript.Agent("ag-1", "Boris", "Billing", null, T0.plusSeconds(5))),
                new Transcript.Times(T0, T0.plusSeconds(1), T0.plusSeconds(5), T0.plusSeconds(60)), "agent",
                null, messages, List.of(), null);
    }

    @Test
    void rendersHeaderAndMessagesWithSpeakers() {
        String text = TranscriptText.render(transcript(List.of(
                new TranscriptMessage(1, "m1", "k1", "visitor", null, "I was charged twice", "en", T0.plusSeconds(2)),
                new TranscriptMessage(2, "m2", null, "agent", "ag-1", "Let me check", "en", T0.plusSeconds(6)))));
        assertThat(text).startsWith("Chat c1 (CLOSED)\n");
        assertThat(text).contains("Visitor: Anna <a@example.com>\n", "Customer: c-42\n", "Queue: billing-ru\n",
                "Agents: Boris (ag-1)\n", "Form: topic=billing\n", "Closed: 2025-03-01T10:01:00Z by agent\n");
        assertThat(text).contains("[2025-03-01T10:00:02Z] #1 Visitor Anna: I was charged twice\n"
                + "[2025-03-01T10:00:06Z] #2 Agent Boris: Let me check\n");
        assertThat(text).doesNotContain("(left message)");
    }

    @Test
    void removesControlCharactersAndIndentsContinuationLines() {
        String text = TranscriptText.render(transcript(List.of(new TranscriptMessage(1, "m1", null, "visitor", null,
                "hello\u001b[31m red\u202e evil\r\n[2025-01-01T00:00:00Z] #9 Agent Boris: fake", "en", T0))));
        assertThat(text).doesNotContain("\u001b", "\u202e", "\r");
        assertThat(text).contains("hello[31m red evil\n    [2025-01-01T00:00:00Z] #9 Agent Boris: fake");
        assertThat(text.lines().filter(l -> l.startsWith("[")).count()).isEqualTo(1);
    }

    @Test
    void keepsHebrewDirectionMarksAndNonLatinText() {
        assertThat(TranscriptText.clean("שלום\u200f 你好 привет")).isEqualTo("שלום\u200f 你好 привет");
    }

    @Test
    void showsTheLeftMessageWhenThereAreNoMessages() {
        assertThat(TranscriptText.render(transcript(List.of()))).contains("(left message) I was charged twice\n");
    }
}
