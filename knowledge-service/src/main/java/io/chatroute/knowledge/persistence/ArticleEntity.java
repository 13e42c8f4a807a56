package io.chatroute.knowledge.persistence;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

@Entity
@Table(name = "article")
public class ArticleEntity {
    @Id
    public String id;
    public String title;
    public String body;
    public String language;
    @Convert(converter = StringListConverter.class)
    public List<String> tags;
    @Column(name = "is_public")
    public boolean publicArticle;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
    @Convert(converter = StringListConverter.class)
    public List<String> questions;
    @Convert(converter = StringListConverter.class)
    public List<String> synonyms;
    /** Visitor questions for which agents used the article (suggestion.used), most recent first, at most 50. */
    @Convert(converter = StringListConverter.class)
    public List<String> learned;
    /** When a visitor question was last learned for the article (suggestion.used); the index version is the later of the two. */
    @Column(name = "learned_at")
    public Instant learnedAt;
}
