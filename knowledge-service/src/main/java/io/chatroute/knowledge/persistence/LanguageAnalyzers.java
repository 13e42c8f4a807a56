package io.chatroute.knowledge.persistence;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import io.chatroute.knowledge.domain.Language;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

/**
 * One analyzer per language, and the field names that hold each language's text:
 * en: EnglishAnalyzer (Porter stemming, English stop words); ru: RussianAnalyzer (Snowball stemming, Russian
 * stop words); zh: SmartChineseAnalyzer (dictionary word segmentation); he: StandardAnalyzer without stop
 * words (Unicode word segmentation, which keeps Hebrew words whole; no stemming).
 */
public final class LanguageAnalyzers implements AutoCloseable {

    public static final String TITLE = "title_";
    public static final String BODY = "body_";
    public static final String TAGS = "tags_";

    private final Map<Language, Analyzer> byLanguage = new EnumMap<>(Language.class);
    private final Analyzer fallback = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    private final PerFieldAnalyzerWrapper perField;

    public LanguageAnalyzers() {
        byLanguage.put(Language.EN, new EnglishAnalyzer());
        byLanguage.put(Language.RU, new RussianAnalyzer());
        byLanguage.put(Language.ZH, new SmartChineseAnalyzer());
        byLanguage.put(Language.HE, new StandardAnalyzer(CharArraySet.EMPTY_SET));
        Map<String, Analyzer> fields = new HashMap<>();
        for (Map.Entry<Language, Analyzer> e : byLanguage.entrySet()) {
            fields.put(titleField(e.getKey()), e.getValue());
            fields.put(bodyField(e.getKey()), e.getValue());
            fields.put(tagsField(e.getKey()), e.getValue());
        }
        perField = new PerFieldAnalyzerWrapper(fallback, fields);
    }

    public Analyzer analyzerFor(Language language) {
        return byLanguage.get(language);
    }

    /** The analyzer to index documents with: each field is analyzed by its language's analyzer. */
    public Analyzer indexAnalyzer() {
        return perField;
    }

    public static String titleField(Language language) {
        return TITLE + language.code();
    }

    public static String bodyField(Language language) {
        return BODY + language.code();
    }

    public static String tagsField(Language language) {
        return TAGS + language.code();
    }

    @Override
    public void close() {
        byLanguage.values().forEach(Analyzer::close);
        fallback.close();
    }
}
