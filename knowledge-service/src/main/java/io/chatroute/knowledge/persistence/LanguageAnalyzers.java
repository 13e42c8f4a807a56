package io.chatroute.knowledge.persistence;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import io.chatroute.knowledge.domain.Language;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cn.smart.SmartChineseAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.ru.RussianAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.standard.StandardTokenizer;

/**
 * One analyzer per language, and the field names that hold each language's text:
 * en: EnglishAnalyzer (Porter stemming, English stop words); ru: RussianAnalyzer (Snowball stemming, Russian
 * stop words); zh: SmartChineseAnalyzer (dictionary word segmentation); he: Unicode word segmentation,
 * lower case, and {@link HebrewPrefixFilter} (each word also indexed and searched without its prefix letters
 * ו/ה/ב/ל/מ/כ/ש), unless switched off.
 */
public final class LanguageAnalyzers implements AutoCloseable {

    public static final String TITLE = "title_";
    public static final String BODY = "body_";
    public static final String TAGS = "tags_";
    public static final String QUESTIONS = "questions_";
    public static final String LEARNED = "learned_";
    private static final String[] PREFIXES = {TITLE, BODY, TAGS, QUESTIONS, LEARNED};

    private final Map<Language, Analyzer> byLanguage = new EnumMap<>(Language.class);
    private final Analyzer fallback = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    private final PerFieldAnalyzerWrapper perField;

    public LanguageAnalyzers() {
        this(true);
    }

    public LanguageAnalyzers(boolean hebrewPrefixes) {
        byLanguage.put(Language.EN, new EnglishAnalyzer());
        byLanguage.put(Language.RU, new RussianAnalyzer());
        byLanguage.put(Language.ZH, new SmartChineseAnalyzer());
        byLanguage.put(Language.HE, hebrewPrefixes ? new HebrewAnalyzer() : new StandardAnalyzer(CharArraySet.EMPTY_SET));
        Map<String, Analyzer> fields = new HashMap<>();
        for (Map.Entry<Language, Analyzer> e : byLanguage.entrySet()) {
            for (String prefix : PREFIXES) {
                fields.put(prefix + e.getKey().code(), e.getValue());
            }
        }
        perField = new PerFieldAnalyzerWrapper(fallback, fields);
    }

    /** Hebrew: Unicode words, lower case (for Latin words inside Hebrew text), prefix forms added. */
    static final class HebrewAnalyzer extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            StandardTokenizer source = new StandardTokenizer();
            TokenStream result = new HebrewPrefixFilter(new LowerCaseFilter(source));
            return new TokenStreamComponents(source, result);
        }

        @Override
        protected TokenStream normalize(String fieldName, TokenStream in) {
            return new LowerCaseFilter(in);
        }
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

    public static String questionsField(Language language) {
        return QUESTIONS + language.code();
    }

    public static String learnedField(Language language) {
        return LEARNED + language.code();
    }

    @Override
    public void close() {
        byLanguage.values().forEach(Analyzer::close);
        fallback.close();
    }
}
