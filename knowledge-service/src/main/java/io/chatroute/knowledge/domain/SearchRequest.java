package io.chatroute.knowledge.domain;

import java.util.Objects;
import java.util.Optional;

/**
 * What to look for: free text (never parsed as a query syntax), an optional preferred language (searched
 * first, all languages when it finds nothing), the number of hits wanted and whether only public articles count.
 */
public record SearchRequest(String text, Optional<Language> language, int limit, boolean publicOnly) {
    public SearchRequest {
        Objects.requireNonNull(text, "text");
        language = language == null ? Optional.empty() : language;
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }
}
