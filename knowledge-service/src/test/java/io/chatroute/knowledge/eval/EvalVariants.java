package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;

/**
 * The ranking alternatives measured on the TUNING part only (with the 10,000 distractors), one table row per
 * variant and language. A program, not a test: run it with the test classpath (README, "Ranking"):
 * {@code java -cp target/test-classes:target/classes:$(cat cp.txt) io.chatroute.knowledge.eval.EvalVariants}
 */
public final class EvalVariants {

    record Variant(String name, boolean hebrewPrefixes, boolean questions, Ranking ranking) {
    }

    public static void main(String[] args) {
        int distractors = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Ranking foundation = new Ranking(3f, 2f, 0f, 0f, 0f, false, 1.2f, 0.75f);
        List<Variant> variants = new ArrayList<>();
        variants.add(new Variant("foundation (title x3, tags x2)", false, false, foundation));
        variants.add(new Variant("+ Hebrew prefixes", true, false, foundation));
        variants.add(new Variant("+ script detection", true, false, foundation.withDetectScript(true)));
        Ranking withQ = foundation.withDetectScript(true).withQuestionsBoost(3f);
        variants.add(new Variant("+ author questions x3", true, true, withQ));
        variants.add(new Variant("  questions x1.5", true, true, withQ.withQuestionsBoost(1.5f)));
        variants.add(new Variant("  questions x5", true, true, withQ.withQuestionsBoost(5f)));
        variants.add(new Variant("  title x1", true, true, withQ.withTitleBoost(1f)));
        variants.add(new Variant("  title x2", true, true, withQ.withTitleBoost(2f)));
        variants.add(new Variant("  title x5", true, true, withQ.withTitleBoost(5f)));
        variants.add(new Variant("  BM25 b=0.4", true, true, withQ.withBm25(1.2f, 0.4f)));
        variants.add(new Variant("  BM25 k1=0.8", true, true, withQ.withBm25(0.8f, 0.75f)));
        variants.add(new Variant("  title x1.5, questions x3", true, true, withQ.withTitleBoost(1.5f)));
        variants.add(new Variant("  title x1.5, questions x5", true, true, withQ.withTitleBoost(1.5f).withQuestionsBoost(5f)));
        variants.add(new Variant("  title x1, questions x5", true, true, withQ.withTitleBoost(1f).withQuestionsBoost(5f)));
        variants.add(new Variant("  title x1.5, questions x3, tags x1", true, true, withQ.withTitleBoost(1.5f).withTagsBoost(1f)));
        if (args.length > 1) {
            variants.removeIf(v -> !v.name().contains(args[1]));
        }
        List<EvalSet.Question> tune = EvalSet.questions(EvalSet.Part.TUNE);
        System.out.println("| variant | language | P@1 | P@3 | MRR | cross-language noise (top 3, no language given) |");
        System.out.println("|---|---|---|---|---|---|");
        for (Variant v : variants) {
            List<Article> articles = EvalSet.articles(v.questions());
            List<Article> corpus = new ArrayList<>(articles);
            corpus.addAll(Distractors.generate(EvalSet.articles(false), distractors));
            try (LuceneSearchEngine engine = new LuceneSearchEngine(new LanguageAnalyzers(v.hebrewPrefixes()), v.ranking(), 200)) {
                engine.rebuild(corpus);
                List<Evaluator.Outcome> outcomes = Evaluator.run(tune, Evaluator.suggestionSearch(engine));
                print(v.name(), outcomes, Evaluator.crossLanguageNoise(tune, engine));
            }
        }
        feedback(distractors, withQ);
    }

    /**
     * Feedback from suggestion.used, measured inside the tuning part: agents "used" the right article for the
     * first tuning question of each article (that question is learned by the article); the second tuning
     * questions are then asked, against the same index without and with what was learned.
     */
    static void feedback(int distractors, Ranking ranking) {
        List<EvalSet.Question> tune = EvalSet.questions(EvalSet.Part.TUNE);
        Map<String, List<String>> learned = new HashMap<>();
        List<EvalSet.Question> asked = new ArrayList<>();
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (EvalSet.Question q : tune) {
            int n = seen.merge(q.articleId(), 1, Integer::sum);
            if (n == 1) {
                learned.computeIfAbsent(q.articleId(), k -> new ArrayList<>()).add(q.text());
            } else {
                asked.add(q);
            }
        }
        for (float boost : new float[] {0f, 1f, 1.5f, 3f}) {
            List<Article> corpus = new ArrayList<>();
            for (Article a : EvalSet.articles(true)) {
                corpus.add(boost == 0 ? a : a.withLearned(learned.getOrDefault(a.id(), List.of())));
            }
            corpus.addAll(Distractors.generate(EvalSet.articles(false), distractors));
            try (LuceneSearchEngine engine = new LuceneSearchEngine(new LanguageAnalyzers(true),
                    ranking.withLearnedBoost(boost == 0 ? 1f : boost), 200)) {
                engine.rebuild(corpus);
                print(boost == 0 ? "feedback: none (2nd tuning questions)" : "feedback: 1st tuning question learned, x" + boost,
                        Evaluator.run(asked, Evaluator.suggestionSearch(engine)), -1);
            }
        }
    }

    static void print(String name, List<Evaluator.Outcome> outcomes, double noise) {
        Map<Language, Evaluator.Metrics> m = Evaluator.byLanguage(outcomes);
        m.forEach((l, x) -> System.out.printf(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %s |%n", name, l.code(), x.p1(),
                x.p3(), x.mrr(), noise < 0 ? "" : String.format(Locale.ROOT, "%.3f", noise)));
        Evaluator.Metrics all = Evaluator.metrics(outcomes);
        System.out.printf(Locale.ROOT, "| %s | all | %.3f | %.3f | %.3f | |%n", name, all.p1(), all.p3(), all.mrr());
        System.out.flush();
    }
}
