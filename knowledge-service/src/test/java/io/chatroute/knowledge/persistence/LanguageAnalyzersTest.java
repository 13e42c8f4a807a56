package io.chatroute.knowledge.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.chatroute.knowledge.domain.Language;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LanguageAnalyzersTest {

    private final LanguageAnalyzers analyzers = new LanguageAnalyzers();

    @AfterEach
    void close() {
        analyzers.close();
    }

    @Test
    void eachLanguageHasItsAnalyzer() {
        assertThat(analyzers.analyzerFor(Language.EN)).isInstanceOf(EnglishAnalyzer.class);
        assertThat(analyzers.analyzerFor(Language.RU)).isInstanceOf(RussianAnalyzer.class);
        assertThat(analyzers.analyzerFor(Language.ZH)).isInstanceOf(SmartChineseAnalyzer.class);
        assertThat(analyzers.analyzerFor(Language.HE)).isInstanceOf(LanguageAnalyzers.HebrewAnalyzer.class);
        assertThat(new LanguageAnalyzers(false).analyzerFor(Language.HE)).isInstanceOf(StandardAnalyzer.class);
        assertThat(LanguageAnalyzers.titleField(Language.RU)).isEqualTo("title_ru");
        assertThat(LanguageAnalyzers.bodyField(Language.ZH)).isEqualTo("body_zh");
    }

    @Test
    void englishStems() {
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.EN), "body_en", "Refunds"))
                .isEqualTo(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.EN), "body_en", "refund"));
    }

    @Test
    void russianStems() {
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.RU), "body_ru", "возврата"))
                .isEqualTo(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.RU), "body_ru", "возврат"));
    }

    @Test
    void chineseIsSegmentedIntoWords() {
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.ZH), "body_zh", "我想申请退款"))
                .contains("退款");
    }

    @Test
    void hebrewWordsAreKeptAndAlsoIndexedWithoutTheirPrefixes() {
        // ה (the) in החזרים; מ in מדיניות looks like a prefix: the extra form is harmless, the whole word stays
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.HE), "body_he", "מדיניות החזרים"))
                .containsExactlyInAnyOrder("מדיניות", "דיניות", "החזרים", "חזרים");
        // ו + ה, ב, ל, ש, מ + ה, כש: each prefixed form finds the bare word
        for (String prefixed : new String[] {"והזמנה", "בהזמנה", "להזמנה", "שהזמנה", "מההזמנה", "כשהזמנה", "ההזמנה"}) {
            assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.HE), "body_he", prefixed))
                    .as(prefixed).contains(prefixed, "הזמנה");
        }
        // short words are not stripped (at least three letters remain)
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.HE), "body_he", "בית")).containsExactly("בית");
        // Latin words inside Hebrew text: lower case
        assertThat(LuceneSearchEngine.terms(analyzers.analyzerFor(Language.HE), "body_he", "PayPal")).containsExactly("paypal");
    }

    @Test
    void hebrewSuffixesAreFoldedBesideTheWord() {
        try (LanguageAnalyzers folding = new LanguageAnalyzers(true, true)) {
            org.apache.lucene.analysis.Analyzer he = folding.analyzerFor(Language.HE);
            // the plural, the feminine ending and the first person meet in one form, the word itself kept
            for (String form : new String[] {"הזמנה", "הזמנות", "הזמנתי"}) {
                assertThat(LuceneSearchEngine.terms(he, "body_he", form)).as(form).contains(form, "הזמן");
            }
            // the letter left at the end takes its final form: חשבונות (accounts) → חשבון (account)
            assertThat(LuceneSearchEngine.terms(he, "body_he", "חשבונות")).containsExactlyInAnyOrder("חשבונות", "חשבון");
            assertThat(LuceneSearchEngine.terms(he, "body_he", "מוצרים")).contains("מוצרים", "מוצר");
            // with a prefix: every prefix form is folded too, each form once
            assertThat(LuceneSearchEngine.terms(he, "body_he", "וההזמנות"))
                    .containsExactlyInAnyOrder("וההזמנות", "ההזמנות", "הזמנות", "וההזמן", "ההזמן", "הזמן");
            // at least three letters remain; a word without a known ending is left alone
            assertThat(LuceneSearchEngine.terms(he, "body_he", "שנה")).containsExactly("שנה");
            assertThat(LuceneSearchEngine.terms(he, "body_he", "טלפון")).containsExactly("טלפון");
            // one position per word: the forms stack, the next word moves on
            assertThat(LuceneSearchEngine.positions(he, "body_he", "הזמנות חדשות"))
                    .containsExactly(java.util.List.of("הזמנות", "הזמן", "זמנות", "זמן"), java.util.List.of("חדשות", "חדש"));
        }
    }

    @Test
    void perFieldIndexAnalyzerUsesTheLanguageOfTheField() {
        assertThat(LuceneSearchEngine.terms(analyzers.indexAnalyzer(), "title_en", "refunds")).containsExactly("refund");
        assertThat(LuceneSearchEngine.terms(analyzers.indexAnalyzer(), "title_he", "refunds")).containsExactly("refunds");
    }
}
