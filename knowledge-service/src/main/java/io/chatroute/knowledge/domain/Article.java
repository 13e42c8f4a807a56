package io.chatroute.knowledge.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/** A knowledge-base article. {@code publicArticle} articles may be shown to visitors (suggestions, bot). */
public record Article(String id, String title, String body, Language language, List<String> tags, boolean publicArticle,
                      Instant createdAt, Instant updatedAt) {
    public Article {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(language, "language");
        tags = tags == null ? List.of() : List.copyOf(tags);
    }
}
