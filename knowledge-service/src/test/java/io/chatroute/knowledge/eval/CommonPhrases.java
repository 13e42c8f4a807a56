package io.chatroute.knowledge.eval;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.Thesaurus;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;

/**
 * Round 7 (README, "Evaluation"): the thesaurus phrases that reduce to one word after analysis, and the share of their
 * language's articles whose body has that word, among the 64 evaluation articles alone and with the 10,000
 * distractors (the index the rule {@code Ranking.commonPhraseShare} reads). Prints those above {@code share}
 * (default 1/3) in either. A program, not a test: {@code java -cp ... io.chatroute.knowledge.eval.CommonPhrases [share]}
 */
public final class CommonPhrases {

    public static void main(String[] args) throws Exception {
        double share = args.length > 0 ? Double.parseDouble(args[0]) : 1.0 / 3;
        LanguageAnalyzers analyzers = new LanguageAnalyzers(true);
        Thesaurus thesaurus = new Thesaurus(analyzers);
        List<Article> articles = EvalSet.articles(false);
        List<Article> all = new java.util.ArrayList<>(articles);
        all.addAll(Distractors.generate(articles, 10_000));
        for (Language l : Language.values()) {
            Map<String, String> one = thesaurus.oneWordPhrases(l);
            List<Set<String>> own = bodies(analyzers, l, articles);
            List<Set<String>> withDistractors = bodies(analyzers, l, all);
            System.out.printf(Locale.ROOT, "%s: %d one-word phrases of %d groups%n", l.code(), one.size(), thesaurus.groups(l));
            for (Map.Entry<String, String> e : one.entrySet()) {
                double a = share(own, e.getValue());
                double d = share(withDistractors, e.getValue());
                if (a > share || d > share) {
                    System.out.printf(Locale.ROOT, "  %s -> %s: %.3f of the articles, %.3f with the distractors%n",
                            e.getKey(), e.getValue(), a, d);
                }
            }
        }
    }

    private static double share(List<Set<String>> bodies, String term) {
        return bodies.isEmpty() ? 0 : (double) bodies.stream().filter(b -> b.contains(term)).count() / bodies.size();
    }

    private static List<Set<String>> bodies(LanguageAnalyzers analyzers, Language l, List<Article> articles) {
        Analyzer analyzer = analyzers.analyzerFor(l);
        String field = LanguageAnalyzers.bodyField(l);
        return articles.stream().filter(a -> a.language() == l).map(a -> terms(analyzer, field, a.body())).toList();
    }

    private static Set<String> terms(Analyzer analyzer, String field, String text) {
        Set<String> terms = new java.util.HashSet<>();
        try (TokenStream ts = analyzer.tokenStream(field, text)) {
            CharTermAttribute t = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                terms.add(t.toString());
            }
            ts.end();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return terms;
    }
}
