package io.chatroute.knowledge.persistence;

import java.util.Set;

import org.apache.lucene.analysis.TokenStream;

/**
 * A light Hebrew suffix folding, the counterpart of {@link HebrewPrefixFilter} at the end of a word. Hebrew has no
 * stemmer in Lucene, and the forms a shop's questions use most differ by a few final letters: the plural (ים, ות:
 * "הזמנות" orders, "מוצרים" products), the feminine ending ה ("הזמנה" order), and the first person's תי ("הזמנתי" I
 * ordered). Each token is kept and its folded form is added at the same position: the suffix removed and the letter
 * left at the end written in its final form (ך ם ן ף ץ), so "חשבונות" gives "חשבון" and "הזמנה", "הזמנות" and
 * "הזמנתי" all give "הזמן". At least {@link #MIN_STEM} letters must remain.
 * <p>
 * The folded form may meet an unrelated word ("הזמן", the time, is ה + זמן); the original form is always kept, so an
 * exact match still scores best, and the evaluation set measures the net effect (README, "Evaluation").
 */
public final class HebrewSuffixFilter extends StackedFormsFilter {

    /** Letters that must remain after folding. */
    public static final int MIN_STEM = 3;
    /** Longest first: יות before ות. */
    private static final String[] SUFFIXES = {"יות", "ים", "ות", "תי", "ה"};

    public HebrewSuffixFilter(TokenStream input) {
        super(input);
    }

    @Override
    Set<String> forms(String word) {
        return foldedForms(word);
    }

    /** The folded form of {@code word}, or none for a word too short, not Hebrew or without a known ending. */
    static Set<String> foldedForms(String word) {
        if (word.length() > MIN_STEM && isHebrewLetter(word.charAt(0))) {
            for (String suffix : SUFFIXES) {
                if (word.endsWith(suffix) && word.length() - suffix.length() >= MIN_STEM) {
                    return Set.of(finalForm(word.substring(0, word.length() - suffix.length())));
                }
            }
        }
        return Set.of();
    }

    /** The word with its last letter in final form (כ→ך, מ→ם, נ→ן, פ→ף, צ→ץ). */
    static String finalForm(String stem) {
        char last = stem.charAt(stem.length() - 1);
        int i = "כמנפצ".indexOf(last);
        return i < 0 ? stem : stem.substring(0, stem.length() - 1) + "ךםןףץ".charAt(i);
    }
}
