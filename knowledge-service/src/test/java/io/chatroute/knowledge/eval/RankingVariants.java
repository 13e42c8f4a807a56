package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;
import io.chatroute.knowledge.persistence.Thesaurus;
import org.apache.lucene.search.similarities.AfterEffectB;
import org.apache.lucene.search.similarities.BasicModelIne;
import org.apache.lucene.search.similarities.ClassicSimilarity;
import org.apache.lucene.search.similarities.DFRSimilarity;
import org.apache.lucene.search.similarities.DistributionLL;
import org.apache.lucene.search.similarities.IBSimilarity;
import org.apache.lucene.search.similarities.LMDirichletSimilarity;
import org.apache.lucene.search.similarities.LMJelinekMercerSimilarity;
import org.apache.lucene.search.similarities.LambdaDF;
import org.apache.lucene.search.similarities.NormalizationH2;
import org.apache.lucene.search.similarities.Similarity;

/**
 * The second round of ranking alternatives (README, "Evaluation"): the domain thesaurus (as shipped, and before it was
 * cut to the phrases attested in the articles or the tuning questions), character n-grams, BM25 per field, proximity,
 * minimum-should-match, query stop words; 10,000 distractors; one row per variant and part, P@1 / P@3 / MRR per
 * language and the search time per question. Choices are made on the TUNING part; {@code test} adds the test part's
 * rows, to report the chosen variant and its alternatives, never to choose. A program, not a test:
 * {@code java -cp target/test-classes:target/classes:$(cat /tmp/cp.txt) io.chatroute.knowledge.eval.RankingVariants
 * [distractors] [regex of variant names, "" for all] [validation|test|validation,test]}; the validation part (round 6)
 * chooses where the tuning part cannot, the test part only reports.
 */
public final class RankingVariants {

    /**
     * A ranking, the thesaurus it expands with ({@code null}: the service's), the alternate questions the articles
     * carry and whether Hebrew words also get their folded suffix form ({@code HebrewSuffixFilter}).
     */
    record Variant(Ranking ranking, String thesaurus, EvalSet.Alternates alternates, boolean hebrewSuffixes,
                   Similarity similarity) {
        Variant(Ranking ranking, String thesaurus, EvalSet.Alternates alternates, boolean hebrewSuffixes) {
            this(ranking, thesaurus, alternates, hebrewSuffixes, null);
        }

        Variant(Ranking ranking) {
            this(ranking, null, EvalSet.Alternates.AUTHOR, false);
        }

        Variant(Ranking ranking, String thesaurus) {
            this(ranking, thesaurus, EvalSet.Alternates.AUTHOR, false);
        }

        Variant(Ranking ranking, EvalSet.Alternates alternates) {
            this(ranking, null, alternates, false);
        }
    }

    /** The service's thesaurus before it was cut to the phrases attested in the articles or the tuning questions. */
    static final String UNPRUNED = "/eval/thesaurus-unpruned/";

