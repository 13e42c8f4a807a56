package io.chatroute.knowledge.api;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.chatroute.knowledge.domain.Article;

/** An article as the API shows it. */
public record ArticleView(String id, String title, String body, String language, List<String> tags,
                          @JsonProperty("public") boolean publicArticle, Instant createdAt, Instant updatedAt,
                          List<String> questions, List<String> synonyms) {
    static ArticleView of(Article a) {
        return new ArticleView(a.id(), a.title(), a.body(), a.language().code(), a.tags(), a.publicArticle(), a.createdAt(),
                a.updatedAt(), a.questions(), a.synonyms());
    }
}
