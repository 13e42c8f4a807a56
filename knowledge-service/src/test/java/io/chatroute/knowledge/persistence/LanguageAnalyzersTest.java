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
    void perFieldIndexAnalyzerUsesTheLanguageOfTheField() {
        assertThat(LuceneSearchEngine.terms(analyzers.indexAnalyzer(), "title_en", "refunds")).containsExactly("refund");
        assertThat(LuceneSearchEngine.terms(analyzers.indexAnalyzer(), "title_he", "refunds")).containsExactly("refunds");
    }
}
