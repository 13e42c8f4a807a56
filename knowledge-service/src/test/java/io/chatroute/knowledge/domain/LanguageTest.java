package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LanguageTest {

    @Test
    void codesAndLocales() {
        assertThat(Language.fromCode("ru")).contains(Language.RU);
        assertThat(Language.fromCode("zh_CN")).contains(Language.ZH);
        assertThat(Language.fromCode("EN-gb")).contains(Language.EN);
        assertThat(Language.fromCode("iw")).contains(Language.HE);
        assertThat(Language.fromCode("fr")).isEmpty();
        assertThat(Language.fromCode(" ")).isEmpty();
        assertThat(Language.fromCode(null)).isEmpty();
        assertThat(Language.isSupportedCode("he")).isTrue();
        assertThat(Language.isSupportedCode("he-IL")).isFalse();
        assertThat(Language.codes()).containsExactly("en", "ru", "zh", "he");
    }
}
