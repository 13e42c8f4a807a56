package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;

/**
 * Confidence signals for the bot, measured on the TUNING part only (10,000 distractors): for each family of rules, the
 * thresholds that answer the most tuning questions while being right on at least the required share of the answers.
 * Signals: the best score, the margin over the second (score difference), the normalised gap (margin / best score),
 * and agreement (the ranking without the thesaurus puts the same article first). A program, not a test:
 * {@code java -cp ... io.chatroute.knowledge.eval.BotVariants [required precision, default 0.95] [alternates: author
 * (default) or more] [questions weight, default the service's] [parts: tune (default) or tune,validation]
 * [BM25 "k1,b" or "k1,b,short k1,short b[,common-phrase share]" (round 7), default the service's]}
 */
public final class BotVariants {

    /** One question's signals. */
    record Signals(boolean right, double best, double second, boolean agree) {
        double margin() {
            return best - second;
        }

        double gap() {
            return best <= 0 ? 0 : (best - second) / best;
        }
    }

    public static void main(String[] args) {
        double required = args.length > 0 ? Double.parseDouble(args[0]) : 0.95;
        EvalSet.Alternates alternates = args.length > 1 ? EvalSet.Alternates.valueOf(args[1].toUpperCase(Locale.ROOT))
                : EvalSet.Alternates.AUTHOR;
        Ranking ranking = args.length > 2 && !args[2].isEmpty() ? Ranking.DEFAULT.withQuestionsBoost(Float.parseFloat(args[2]))
                : Ranking.DEFAULT;
        if (args.length > 4 && !args[4].isEmpty()) {
            // round 7: BM25 "k1,b" and optionally the short fields' "k1,b" and the common-phrase share
            String[] x = args[4].split(",");
            ranking = ranking.withBm25(Float.parseFloat(x[0]), Float.parseFloat(x[1]));
            if (x.length > 3) {
                ranking = ranking.withShortBm25(Float.parseFloat(x[2]), Float.parseFloat(x[3]));
            }
            if (x.length > 4) {
                ranking = ranking.withCommonPhraseShare(Float.parseFloat(x[4]));
            }
        }
        List<Article> corpus = new ArrayList<>(EvalSet.articles(alternates));
        corpus.addAll(Distractors.generate(EvalSet.articles(false), 10_000));
        List<Signals> signals = new ArrayList<>();
        // the questions the thresholds are chosen on: the tuning part, or with "tune,validation" the tuning and the
        // validation parts together (round 6); never the test part
        List<EvalSet.Question> tune = new ArrayList<>();
        for (String part : (args.length > 3 ? args[3] : "tune").split(",")) {
            EvalSet.Part p = part.equals("validation") ? EvalSet.Part.VALIDATION : EvalSet.Part.TUNE;
            tune.addAll(EvalSet.questions(p));
        }
        try (LuceneSearchEngine adopted = new LuceneSearchEngine(new LanguageAnalyzers(true), ranking, 200)) {
            adopted.rebuild(corpus);
            List<Evaluator.Outcome> a = Evaluator.run(tune, Evaluator.suggestionSearch(adopted));
            for (int i = 0; i < a.size(); i++) {
                Evaluator.Outcome o = a.get(i);
                List<SearchHit> alt = adopted.searchWithoutThesaurus(
                        new io.chatroute.knowledge.domain.SearchRequest(o.question().text(),
                                java.util.Optional.of(o.question().language()), 1, true));
                SearchHit s = o.hits().size() > 1 ? o.hits().get(1) : null;
                signals.add(new Signals(o.correctFirst(), o.top() == null ? 0 : o.top().score(), s == null ? 0 : s.score(),
                        o.top() != null && !alt.isEmpty() && alt.get(0).articleId().equals(o.top().articleId())));
            }
        }
        long right = signals.stream().filter(Signals::right).count();
        System.out.printf(Locale.ROOT, "tuning: %d questions, top hit right for %d; required precision %.2f; alternates %s, "
                + "questions x%.1f, %s%n", signals.size(), right, required, alternates, ranking.questionsBoost(), ranking);
        curve("the defaults before round 6 (score >= 12, margin >= 9): answers, right, precision", signals,
                s -> s.best() >= 12 && s.margin() >= 9);
        curve("the service's defaults (score >= 12, margin >= 11): answers, right, precision", signals,
                s -> s.best() >= 12 && s.margin() >= 11);
        double[] scores = range(0, 40, 1);
        double[] margins = range(0, 20, 0.5);
        double[] gaps = range(0, 0.8, 0.02);
        best("score >= a, margin >= m", signals, required, scores, margins, (x, y) -> s -> s.best() >= x && s.margin() >= y);
        best("score >= a, gap >= g", signals, required, scores, gaps, (x, y) -> s -> s.best() >= x && s.gap() >= y);
        best("agree, score >= a, margin >= m", signals, required, scores, margins,
                (x, y) -> s -> s.agree() && s.best() >= x && s.margin() >= y);
        best("agree, score >= a, gap >= g", signals, required, scores, gaps,
                (x, y) -> s -> s.agree() && s.best() >= x && s.gap() >= y);
        best("agree, margin >= m, gap >= g", signals, required, margins, gaps,
                (x, y) -> s -> s.agree() && s.margin() >= x && s.gap() >= y);
        System.out.println("margin alone (answers, right, precision):");
        for (double m : range(4, 14, 1)) {
            curve("  margin >= " + m, signals, s -> s.margin() >= m);
        }
        System.out.println("gap alone:");
        for (double g : range(0.2, 0.5, 0.04)) {
            curve(String.format(Locale.ROOT, "  gap >= %.2f", g), signals, s -> s.gap() >= g);
        }
    }

    static void curve(String name, List<Signals> signals, Predicate<Signals> p) {
        int answered = 0;
        int ok = 0;
        for (Signals s : signals) {
            if (p.test(s)) {
                answered++;
                ok += s.right() ? 1 : 0;
            }
        }
        System.out.printf(Locale.ROOT, "%s: %d, %d, %.3f%n", name, answered, ok, answered == 0 ? 1.0 : (double) ok / answered);
    }

    interface Rule {
        Predicate<Signals> of(double x, double y);
    }

    static double[] range(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] r = new double[n];
        for (int i = 0; i < n; i++) {
            r[i] = from + i * step;
        }
        return r;
    }

    static void best(String name, List<Signals> signals, double required, double[] xs, double[] ys, Rule rule) {
        int bestAnswered = -1;
        int bestRight = 0;
        double bx = 0;
        double by = 0;
        for (double x : xs) {
            for (double y : ys) {
                Predicate<Signals> p = rule.of(x, y);
                int answered = 0;
                int ok = 0;
                for (Signals s : signals) {
                    if (p.test(s)) {
                        answered++;
                        if (s.right()) {
                            ok++;
                        }
                    }
                }
                if (answered > 0 && (double) ok / answered >= required && answered > bestAnswered) {
                    bestAnswered = answered;
                    bestRight = ok;
                    bx = x;
                    by = y;
                }
            }
        }
        System.out.printf(Locale.ROOT, "| %s | %.2f / %.2f | %d of %d (%.1f %%) | %d right (%.3f) |%n", name, bx, by, bestAnswered,
                signals.size(), 100.0 * bestAnswered / signals.size(), bestRight, (double) bestRight / Math.max(1, bestAnswered));
    }
}
