package io.chatroute.knowledge.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.eval.EvalSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The domain thesaurus: which phrases a query names, in each language, and what the expansion does to a search. */
class ThesaurusTest {

    private static LanguageAnalyzers analyzers;
    private static Thesaurus thesaurus;

    @BeforeAll
    static void load() {
        analyzers = new LanguageAnalyzers();
        thesaurus = new Thesaurus(analyzers);
    }

    @AfterAll
    static void close() {
        analyzers.close();
    }

    @Test
    void everyLanguageHasGroups() {
        for (Language l : Language.values()) {
            assertThat(thesaurus.groups(l)).as(l.code()).isGreaterThanOrEqualTo(25);
        }
    }

    /**
     * Honesty of the evaluation (README, "Evaluation"): the thesaurus is derived from the evaluation articles and the
     * TUNING questions only. Every word of every phrase (after the language's analysis; in Chinese the phrase itself)
     * occurs in an article or a tuning question, so no phrase can have come from a test question alone.
     */
    @Test
    void everyPhraseIsAttestedInTheArticlesOrTheTuningQuestions() {
        for (Language l : Language.values()) {
            StringBuilder text = new StringBuilder();
            for (Article a : EvalSet.articles(l, true)) {
                text.append(a.title()).append('\n').append(a.body()).append('\n').append(String.join("\n", a.tags()))
                        .append('\n').append(String.join("\n", a.questions())).append('\n');
            }
            for (EvalSet.Question q : EvalSet.questions(l, EvalSet.Part.TUNE)) {
                text.append(q.text()).append('\n');
            }
            String field = LanguageAnalyzers.bodyField(l);
            Set<String> attested = LuceneSearchEngine.terms(analyzers.analyzerFor(l), field, text.toString());
            String lower = text.toString().toLowerCase(Locale.ROOT);
            List<String> unattested = new ArrayList<>();
            for (List<String> group : thesaurus.phrases(l)) {
                for (String phrase : group) {
                    boolean ok = l == Language.ZH ? lower.contains(phrase)
                            : LuceneSearchEngine.positions(analyzers.analyzerFor(l), field, phrase).stream()
                                    .allMatch(p -> p.stream().anyMatch(attested::contains));
                    if (!ok) {
                        unattested.add(phrase);
                    }
                }
            }
            assertThat(unattested).as("phrases of thesaurus/" + l.code() + ".txt in no article or tuning question").isEmpty();
        }
    }

    @Test
    void aNamedPhraseBringsTheOthersOfItsGroup() {
        // English: word order and inflection do not matter ("money back" in "have my money back")
        assertThat(thesaurus.expand(Language.EN, "Can I have my money back?")).contains("refund", "get my money")
                .doesNotContain("money back");
        // Russian: an inflected form names the phrase ("возврат денег" in "возврата денег")
        assertThat(thesaurus.expand(Language.RU, "жду возврата денег")).contains("вернуть деньги")
                .doesNotContain("возврат денег");
        // Chinese: the characters of the phrase in the text
        assertThat(thesaurus.expand(Language.ZH, "我想要退款")).contains("退回").doesNotContain("退款");
        // Hebrew: a prefixed form names the bare word ("והקופון" -> "קופון")
        assertThat(thesaurus.expand(Language.HE, "והקופון לא עובד")).contains("קוד הנחה");
    }

    @Test
    void aPhraseThatIsOneCommonWordNamesNothing() {
        // round 7's rule (Ranking.commonPhraseShare): "где заказ" is "заказ" once the stop word "где" is dropped
        assertThat(thesaurus.oneWordPhrases(Language.RU)).containsEntry("где заказ", "заказ");
        assertThat(thesaurus.expand(Language.RU, "где мой заказ")).contains("трек");
        assertThat(thesaurus.expand(Language.RU, "где мой заказ", t -> t.equals("заказ"))).isEmpty();
        // another phrase of the group still names it, and the common one is not searched again
        assertThat(thesaurus.expand(Language.RU, "где мой заказ, нужен трек", t -> t.equals("заказ")))
                .contains("отслеживание").doesNotContain("где заказ");
        // "accountant" is "account" after Porter stemming
        assertThat(thesaurus.oneWordPhrases(Language.EN)).containsEntry("accountant", "account");
        assertThat(thesaurus.expand(Language.EN, "my account", t -> t.equals("account"))).doesNotContain("invoice");
    }

    @Test
    void aQueryThatNamesNothingIsNotExpanded() {
        assertThat(thesaurus.expand(Language.EN, "hello there")).isEmpty();
        assertThat(thesaurus.expand(Language.ZH, "你好")).isEmpty();
    }

    @Test
    void theExpansionFindsAnArticleThatSharesNoWordWithTheQuery() {
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        try (LuceneSearchEngine engine = new LuceneSearchEngine(new LanguageAnalyzers(), Ranking.DEFAULT, 80)) {
            engine.rebuild(List.of(
                    new Article("en-refund", "Refund timing", "Refunds reach your card within ten days.", Language.EN, List.of(),
                            true, t0, t0),
                    new Article("en-shoes", "Shoe sizes", "Our shoes run small; order one size up.", Language.EN, List.of(), true,
                            t0, t0)));
            SearchRequest request = new SearchRequest("when do I get my money back", Optional.of(Language.EN), 5, true);
            assertThat(engine.search(request)).extracting(SearchHit::articleId).first().isEqualTo("en-refund");
            // without the expansion no word of the query is in either article, and the refund article is not found
            assertThat(engine.searchWithoutThesaurus(request)).extracting(SearchHit::articleId).doesNotContain("en-refund");
        }
    }
}
