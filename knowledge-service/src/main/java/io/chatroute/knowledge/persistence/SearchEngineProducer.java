package io.chatroute.knowledge.persistence;

import io.chatroute.knowledge.config.KnowledgeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

@ApplicationScoped
public class SearchEngineProducer {

    @Produces
    @Singleton
    LuceneSearchEngine engine(KnowledgeConfig config) {
        KnowledgeConfig.Search s = config.search();
        return new LuceneSearchEngine(new LanguageAnalyzers(), s.titleBoost(), s.tagsBoost(), s.snippetLength());
    }

    void close(@Disposes LuceneSearchEngine engine) {
        engine.close();
    }
}
