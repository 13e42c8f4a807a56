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
        Ranking ranking = new Ranking(s.titleBoost(), s.tagsBoost(), s.questionsBoost(), s.learnedBoost(), s.contextWeight(),
                s.detectScript(), Ranking.DEFAULT.bm25K1(), Ranking.DEFAULT.bm25B()).withThesaurus(s.thesaurusWeight())
                .withCommonPhraseShare(s.thesaurusCommonShare());
        return new LuceneSearchEngine(new LanguageAnalyzers(s.hebrewPrefixes(), s.hebrewSuffixes()), ranking, s.snippetLength());
    }

    void close(@Disposes LuceneSearchEngine engine) {
        engine.close();
    }
}
