package io.chatroute.knowledge.domain;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The suggestion policy: which posted messages get article suggestions, what is searched, and the id of the
 * resulting {@code kb.suggested} event. A suggestion is a pure function of the message event it answers,
 * so its event id is a name-based UUID of the source event id: reprocessing the same message yields the same id.
 */
public final class Suggestions {

    public static final String EVENT_TYPE = "kb.suggested";

    private final int maxItems;
    private final double minScore;
    private final Duration maxAge;

    public Suggestions(int maxItems, double minScore, Duration maxAge) {
        if (maxItems < 1) {
            throw new IllegalArgumentException("maxItems must be at least 1");
        }
        this.maxItems = maxItems;
        this.minScore = minScore;
        this.maxAge = maxAge;
    }

    /** The posted message as far as suggestions care. */
    public record PostedMessage(String chatId, long seq, String from, String text, String language, Instant sentAt) {
    }

    /** The id of the kb.suggested event that answers the event {@code sourceEventId}. */
    public static String eventId(String sourceEventId) {
        return UUID.nameUUIDFromBytes((EVENT_TYPE + ":" + sourceEventId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /**
     * The search to run for a message, or empty when the message gets no suggestion: not from the visitor,
     * blank, or older than the maximum age (a consumer catching up on old traffic should not flood agents).
     */
    public Optional<SearchRequest> requestFor(PostedMessage message, Instant now) {
        if (!"visitor".equals(message.from()) || message.text() == null || message.text().isBlank()
                || message.chatId() == null || message.chatId().isBlank()) {
            return Optional.empty();
        }
        if (maxAge != null && message.sentAt() != null && message.sentAt().plus(maxAge).isBefore(now)) {
            return Optional.empty();
        }
        return Optional.of(new SearchRequest(message.text(), Language.fromCode(message.language()), maxItems, true));
    }

    public int maxItems() {
        return maxItems;
    }

    /** The hits at or above the minimum score, best first. */
    public List<SearchHit> aboveMinScore(List<SearchHit> hits) {
        return hits.stream().filter(h -> h.score() >= minScore).toList();
    }

    /** The hits worth suggesting: at or above the minimum score, at most {@code maxItems}, best first. */
    public List<SearchHit> select(List<SearchHit> hits) {
        return hits.stream().filter(h -> h.score() >= minScore).limit(maxItems).toList();
    }
}