    public static void main(String[] args) {
        int distractors = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Ranking words = Ranking.WORDS;
        Map<String, Variant> variants = new LinkedHashMap<>();
        variants.put("words (round 1, adopted before)", new Variant(words));
        Ranking thesaurus = words.withThesaurus(0.3f);
        variants.put("thesaurus x0.2", new Variant(words.withThesaurus(0.2f)));
        variants.put("thesaurus x0.3", new Variant(thesaurus));
        variants.put("thesaurus x0.4", new Variant(words.withThesaurus(0.4f)));
        variants.put("thesaurus x0.6", new Variant(words.withThesaurus(0.6f)));
        variants.put("thesaurus x1", new Variant(words.withThesaurus(1f)));
        variants.put("thesaurus x0.3, unpruned", new Variant(thesaurus, UNPRUNED));
        variants.put("thesaurus x0.3 + n-grams x0.05", new Variant(thesaurus.withNgrams(0.05f, false)));
        variants.put("thesaurus x0.3 + n-grams x0.1", new Variant(thesaurus.withNgrams(0.1f, false)));
        variants.put("thesaurus x0.3 + n-grams x0.2", new Variant(thesaurus.withNgrams(0.2f, false)));
        variants.put("thesaurus x0.3 + n-grams RRF", new Variant(thesaurus.withNgrams(1f, true)));
        variants.put("thesaurus x0.3 + proximity x0.5", new Variant(thesaurus.withPhraseBoost(0.5f)));
        variants.put("n-grams 3-4, sum x0.05", new Variant(words.withNgrams(0.05f, false)));
        variants.put("n-grams 3-4, sum x0.1", new Variant(words.withNgrams(0.1f, false)));
        variants.put("n-grams 3-4, sum x0.2", new Variant(words.withNgrams(0.2f, false)));
        variants.put("n-grams 3-4, sum x0.4", new Variant(words.withNgrams(0.4f, false)));
        variants.put("n-grams 3-4, RRF", new Variant(words.withNgrams(1f, true)));
        variants.put("short fields BM25 k1 1.2 b 0.3", new Variant(words.withShortBm25(1.2f, 0.3f)));
        variants.put("short fields BM25 k1 0.6 b 0.75", new Variant(words.withShortBm25(0.6f, 0.75f)));
        variants.put("short fields BM25 k1 2.0 b 0.75", new Variant(words.withShortBm25(2.0f, 0.75f)));
        variants.put("body BM25 k1 1.2 b 0.9", new Variant(words.withBm25(1.2f, 0.9f)));
        variants.put("proximity x0.5", new Variant(words.withPhraseBoost(0.5f)));
        variants.put("proximity x1", new Variant(words.withPhraseBoost(1f)));
        variants.put("min-should-match 30 %", new Variant(words.withMinShouldMatch(0.3f)));
        variants.put("min-should-match 50 %", new Variant(words.withMinShouldMatch(0.5f)));
        variants.put("query stop words", new Variant(words.withQueryStopWords(true)));
        // round 3: six more alternate questions per article (8 in all), and the questions field's weight with them
        EvalSet.Alternates more = EvalSet.Alternates.MORE;
        variants.put("8 alternates, thesaurus x0.3, questions x5", new Variant(thesaurus, more));
        variants.put("8 alternates, thesaurus x0.3, questions x2", new Variant(thesaurus.withQuestionsBoost(2f), more));
        variants.put("8 alternates, thesaurus x0.3, questions x3", new Variant(thesaurus.withQuestionsBoost(3f), more));
        variants.put("8 alternates, thesaurus x0.3, questions x8", new Variant(thesaurus.withQuestionsBoost(8f), more));
        variants.put("8 alternates, thesaurus x0.3, questions x12", new Variant(thesaurus.withQuestionsBoost(12f), more));
        variants.put("8 alternates, no thesaurus, questions x5", new Variant(words, more));
        // round 4: Hebrew suffix folding (the plural, the feminine ending, the first person)
        variants.put("8 alternates, thesaurus x0.3, questions x5, Hebrew suffixes", new Variant(thesaurus, null, more, true));
        // round 5: the best-matching alternate question (each question scored alone, the article gains its best)
        for (float w : new float[] {1f, 2f, 3f, 5f}) {
            String x = w == (int) w ? String.valueOf((int) w) : String.valueOf(w);
            variants.put("8 alternates, thesaurus x0.3, questions x5, best question x" + x,
                    new Variant(thesaurus.withQuestionMax(w), more));
            variants.put("8 alternates, thesaurus x0.3, questions x0, best question x" + x,
                    new Variant(thesaurus.withQuestionsBoost(0f).withQuestionMax(w), more));
        }
        variants.put("2 alternates, thesaurus x0.3, questions x5, best question x2", new Variant(thesaurus.withQuestionMax(2f)));
        // round 6: rounds 4 and 5 together, chosen on the validation part
        for (float w : new float[] {3f, 5f}) {
            variants.put("8 alternates, thesaurus x0.3, questions x5, best question x" + (int) w + ", Hebrew suffixes",
                    new Variant(thesaurus.withQuestionMax(w), null, more, true));
        }
        variants.put("2 alternates, thesaurus x0.3, questions x3", new Variant(thesaurus.withQuestionsBoost(3f)));
        variants.put("2 alternates, thesaurus x0.3, questions x8", new Variant(thesaurus.withQuestionsBoost(8f)));
        // round 7: the scoring function's parameters (BM25 k1 and b, globally and per field family: the short fields,
        // title, questions, tags and learned, against the body), and the thesaurus' common one-word phrases naming
        // nothing; all on the adopted ranking of round 3 (8 alternates, thesaurus x0.3, questions x5). The names are
        // generated for a grid and filtered by the regex: only the matching ones build an index.
        float[] k1s = {0.6f, 0.9f, 1.2f, 1.6f, 2.0f};
        float[] bs = {0.1f, 0.3f, 0.5f, 0.75f, 0.9f, 1.0f};
        for (float k1 : k1s) {
            for (float b : bs) {
                Ranking r = thesaurus.withBm25(k1, b);
                variants.put("round 7: k1 " + k1 + " b " + b, new Variant(r, more));
                variants.put("round 7: k1 " + k1 + " b " + b + ", common phrases",
                        new Variant(r.withCommonPhraseShare(Ranking.COMMON_PHRASE_SHARE), more));
                for (float shortB : bs) {
                    if (shortB != b) {
                        variants.put("round 7: k1 " + k1 + ", short b " + shortB + ", body b " + b,
                                new Variant(r.withShortBm25(-1f, shortB), more));
                    }
                }
                for (float shortK1 : k1s) {
                    if (shortK1 != k1) {
                        variants.put("round 7: b " + b + ", short k1 " + shortK1 + ", body k1 " + k1,
                                new Variant(r.withShortBm25(shortK1, -1f), more));
                    }
                }
            }
        }
        variants.put("adopted (Ranking.DEFAULT)", new Variant(Ranking.DEFAULT, more));
        // round 7, reported only: other similarities than BM25 on the adopted ranking (their scores are on another
        // scale than the bot's and the unanswered questions' thresholds, so the bot's columns mean nothing for them)
        Map<String, Similarity> others = new LinkedHashMap<>();
        others.put("LM Dirichlet mu 100", new LMDirichletSimilarity(100));
        others.put("LM Dirichlet mu 2000", new LMDirichletSimilarity(2000));
        others.put("LM Jelinek-Mercer 0.7", new LMJelinekMercerSimilarity(0.7f));
        others.put("DFR I(ne)B2", new DFRSimilarity(new BasicModelIne(), new AfterEffectB(), new NormalizationH2()));
        others.put("IB LL-DF-H2", new IBSimilarity(new DistributionLL(), new LambdaDF(), new NormalizationH2()));
        others.put("TF-IDF (classic)", new ClassicSimilarity());
        for (Map.Entry<String, Similarity> o : others.entrySet()) {
            variants.put("round 7 similarity: " + o.getKey(), new Variant(Ranking.DEFAULT, null, more, false, o.getValue()));
        }
        if (args.length > 1 && !args[1].isEmpty()) {
            variants.keySet().removeIf(n -> !n.matches(args[1]));
        }
        List<String> parts = args.length > 2 ? List.of(args[2].split(",")) : List.of();
        run(variants, distractors, parts.contains("validation"), parts.contains("test"));
    }

