package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class SuggestionsTest {

    private final Suggestions policy = new Suggestions(3, 0.5, Duration.ofMinutes(10));
    private final Instant now = Instant.parse("2025-01-01T12:00:00Z");

    @Test
    void eventIdIsANameBasedUuidOfTheSourceEventId() {
        String id = Suggestions.eventId("0f8c6d2e-1111-4222-8333-944455556666");
        assertThat(id).isEqualTo(Suggestions.eventId("0f8c6d2e-1111-4222-8333-944455556666"));
        assertThat(id).isNotEqualTo(Suggestions.eventId("another"));
        UUID uuid = UUID.fromString(id);
        assertThat(uuid.version()).isEqualTo(3);
        assertThat(id).isEqualTo(UUID.nameUUIDFromBytes("kb.suggested:0f8c6d2e-1111-4222-8333-944455556666".getBytes()).toString());
    }

    @Test
    void visitorMessagesAreSearchedInTheirLanguageAmongPublicArticles() {
        var request = policy.requestFor(new Suggestions.PostedMessage("c1", 2, "visitor", "где мой возврат", "ru-RU", now), now);
        assertThat(request).isPresent();
        assertThat(request.get().language()).contains(Language.RU);
        assertThat(request.get().publicOnly()).isTrue();
        assertThat(request.get().limit()).isEqualTo(3);
        assertThat(request.get().text()).isEqualTo("где мой возврат");
    }

    @Test
    void unknownLanguageSearchesAll() {
        var request = policy.requestFor(new Suggestions.PostedMessage("c1", 2, "visitor", "hello", "fr", null), now);
        assertThat(request).isPresent();
        assertThat(request.get().language()).isEmpty();
    }

    @Test
    void agentBotSystemBlankAndOldMessagesGetNothing() {
        for (String from : List.of("agent", "bot", "system")) {
            assertThat(policy.requestFor(new Suggestions.PostedMessage("c1", 2, from, "refund", "en", now), now)).isEmpty();
        }
        assertThat(policy.requestFor(new Suggestions.PostedMessage("c1", 2, "visitor", "  ", "en", now), now)).isEmpty();
        assertThat(policy.requestFor(new Suggestions.PostedMessage("c1", 2, "visitor", "refund", "en", now.minusSeconds(601)), now)).isEmpty();
        assertThat(policy.requestFor(new Suggestions.PostedMessage("c1", 2, "visitor", "refund", "en", now.minusSeconds(599)), now)).isPresent();
    }

    @Test
    void selectKeepsTheBestHitsAboveTheMinimumScore() {
        List<SearchHit> hits = List.of(hit("a", 3.0), hit("b", 2.0), hit("c", 1.0), hit("d", 0.9), hit("e", 0.1));
        assertThat(policy.select(hits)).extracting(SearchHit::articleId).containsExactly("a", "b", "c");
        assertThat(policy.select(List.of(hit("a", 0.4)))).isEmpty();
    }

    private static SearchHit hit(String id, double score) {
        return new SearchHit(id, "t", "s", score, "en");
    }
}
