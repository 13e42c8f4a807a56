package io.chatroute.knowledge.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The search quality on the TEST part of the evaluation set (never tuned on), with the service's ranking
 * ({@link Ranking#DEFAULT}), the articles with their 8 alternate questions (README, "Round 3") and 10,000 distractor
 * articles in the index. Fails below the floors set from the
 * first honest run (README, "Evaluation"); prints the table. Also the bot: its threshold is chosen on the
 * tuning part (precision at least 0.95 there) and its precision and answer rate are measured on the test part.
 */
class SearchEvaluationTest {

    static final int DISTRACTORS = 10_000;

    /** The alternate questions the evaluation articles carry: the author's 2 and the 6 more of round 3. */
    static final EvalSet.Alternates ALTERNATES = EvalSet.Alternates.MORE;

    /**
     * Floors from the first honest run of the adopted ranking (words and the domain thesaurus at x0.3) with 8 alternate
     * questions per article on the test part (rounded down), per language: P@1, P@3, MRR. With 2 alternates (round 2)
     * the floors were en 0.50 / 0.71 / 0.62, ru 0.59 / 0.75 / 0.66, zh 0.59 / 0.81 / 0.71, he 0.50 / 0.68 / 0.61;
     * before the thesaurus en 0.50 / 0.68 / 0.60, ru 0.50 / 0.65 / 0.58, zh 0.59 / 0.78 / 0.70, he 0.37 / 0.65 / 0.52.
     * Round 7 (one-word thesaurus phrases most articles share name nothing, chosen on the tuning and validation parts)
     * moved two languages on its one test run: ru up (P@1 0.781 -> 0.844, MRR 0.859 -> 0.896: two orders no longer
     * pulled to the tracking article by "заказ"), he down by one question at P@3 (0.844 -> 0.813, MRR 0.748 -> 0.740:
     * an e-mail change whose only cue, "מייל", is in half of the Hebrew articles and no longer expands the e-mail group).
     * The floors follow that run (he lowered for that one question, ru raised); before it: ru 0.78 / 0.96 / 0.85,
     * he 0.62 / 0.84 / 0.74.
     */
    static final Map<Language, double[]> FLOORS = Map.of(
            Language.EN, new double[] {0.81, 0.90, 0.87},
            Language.RU, new double[] {0.84, 0.96, 0.89},
            Language.ZH, new double[] {0.81, 0.93, 0.87},
            Language.HE, new double[] {0.62, 0.81, 0.73});

    private static LuceneSearchEngine engine;

    @BeforeAll
    static void index() {
        engine = new LuceneSearchEngine(new LanguageAnalyzers(true), Ranking.DEFAULT, 200);
        List<Article> corpus = new ArrayList<>(EvalSet.articles(ALTERNATES));
        corpus.addAll(Distractors.generate(EvalSet.articles(false), DISTRACTORS));
        engine.rebuild(corpus);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void theSetIsLargeEnoughAndEveryAnswerExists() {
        List<Article> articles = EvalSet.articles(ALTERNATES);
        assertThat(articles).hasSizeGreaterThanOrEqualTo(60);
        assertThat(articles).allSatisfy(a -> assertThat(a.questions()).hasSize(8));
        List<EvalSet.Question> all = new ArrayList<>(EvalSet.questions(EvalSet.Part.TUNE));
        all.addAll(EvalSet.questions(EvalSet.Part.TEST));
        assertThat(all).hasSizeGreaterThanOrEqualTo(200);
        all.addAll(EvalSet.questions(EvalSet.Part.VALIDATION));
        for (Language l : Language.values()) {
            assertThat(EvalSet.questions(l, EvalSet.Part.TEST)).isNotEmpty();
        }
        List<String> ids = articles.stream().map(Article::id).toList();
        assertThat(all).allSatisfy(q -> {
            assertThat(ids).contains(q.articleId());
            assertThat(q.articleId()).startsWith(q.language().code() + "-");
        });
        // no question is in two parts
        assertThat(all).extracting(EvalSet.Question::text).doesNotHaveDuplicates();
        for (Language l : Language.values()) {
            assertThat(EvalSet.questions(l, EvalSet.Part.VALIDATION)).hasSize(32);
        }
        assertThat(engine.size()).isEqualTo(articles.size() + DISTRACTORS);
    }

    @Test
    void testPartMeetsTheFloorsWithTenThousandDistractors() {
        List<Evaluator.Outcome> outcomes = Evaluator.run(EvalSet.questions(EvalSet.Part.TEST), Evaluator.suggestionSearch(engine));
        Map<Language, Evaluator.Metrics> metrics = Evaluator.byLanguage(outcomes);
        System.out.println("Evaluation, test part, " + DISTRACTORS + " distractors:");
        metrics.forEach((l, m) -> System.out.println("  " + l.code() + ": " + m));
        System.out.println("  all: " + Evaluator.metrics(outcomes));
        for (Evaluator.Outcome o : outcomes) {
            if (o.rank() != 1) {
                System.out.println("  miss (rank " + o.rank() + "): " + o.question().articleId() + " <- " + o.question().text()
                        + " / first: " + (o.top() == null ? "-" : o.top().articleId()));
            }
        }
        metrics.forEach((l, m) -> {
            double[] floor = FLOORS.get(l);
            assertThat(m.p1()).as("P@1 " + l).isGreaterThanOrEqualTo(floor[0]);
            assertThat(m.p3()).as("P@3 " + l).isGreaterThanOrEqualTo(floor[1]);
            assertThat(m.mrr()).as("MRR " + l).isGreaterThanOrEqualTo(floor[2]);
        });
    }

    @Test
    void aQueryInOneLanguageFindsNothingInAnother() {
        assertThat(Evaluator.crossLanguageNoise(EvalSet.questions(EvalSet.Part.TEST), engine)).isZero();
    }

    /**
     * The bot's defaults ({@code bot.default-min-score} 12, {@code bot.default-min-margin} 11, 9 before round 6) were chosen on
     * the tuning part: of a grid of score (0..40) and margin (0..20) thresholds ({@code BotVariants}), the one answering the most
     * tuning questions with a precision of at least 0.95 there. With the thesaurus the grid's best is still a margin of
     * 9 (64 answers, 0.969; any score), the minimum score of 12 costs one tuning answer (63, 0.968) and none on the test
     * part. A score threshold alone was the first choice: 0.69 on the test part; the margin (how far the best article
     * leads the second) separates right from wrong better. With 8 alternate questions per article (round 3) the same
     * defaults answer 92 tuning questions at 0.989; the grid's best there (margin 3.5, 110 at 0.955) was not adopted
     * (README, "Round 3"). Round 6 raised the margin to 11 on the tuning and validation parts together (margin 9: 0.945
     * of 256; 11: 0.962); the validation part, at 0.909, is not asserted here (README, "Round 6").
     */
    @Test
    void botDefaultsFromTheTuningPartAndTheirPrecisionOnTheTestPart() {
        List<Evaluator.Outcome> tune = Evaluator.run(EvalSet.questions(EvalSet.Part.TUNE), Evaluator.suggestionSearch(engine));
        List<Evaluator.Outcome> test = Evaluator.run(EvalSet.questions(EvalSet.Part.TEST), Evaluator.suggestionSearch(engine));
        Evaluator.BotMetrics onTune = Evaluator.bot(tune, BOT_MIN_SCORE, BOT_MIN_MARGIN);
        Evaluator.BotMetrics onTest = Evaluator.bot(test, BOT_MIN_SCORE, BOT_MIN_MARGIN);
        System.out.println("Bot (minScore " + BOT_MIN_SCORE + ", minMargin " + BOT_MIN_MARGIN + "), tuning part: " + onTune);
        System.out.println("Bot (minScore " + BOT_MIN_SCORE + ", minMargin " + BOT_MIN_MARGIN + "), test part:   " + onTest);
        System.out.println("Score threshold alone chosen on tuning (" + Evaluator.threshold(tune, 0.95) + "), test part: "
                + Evaluator.bot(test, Evaluator.threshold(tune, 0.95)));
        assertThat(onTune.precision()).isGreaterThanOrEqualTo(0.95);
        assertThat(onTest.precision()).isGreaterThanOrEqualTo(BOT_TEST_PRECISION_FLOOR);
        assertThat(onTest.answerRate()).isGreaterThanOrEqualTo(BOT_TEST_ANSWER_RATE_FLOOR);
    }

    static final double BOT_MIN_SCORE = 12.0;
    static final double BOT_MIN_MARGIN = 11.0;
    /**
     * Round 7's ranking: 63 right of 67 answered (0.940), 52.3 %; the floors stay those of round 6.
     * From the first run at margin 11 (round 6): 59 right of 63 answered (0.937), 49.2 % of the questions (at margin 9
     * with 8 alternate questions per article: 65 of 69, 0.942, 53.9 %; with 2: 34 of 38, 0.895, 29.7 %; before the
     * thesaurus: 15 of 18, 0.833, 14.1 %).
     */
    static final double BOT_TEST_PRECISION_FLOOR = 0.93;
    static final double BOT_TEST_ANSWER_RATE_FLOOR = 0.49;
}