    /**
     * Each variant on the tuning part; with {@code test} also on the test part (only once the choice is made on the
     * tuning part: the test rows report, they never choose).
     */
    static void run(Map<String, Variant> variants, int distractors, boolean validation, boolean test) {
        Map<String, List<EvalSet.Question>> parts = new LinkedHashMap<>();
        parts.put("tune", EvalSet.questions(EvalSet.Part.TUNE));
        if (validation) {
            parts.put("validation", EvalSet.questions(EvalSet.Part.VALIDATION));
        }
        if (test) {
            parts.put("test", EvalSet.questions(EvalSet.Part.TEST));
        }
        header();
        for (Map.Entry<String, Variant> v : variants.entrySet()) {
            List<Article> corpus = new ArrayList<>(EvalSet.articles(v.getValue().alternates()));
            corpus.addAll(Distractors.generate(EvalSet.articles(false), distractors));
            LanguageAnalyzers analyzers = new LanguageAnalyzers(true, v.getValue().hebrewSuffixes());
            Thesaurus thesaurus = v.getValue().thesaurus() == null ? new Thesaurus(analyzers)
                    : new Thesaurus(analyzers, v.getValue().thesaurus());
            try (LuceneSearchEngine engine = new LuceneSearchEngine(analyzers, v.getValue().ranking(), 200, thesaurus,
                    v.getValue().similarity())) {
                engine.rebuild(corpus);
                for (Map.Entry<String, List<EvalSet.Question>> part : parts.entrySet()) {
                    long t0 = System.nanoTime();
                    List<Evaluator.Outcome> outcomes = Evaluator.run(part.getValue(), Evaluator.suggestionSearch(engine));
                    double ms = (System.nanoTime() - t0) / 1e6 / part.getValue().size();
                    row(v.getKey() + " | " + part.getKey(), outcomes, String.format(Locale.ROOT, "%.1f | %s | %s | %s", ms,
                            bot(outcomes, 12, 9), bot(outcomes, 0, 3.5), bot(outcomes, 12, 11)));
                    // -Dmisses: the tuning part's misses; -Dmisses=validation: the validation part's (never the test part's)
                    String misses = System.getProperty("misses");
                    if (misses != null && part.getKey().equals(misses.isEmpty() ? "tune" : misses) && !misses.equals("test")) {
                        for (Evaluator.Outcome o : outcomes) {
                            if (o.rank() != 1) {
                                System.out.println("  miss (rank " + o.rank() + "): " + o.question().articleId() + " <- "
                                        + o.question().text() + " / first: " + (o.top() == null ? "-" : o.top().articleId()));
                            }
                        }
                    }
                }
            }
        }
    }

