package io.chatroute.knowledge.persistence;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;

import io.chatroute.knowledge.domain.Language;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.cjk.CJKBigramFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.ngram.NGramTokenFilter;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.tartarus.snowball.ext.RussianStemmer;
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
    /** One alternate question per child document (the best-matching question, {@code Ranking.withQuestionMax}). */
    public static final String QUESTION = "question_";
    /** Character n-grams of the title, tags, alternate questions and learned questions (one field). */
    public static final String NGRAMS_SHORT = "ngs_";
    /** Character n-grams of the body. */
    public static final String NGRAMS_BODY = "ngb_";
    private static final String[] PREFIXES = {TITLE, BODY, TAGS, QUESTIONS, LEARNED, QUESTION};

    private final Map<Language, Analyzer> byLanguage = new EnumMap<>(Language.class);
    private final Map<Language, Analyzer> ngrams = new EnumMap<>(Language.class);
    private final Analyzer fallback = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    private final PerFieldAnalyzerWrapper perField;

    public LanguageAnalyzers() {
        this(true);
    }

    public LanguageAnalyzers(boolean hebrewPrefixes) {
        this(hebrewPrefixes, false); // suffix folding is off unless asked (README, "Round 4")
    }

    /** {@code hebrewSuffixes}: {@link HebrewSuffixFilter} after the prefix forms (with {@code hebrewPrefixes} only). */
    public LanguageAnalyzers(boolean hebrewPrefixes, boolean hebrewSuffixes) {
        byLanguage.put(Language.EN, new EnglishAnalyzer());
        byLanguage.put(Language.RU, new RussianAnalyzer());
        byLanguage.put(Language.ZH, new SmartChineseAnalyzer());
        byLanguage.put(Language.HE, hebrewPrefixes ? new HebrewAnalyzer(hebrewSuffixes) : new StandardAnalyzer(CharArraySet.EMPTY_SET));
        for (Language l : Language.values()) {
            ngrams.put(l, new NgramAnalyzer(l));
        }
        Map<String, Analyzer> fields = new HashMap<>();
        for (Map.Entry<Language, Analyzer> e : byLanguage.entrySet()) {
            for (String prefix : PREFIXES) {
                fields.put(prefix + e.getKey().code(), e.getValue());
            }
            fields.put(NGRAMS_SHORT + e.getKey().code(), ngrams.get(e.getKey()));
            fields.put(NGRAMS_BODY + e.getKey().code(), ngrams.get(e.getKey()));
        }
        perField = new PerFieldAnalyzerWrapper(fallback, fields);
    }

    /** Hebrew: Unicode words, lower case (for Latin words inside Hebrew text), prefix forms added. */
    static final class HebrewAnalyzer extends Analyzer {
        private final boolean suffixes;

        HebrewAnalyzer(boolean suffixes) {
            this.suffixes = suffixes;
        }

        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            StandardTokenizer source = new StandardTokenizer();
            TokenStream result = new HebrewPrefixFilter(new LowerCaseFilter(source));
            if (suffixes) {
                result = new HebrewSuffixFilter(result);
            }
            return new TokenStreamComponents(source, result);
        }

        @Override
        protected TokenStream normalize(String fieldName, TokenStream in) {
            return new LowerCaseFilter(in);
        }
    }

    /**
     * Character n-grams of the words, for inflections, derived forms, prefixes and typos the word fields miss:
     * en and ru the 3- and 4-grams of each stemmed word (stop words dropped), he of each lower-cased word (so a
     * prefixed form shares most of its grams with the bare word), words shorter than 3 letters kept whole; zh the
     * overlapping character bigrams (beside the dictionary segmentation of the word fields).
     */
    static final class NgramAnalyzer extends Analyzer {
        static final int MIN = 3;
        static final int MAX = 4;
        private final Language language;

        NgramAnalyzer(Language language) {
            this.language = language;
        }

        @Override
        protected TokenStreamComponents createComponents(String fieldName) {
            StandardTokenizer source = new StandardTokenizer();
            TokenStream result = new LowerCaseFilter(source);
            switch (language) {
                case EN -> result = new NGramTokenFilter(new PorterStemFilter(
                        new StopFilter(new EnglishPossessiveFilter(result), EnglishAnalyzer.ENGLISH_STOP_WORDS_SET)), MIN, MAX, true);
                case RU -> result = new NGramTokenFilter(new SnowballFilter(
                        new StopFilter(result, RussianAnalyzer.getDefaultStopSet()), new RussianStemmer()), MIN, MAX, true);
                case ZH -> result = new CJKBigramFilter(result);
                case HE -> result = new NGramTokenFilter(result, MIN, MAX, true);
                default -> throw new IllegalStateException("no n-gram analyzer for " + language);
            }
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

    public Analyzer ngramAnalyzerFor(Language language) {
        return ngrams.get(language);
    }

    public static String ngramsShortField(Language language) {
        return NGRAMS_SHORT + language.code();
    }

    public static String ngramsBodyField(Language language) {
        return NGRAMS_BODY + language.code();
    }

    /** Whether {@code field} is one of the short fields (title, tags, questions, learned, their n-grams). */
    public static boolean shortField(String field) {
        return field.startsWith(TITLE) || field.startsWith(TAGS) || field.startsWith(QUESTIONS) || field.startsWith(LEARNED)
                || field.startsWith(QUESTION)
                || field.startsWith(NGRAMS_SHORT);
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

    public static String questionField(Language language) {
        return QUESTION + language.code();
    }

    @Override
    public void close() {
        byLanguage.values().forEach(Analyzer::close);
        ngrams.values().forEach(Analyzer::close);
        fallback.close();
    }
}
