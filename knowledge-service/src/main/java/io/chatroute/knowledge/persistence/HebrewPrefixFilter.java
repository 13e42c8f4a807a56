package io.chatroute.knowledge.persistence;

import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.lucene.analysis.TokenStream;

/**
 * Hebrew writes its commonest function words as one-letter prefixes of the next word: ו (and), ה (the),
 * ב (in), ל (to), מ (from), כ (as), ש (that), and their sequences (וה, שב, מה, כש, ומה, …). "ההזמנה",
 * "בהזמנה" and "והזמנה" are all "הזמנה". This filter keeps every token as it is and adds, at the same
 * position, each form left by stripping a valid prefix sequence, as long as at least three letters remain
 * ({@link #MIN_STEM}): used at index and at query time, "הקבלה" finds "קבלה" and "וקבלות" finds "קבלות"
 * (a query term and its stripped forms become one synonym query, so a prefixed word does not count twice).
 *
 * <p>Valid sequences follow the order the language allows: an optional ו, then an optional ש or כש, then
 * one of ב, ל, מ, כ, ה, and after ב/ל/כ/מ an optional ה only where Hebrew writes it (מה, שה, וה). A word whose
 * first letters only look like prefixes gets an extra, harmless form ("מייל" also gives "ייל"); the original
 * form is always kept, so exact matches still score best.
 */
public final class HebrewPrefixFilter extends StackedFormsFilter {

    /** Letters that must remain after stripping. */
    public static final int MIN_STEM = 3;

    public HebrewPrefixFilter(TokenStream input) {
        super(input);
    }

    @Override
    Set<String> forms(String word) {
        return strippedForms(word);
    }

    /** The forms of {@code word} without each valid prefix sequence (the word itself not included). */
    static Set<String> strippedForms(String word) {
        Set<String> forms = new LinkedHashSet<>();
        if (word.length() <= MIN_STEM || !isHebrewLetter(word.charAt(0))) {
            return forms;
        }
        int i = 0;
        // ו
        if (word.charAt(i) == 'ו') {
            i++;
            add(forms, word, i);
        }
        // ש or כש
        int j = i;
        if (j < word.length() && word.charAt(j) == 'ש') {
            j++;
        } else if (j + 1 < word.length() && word.charAt(j) == 'כ' && word.charAt(j + 1) == 'ש') {
            j += 2;
        }
        if (j > i) {
            add(forms, word, j);
            i = j;
        }
        // one of ב ל מ כ ה, then (after מ, ש, ו or alone) an optional ה
        if (i < word.length() && "בלמכה".indexOf(word.charAt(i)) >= 0) {
            char p = word.charAt(i);
            i++;
            add(forms, word, i);
            if (p == 'מ' && i < word.length() && word.charAt(i) == 'ה') {
                add(forms, word, i + 1);
            }
        }
        return forms;
    }

    private static void add(Set<String> forms, String word, int from) {
        if (word.length() - from >= MIN_STEM) {
            forms.add(word.substring(from));
        }
    }
}
