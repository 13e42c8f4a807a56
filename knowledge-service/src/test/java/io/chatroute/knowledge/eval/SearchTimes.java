package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;

/**
 * The time of one suggestion search (the search alone, no Kafka nor PostgreSQL) with and without the domain thesaurus,
 * on the 10,064-article index: the 256 evaluation questions, warmed up (3 rounds), then timed one by one, the
 * variants taking turns on each question; p50 / p90 / p99 / mean.
 * The search is the part of the suggestion latency (README, "Benchmark") that the ranking changes. A program, not a
 * test: {@code java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) io.chatroute.knowledge.eval.SearchTimes
 * [rounds, default 5] [regex of ranking names]}
 */
public final class SearchTimes {

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Map<String, Ranking> variants = new LinkedHashMap<>();
        variants.put("words (before)", Ranking.WORDS);
        variants.put("words + thesaurus x0.3", Ranking.WORDS.withThesaurus(0.3f));
        variants.put("words + thesaurus x0.3 + n-grams x0.1", Ranking.WORDS.withThesaurus(0.3f).withNgrams(0.1f, false));
        variants.put("words + thesaurus x0.3, common one-word phrases name nothing (adopted, round 7)", Ranking.DEFAULT);
        if (args.length > 1 && !args[1].isEmpty()) {
            variants.keySet().removeIf(n -> !n.matches(args[1]));
        }
        List<EvalSet.Question> questions = new ArrayList<>(EvalSet.questions(EvalSet.Part.TUNE));
        questions.addAll(EvalSet.questions(EvalSet.Part.TEST));
        List<Article> corpus = new ArrayList<>(EvalSet.articles(true));
        corpus.addAll(Distractors.generate(EvalSet.articles(false), 10_000));
        List<String> names = new ArrayList<>(variants.keySet());
        List<LuceneSearchEngine> engines = new ArrayList<>();
        for (Ranking r : variants.values()) {
            LuceneSearchEngine engine = new LuceneSearchEngine(new LanguageAnalyzers(true), r, 200);
            engine.rebuild(corpus);
            engines.add(engine);
        }
        try {
            // the variants take turns question by question, so a busy machine slows them alike
            double[][] ms = new double[engines.size()][rounds * questions.size()];
            int i = 0;
            for (int r = -3; r < rounds; r++) {
                for (EvalSet.Question q : questions) {
                    for (int v = 0; v < engines.size(); v++) {
                        long t0 = System.nanoTime();
                        Evaluator.suggestionSearch(engines.get(v)).apply(q);
                        if (r >= 0) {
                            ms[v][i] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                    if (r >= 0) {
                        i++;
                    }
                }
            }
            System.out.println("| ranking | searches | p50 | p90 | p99 | mean |");
            System.out.println("|---|---|---|---|---|---|");
            for (int v = 0; v < engines.size(); v++) {
                double[] x = ms[v];
                Arrays.sort(x);
                System.out.printf(Locale.ROOT, "| %s | %d | %.2f ms | %.2f ms | %.2f ms | %.2f ms |%n", names.get(v), x.length,
                        x[x.length / 2], x[(int) (x.length * 0.9)], x[(int) (x.length * 0.99)], Arrays.stream(x).average().orElse(0));
            }
        } finally {
            engines.forEach(LuceneSearchEngine::close);
        }
    }
}
