package io.chatroute.knowledge.domain;

import java.util.Collection;
import java.util.List;

/**
 * The search engine behind the knowledge base, as the rest of the service sees it. The index is derived
 * state: the articles in the database are the truth, and the engine can be rebuilt from them at any time.
 * Implementations are thread-safe; calls may block briefly (call them from worker threads).
 */
public interface KnowledgeSearchEngine {

    /** Replaces the whole index with these articles. */
    void rebuild(Collection<Article> articles);

    /** Adds or replaces one article. */
    void index(Article article);

    /** Removes one article; nothing happens if it is not indexed. */
    void remove(String articleId);

    /** The best hits first, at most {@code request.limit()}. */
    List<SearchHit> search(SearchRequest request);

    /** Number of articles in the index. */
    int size();
}
