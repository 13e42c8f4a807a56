package io.chatroute.knowledge.domain;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A knowledge-base article. {@code publicArticle} articles may be shown to visitors (suggestions, bot).
 * {@code questions} are alternate questions the article answers and {@code synonyms} other words for its
 * subject, both written by the author and searched like the title; {@code learned} are visitor questions
 * for which agents used the article (from suggestion.used), searched with a lower weight.
 */
public record Article(String id, String title, String body, Language language, List<String> tags, boolean publicArticle,
                      Instant createdAt, Instant updatedAt, List<String> questions, List<String> synonyms,
                      List<String> learned, Instant learnedAt) {
    public Article {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(language, "language");
        tags = tags == null ? List.of() : List.copyOf(tags);
        questions = questions == null ? List.of() : List.copyOf(questions);
        synonyms = synonyms == null ? List.of() : List.copyOf(synonyms);
        learned = learned == null ? List.of() : List.copyOf(learned);
    }

    public Article(String id, String title, String body, Language language, List<String> tags, boolean publicArticle,
                   Instant createdAt, Instant updatedAt) {
        this(id, title, body, language, tags, publicArticle, createdAt, updatedAt, List.of(), List.of(), List.of(), null);
    }

    public Article(String id, String title, String body, Language language, List<String> tags, boolean publicArticle,
                   Instant createdAt, Instant updatedAt, List<String> questions, List<String> synonyms, List<String> learned) {
        this(id, title, body, language, tags, publicArticle, createdAt, updatedAt, questions, synonyms, learned, null);
    }

    public Article withLearned(List<String> learnedQuestions) {
        return new Article(id, title, body, language, tags, publicArticle, createdAt, updatedAt, questions, synonyms,
                learnedQuestions, learnedAt);
    }

    /** The version of the article as the search index holds it: the later of its update and its last learned question. */
    public Instant indexVersion() {
        Instant u = updatedAt == null ? Instant.EPOCH : updatedAt;
        return learnedAt != null && learnedAt.isAfter(u) ? learnedAt : u;
    }
}