    static void header() {
        System.out.println("| variant | part | en P@1 / P@3 / MRR | ru | zh | he | all | ms/query "
                + "| bot score >= 12, margin >= 9: answered (rate), precision | bot margin >= 3.5 "
                + "| bot score >= 12, margin >= 11 (the defaults since round 6) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
    }

    /** The bot's answers at a score and margin threshold: how many (the share of the questions), and the precision. */
    static String bot(List<Evaluator.Outcome> outcomes, double minScore, double minMargin) {
        Evaluator.BotMetrics b = Evaluator.bot(outcomes, minScore, minMargin);
        return String.format(Locale.ROOT, "%d (%.1f %%), %.3f", b.answered(), 100 * b.answerRate(), b.precision());
    }

    static void row(String name, List<Evaluator.Outcome> outcomes, String extra) {
        Map<Language, Evaluator.Metrics> m = Evaluator.byLanguage(outcomes);
        StringBuilder s = new StringBuilder("| " + name + " |");
        for (Language l : Language.values()) {
            Evaluator.Metrics x = m.get(l);
            s.append(String.format(Locale.ROOT, " %.2f / %.2f / %.2f |", x.p1(), x.p3(), x.mrr()));
        }
        Evaluator.Metrics all = Evaluator.metrics(outcomes);
        s.append(String.format(Locale.ROOT, " %.3f / %.3f / %.3f | %s |", all.p1(), all.p3(), all.mrr(), extra));
        System.out.println(s);
        System.out.flush();
    }
}
