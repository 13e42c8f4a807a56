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
}
