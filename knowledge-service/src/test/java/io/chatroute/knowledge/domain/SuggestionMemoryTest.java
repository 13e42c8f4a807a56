package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SuggestionMemoryTest {

    static SearchHit hit(String id, double score) {
        return new SearchHit(id, id, "", score, "en");
    }

    @Test
    void contextIsTheLatestMessagesBeforeTheOneAnswered() {
        List<SuggestionMemory.Message> ctx = List.of(new SuggestionMemory.Message(1, "a"), new SuggestionMemory.Message(2, "b"),
                new SuggestionMemory.Message(3, "c"));
        assertThat(SuggestionMemory.contextBefore(ctx, 4, 2)).containsExactly("b", "c");
        assertThat(SuggestionMemory.contextBefore(ctx, 3, 5)).containsExactly("a", "b");
        assertThat(SuggestionMemory.contextBefore(List.of(), 1, 3)).isEmpty();
    }

    @Test
    void rememberKeepsTheLatestBySeqWithoutDuplicates() {
        List<SuggestionMemory.Message> ctx = List.of(new SuggestionMemory.Message(1, "a"), new SuggestionMemory.Message(2, "b"));
        assertThat(SuggestionMemory.remember(ctx, new SuggestionMemory.Message(3, "c"), 2)).extracting(SuggestionMemory.Message::text)
                .containsExactly("b", "c");
        assertThat(SuggestionMemory.remember(ctx, new SuggestionMemory.Message(2, "b"), 3)).hasSize(2);
    }

    @Test
    void articlesSuggestedBeforeAreLeftOutUnlessClearlyHigher() {
        List<SearchHit> hits = List.of(hit("a", 10), hit("b", 8), hit("c", 6), hit("d", 5));
        // a was first before: not repeated, however it scores now; b was suggested: left out; c, d fill the room
        assertThat(SuggestionMemory.choose(hits, Map.of("a", new SuggestionMemory.Previous(1, 9), "b", new SuggestionMemory.Previous(2, 8)), 3))
                .extracting(SearchHit::articleId).containsExactly("c", "d");
        // a was only second before and is first now: clearly higher
        assertThat(SuggestionMemory.choose(hits, Map.of("a", new SuggestionMemory.Previous(2, 9)), 3))
                .extracting(SearchHit::articleId).containsExactly("a", "b", "c");
        assertThat(SuggestionMemory.choose(hits, Map.of("a", new SuggestionMemory.Previous(1, 1)), 2))
                .extracting(SearchHit::articleId).containsExactly("b", "c");
        // a hit suggested before that is not first now is never repeated, however it scores
        assertThat(SuggestionMemory.choose(hits, Map.of("b", new SuggestionMemory.Previous(3, 1)), 3))
                .extracting(SearchHit::articleId).containsExactly("a", "c", "d");
        assertThat(SuggestionMemory.afterSuggesting(Map.of("x", new SuggestionMemory.Previous(1, 2)), List.of(hit("a", 10))))
                .containsEntry("a", new SuggestionMemory.Previous(1, 10)).containsKey("x");
    }

    @Test
    void questionsAreNormalisedForTheReport() {
        assertThat(SuggestionMemory.normalise("  Where's my PARCEL?!  ")).isEqualTo("where s my parcel");
        assertThat(SuggestionMemory.normalise("Где моя посылка???")).isEqualTo("где моя посылка");
        assertThat(SuggestionMemory.normalise("我的包裹在哪里？")).isEqualTo("我的包裹在哪里");
        assertThat(SuggestionMemory.normalise("איפה החבילה שלי?")).isEqualTo("איפה החבילה שלי");
        assertThat(SuggestionMemory.normalise("...")).isEmpty();
        assertThat(SuggestionMemory.normalise("x".repeat(400))).hasSize(300);
    }
}
