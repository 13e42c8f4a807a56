package io.chatroute.history.domain;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How message text is prepared for PostgreSQL full-text search, and how a query {@code q} is turned into
 * search conditions, for the four languages the product serves. The text is split by script, each script going to
 * the configuration that suits it (see the README, <i>Full-text search</i>, for the measurements behind it):
 *
 * <ul>
 * <li><b>Latin</b> (English): the {@code english} configuration (Snowball stemmer, stop words), which also keeps
 * digits, e-mail addresses and the like;</li>
 * <li><b>Cyrillic</b> (Russian): the {@code russian} configuration (Snowball stemmer, stop words);</li>
 * <li><b>Han</b> (Chinese, written without spaces): overlapping character bigrams (and single characters) in
 * the {@code simple} configuration; a query matches when the message holds all its bigrams;</li>
 * <li><b>Hebrew</b> (prefixes ו ה ב ל מ ש כ are written joined to the word): the word and the word with up to
 * three leading prefix letters removed (a remainder of at least {@value #HEBREW_MIN_STEM} letters), in
 * {@code simple}; a query word matches any of its own variants. Points (niqqud) are removed;</li>
 * <li>any other script: its words as they are, in {@code simple}.</li>
 * </ul>
 *
 * <p>The script of each character decides, not the message's {@code language} field: an agent answering in English
 * inside a Russian chat is still found in English. Pure: no framework imports.
 */
public final class SearchText {

    /** Hebrew prefix letters stripped: and, the, in, to, from, that, as. */
    private static final String HEBREW_PREFIXES = "והבלמשכ";
    static final int HEBREW_MIN_STEM = 3;
    private static final int HEBREW_MAX_PREFIXES = 3;
    /** Query words looked at (a longer query is cut): bounds the work and the query's size. */
    public static final int MAX_QUERY_TERMS = 32;

    private SearchText() {
    }

    /** The text for each configuration: {@code to_tsvector('english', english) || … russian || … simple}. */
    public record Parts(String english, String russian, String simple) {
        public boolean isEmpty() {
            return english.isBlank() && russian.isBlank() && simple.isBlank();
        }
    }

    /**
     * A query: {@code plainto_tsquery('english', english)}, {@code plainto_tsquery('russian', russian)} and
     * {@code to_tsquery('simple', simple)} (already in tsquery syntax, lexemes quoted); an empty part is null.
     * A message matches when it matches every part that is not null.
     */
    public record Query(String english, String russian, String simple) {
        public boolean isEmpty() {
            return english == null && russian == null && simple == null;
        }
    }

    private enum Kind { LATIN, CYRILLIC, HAN, HEBREW, OTHER_LETTER, NONE }

    /** Splits a message's text for the index. */
    public static Parts index(String text) {
        if (text == null || text.isEmpty()) {
            return new Parts("", "", "");
        }
        String t = Normalizer.normalize(text, Normalizer.Form.NFKC);
        StringBuilder english = new StringBuilder(t.length());
        StringBuilder russian = new StringBuilder();
        Set<String> simple = new LinkedHashSet<>();
        for (Run run : runs(t, english)) {
            switch (run.kind) {
                case CYRILLIC -> russian.append(russian.isEmpty() ? "" : " ").append(run.text);
                case HAN -> {
                    List<String> chars = codePoints(run.text);
                    simple.addAll(chars);
                    for (int i = 0; i + 1 < chars.size(); i++) {
                        simple.add(chars.get(i) + chars.get(i + 1));
                    }
                }
                case HEBREW -> simple.addAll(hebrewVariants(run.text));
                case OTHER_LETTER -> simple.add(run.text.toLowerCase(Locale.ROOT));
                default -> { }
            }
        }
        return new Parts(english.toString().strip(), russian.toString(), String.join(" ", simple));
    }

    /** Turns {@code q} into search conditions; every word must be found (AND), as a search box does. */
    public static Query query(String q) {
        if (q == null || q.isBlank()) {
            return new Query(null, null, null);
        }
        String t = Normalizer.normalize(q, Normalizer.Form.NFKC);
        StringBuilder english = new StringBuilder(t.length());
        StringBuilder russian = new StringBuilder();
        List<String> simple = new ArrayList<>();
        int terms = 0;
        for (Run run : runs(t, english)) {
            if (++terms > MAX_QUERY_TERMS) {
                break;
            }
            switch (run.kind) {
                case CYRILLIC -> russian.append(russian.isEmpty() ? "" : " ").append(run.text);
                case HAN -> {
                    List<String> chars = codePoints(run.text);
                    if (chars.size() == 1) {
                        simple.add(quote(chars.get(0)));
                    }
                    for (int i = 0; i + 1 < chars.size(); i++) {
                        simple.add(quote(chars.get(i) + chars.get(i + 1)));
                    }
                }
                case HEBREW -> {
                    List<String> variants = hebrewVariants(run.text);
                    simple.add(variants.size() == 1 ? quote(variants.get(0))
                            : "(" + String.join(" | ", variants.stream().map(SearchText::quote).toList()) + ")");
                }
                case OTHER_LETTER -> simple.add(quote(run.text.toLowerCase(Locale.ROOT)));
                default -> { }
            }
        }
        String en = english.toString().strip();
        return new Query(en.isEmpty() || !hasLetterOrDigit(en) ? null : en, russian.isEmpty() ? null : russian.toString(),
                simple.isEmpty() ? null : String.join(" & ", new LinkedHashSet<>(simple)));
    }

    /**
     * The word and the word without 1..3 leading prefix letters, each at least {@value #HEBREW_MIN_STEM} letters
     * (a shorter word is kept as it is). Points (niqqud) were removed by {@link #runs}.
     */
    static List<String> hebrewVariants(String word) {
        List<String> out = new ArrayList<>();
        out.add(word);
        List<String> chars = codePoints(word);
        for (int i = 0; i < HEBREW_MAX_PREFIXES && i < chars.size(); i++) {
            if (HEBREW_PREFIXES.indexOf(chars.get(i)) < 0 || chars.size() - i - 1 < HEBREW_MIN_STEM) {
                break;
            }
            out.add(String.join("", chars.subList(i + 1, chars.size())));
        }
        return out;
    }

    private record Run(Kind kind, String text) {
    }

    /**
     * Splits the text into runs of letters of one script. {@code latin} receives the text with every letter of
     * another script blanked out (Latin letters, digits and punctuation stay, for the {@code english} parser).
     */
    private static List<Run> runs(String t, StringBuilder latin) {
        List<Run> runs = new ArrayList<>();
        Kind current = Kind.NONE;
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            Kind kind = kind(cp);
            boolean mark = Character.getType(cp) == Character.NON_SPACING_MARK
                    || Character.getType(cp) == Character.COMBINING_SPACING_MARK;
            if (mark && current != Kind.NONE) {
                // a combining mark belongs to its letter; Hebrew points are dropped (people type without them)
                if (current != Kind.HEBREW) {
                    word.appendCodePoint(cp);
                }
                if (current == Kind.LATIN) {
                    latin.appendCodePoint(cp);
                }
                continue;
            }
            if (kind == Kind.LATIN || kind == Kind.NONE) {
                latin.appendCodePoint(cp);
            } else {
                latin.append(' ');
            }
            if (kind != current) {
                if (current != Kind.NONE && current != Kind.LATIN && !word.isEmpty()) {
                    runs.add(new Run(current, word.toString()));
                }
                word.setLength(0);
                current = kind;
            }
            if (kind != Kind.NONE) {
                word.appendCodePoint(cp);
            }
        }
        if (current != Kind.NONE && current != Kind.LATIN && !word.isEmpty()) {
            runs.add(new Run(current, word.toString()));
        }
        return runs;
    }

    private static Kind kind(int cp) {
        if (!Character.isLetter(cp)) {
            return Kind.NONE;
        }
        return switch (Character.UnicodeScript.of(cp)) {
            case LATIN -> Kind.LATIN;
            case CYRILLIC -> Kind.CYRILLIC;
            case HAN -> Kind.HAN;
            case HEBREW -> Kind.HEBREW;
            default -> Kind.OTHER_LETTER;
        };
    }

    private static List<String> codePoints(String s) {
        return s.codePoints().mapToObj(Character::toString).toList();
    }

    private static boolean hasLetterOrDigit(String s) {
        return s.codePoints().anyMatch(Character::isLetterOrDigit);
    }

    /** A tsquery lexeme: quoted (the words hold letters only, but a quote is doubled all the same). */
    private static String quote(String lexeme) {
        return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'";
    }
}
