package io.chatroute.history.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SearchTextTest {

    @Test
    void eachScriptGoesToItsConfiguration() {
        SearchText.Parts p = SearchText.index("Order #4711: деньги не пришли, 退款 and שלום");
        assertThat(p.english()).contains("Order #4711:", "and").doesNotContain("деньги", "退款", "שלום");
        assertThat(p.russian()).isEqualTo("деньги не пришли");
        assertThat(p.simple().split(" ")).contains("退", "款", "退款", "שלום");
    }

    @Test
    void chineseIsIndexedAsCharactersAndBigramsAndQueriedAsBigrams() {
        assertThat(SearchText.index("怎么退款").simple().split(" "))
                .containsExactly("怎", "么", "退", "款", "怎么", "么退", "退款");
        assertThat(SearchText.query("怎么退款").simple()).isEqualTo("'怎么' & '么退' & '退款'");
        assertThat(SearchText.query("款").simple()).isEqualTo("'款'");
        // words apart (a space) are searched apart
        assertThat(SearchText.query("付款 失败").simple()).isEqualTo("'付款' & '失败'");
    }

    @Test
    void hebrewWordsAlsoStandWithoutTheirPrefixes() {
        assertThat(SearchText.hebrewVariants("ובבית")).containsExactly("ובבית", "בבית", "בית");
        assertThat(SearchText.hebrewVariants("הזמנה")).containsExactly("הזמנה", "זמנה");
        // at least three letters are left
        assertThat(SearchText.hebrewVariants("בית")).containsExactly("בית");
        assertThat(SearchText.hebrewVariants("שלום")).containsExactly("שלום", "לום");
        assertThat(SearchText.query("הזמנה").simple()).isEqualTo("('הזמנה' | 'זמנה')");
        // points (niqqud) are dropped
        assertThat(SearchText.index("שָׁלוֹם").simple()).startsWith("שלום");
    }

    @Test
    void queriesWithoutAWordAreEmpty() {
        assertThat(SearchText.query("!!! ...").isEmpty()).isTrue();
        assertThat(SearchText.query("   ").isEmpty()).isTrue();
        assertThat(SearchText.query(null).isEmpty()).isTrue();
        assertThat(SearchText.query("4711").english()).isEqualTo("4711");
        SearchText.Query q = SearchText.query("refund возврат");
        assertThat(q.english()).isEqualTo("refund");
        assertThat(q.russian()).isEqualTo("возврат");
        assertThat(q.simple()).isNull();
    }

    @Test
    void aQuoteCannotBreakTheQuerySyntax() {
        // only letters reach the simple part, but a lexeme is quoted all the same
        assertThat(SearchText.query("O'Brien").english()).isEqualTo("O'Brien");
        assertThat(SearchText.query("'退款'").simple()).isEqualTo("'退款'");
    }
}
