package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.chatroute.knowledge.domain.KnowledgeSearchEngine;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;

/** Precision@1, precision@3 and mean reciprocal rank (over the top 10) of a search, per language. */
public final class Evaluator {

    public static final int DEPTH = 10;

    /** One question's outcome: the rank of the right article (0 when not in the top 10) and the top hit. */
    public record Outcome(EvalSet.Question question, int rank, SearchHit top, List<SearchHit> hits) {
        public boolean correctFirst() {
            return rank == 1;
        }
    }

    public record Metrics(int questions, double p1, double p3, double mrr) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "P@1 %.3f  P@3 %.3f  MRR %.3f  (n=%d)", p1, p3, mrr, questions);
        }
    }

    private Evaluator() {
    }

    /** The search a suggestion makes for a visitor message: public articles, the chat's language first. */
    public static Function<EvalSet.Question, List<SearchHit>> suggestionSearch(KnowledgeSearchEngine engine) {
        return q -> engine.search(new SearchRequest(q.text(), Optional.of(q.language()), DEPTH, true));
    }

    public static List<Outcome> run(List<EvalSet.Question> questions, Function<EvalSet.Question, List<SearchHit>> search) {
        List<Outcome> outcomes = new ArrayList<>(questions.size());
        for (EvalSet.Question q : questions) {
            List<SearchHit> hits = search.apply(q);
            int rank = 0;
            for (int i = 0; i < Math.min(DEPTH, hits.size()); i++) {
                if (hits.get(i).articleId().equals(q.articleId())) {
                    rank = i + 1;
                    break;
                }
            }
            outcomes.add(new Outcome(q, rank, hits.isEmpty() ? null : hits.get(0), hits));
        }
        return outcomes;
    }

    public static Metrics metrics(List<Outcome> outcomes) {
        int n = outcomes.size();
        double p1 = 0;
        double p3 = 0;
        double rr = 0;
        for (Outcome o : outcomes) {
            if (o.rank() == 1) {
                p1++;
            }
            if (o.rank() >= 1 && o.rank() <= 3) {
                p3++;
            }
            if (o.rank() > 0) {
                rr += 1.0 / o.rank();
            }
        }
        return n == 0 ? new Metrics(0, 0, 0, 0) : new Metrics(n, p1 / n, p3 / n, rr / n);
    }

    public static Map<Language, Metrics> byLanguage(List<Outcome> outcomes) {
        Map<Language, Metrics> m = new EnumMap<>(Language.class);
        for (Language l : Language.values()) {
            List<Outcome> of = outcomes.stream().filter(o -> o.question().language() == l).toList();
            if (!of.isEmpty()) {
                m.put(l, metrics(of));
            }
        }
        return m;
    }

    /** The bot at threshold {@code t}: it answers when the top hit scores at least t; precision and answer rate. */
    public record BotMetrics(double threshold, int questions, int answered, int correct) {
        public double precision() {
            return answered == 0 ? 1.0 : (double) correct / answered;
        }

        public double answerRate() {
            return questions == 0 ? 0 : (double) answered / questions;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "threshold %.2f: answers %d of %d (%.1f %%), right %d (precision %.3f)",
                    threshold, answered, questions, 100 * answerRate(), correct, precision());
        }
    }

    public static BotMetrics bot(List<Outcome> outcomes, double threshold) {
        return bot(outcomes, threshold, 0);
    }

    /** The bot's rule: the top hit scores at least {@code minScore} and leads the second by at least {@code minMargin}. */
    public static BotMetrics bot(List<Outcome> outcomes, double minScore, double minMargin) {
        int answered = 0;
        int correct = 0;
        for (Outcome o : outcomes) {
            SearchHit second = o.hits().size() > 1 ? o.hits().get(1) : null;
            if (o.top() != null && io.chatroute.knowledge.domain.Bot.sure(
                    new io.chatroute.knowledge.domain.Bot.Settings(true, minScore, minMargin, true, null), o.top(), second)) {
                answered++;
                if (o.correctFirst()) {
                    correct++;
                }
            }
        }
        return new BotMetrics(minScore, outcomes.size(), answered, correct);
    }

    /**
     * The lowest threshold (a score of one of the top hits) at which the bot's precision on these outcomes is at
     * least {@code precision} for it and every higher threshold: the most answers at that precision.
     */
    public static double threshold(List<Outcome> outcomes, double precision) {
        List<Double> scores = outcomes.stream().filter(o -> o.top() != null).map(o -> o.top().score()).sorted().toList();
        double chosen = Double.MAX_VALUE;
        for (int i = scores.size() - 1; i >= 0; i--) {
            if (bot(outcomes, scores.get(i)).precision() >= precision) {
                chosen = scores.get(i);
            } else {
                break;
            }
        }
        return chosen;
    }

    /** Share of questions (asked without a language) with a hit of another language in the top 3. */
    public static double crossLanguageNoise(List<EvalSet.Question> questions, KnowledgeSearchEngine engine) {
        int noisy = 0;
        for (EvalSet.Question q : questions) {
            List<SearchHit> hits = engine.search(new SearchRequest(q.text(), Optional.empty(), 3, true));
            if (hits.stream().anyMatch(h -> !q.language().code().equals(h.language()))) {
                noisy++;
            }
        }
        return questions.isEmpty() ? 0 : (double) noisy / questions.size();
    }
}
