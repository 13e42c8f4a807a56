package io.chatroute.knowledge.domain;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What to look for: free text (never parsed as a query syntax), an optional preferred language (searched
 * first, all languages when it finds nothing), the number of hits wanted and whether only public articles count.
 * {@code context} holds earlier messages of the same conversation, oldest first: they are searched too, with a
 * lower weight, so a short follow-up ("and how long does it take?") keeps the subject of the chat.
 */
public record SearchRequest(String text, Optional<Language> language, int limit, boolean publicOnly, List<String> context) {
    public SearchRequest {
        Objects.requireNonNull(text, "text");
        language = language == null ? Optional.empty() : language;
        context = context == null ? List.of() : List.copyOf(context);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }

    public SearchRequest(String text, Optional<Language> language, int limit, boolean publicOnly) {
        this(text, language, limit, publicOnly, List.of());
    }

    public SearchRequest withLimit(int newLimit) {
        return new SearchRequest(text, language, newLimit, publicOnly, context);
    }
}
