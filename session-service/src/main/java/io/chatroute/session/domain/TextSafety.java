package io.chatroute.session.domain;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the edge does to text before anything stores or publishes it: control characters that could break a
 * consumer or a terminal, and the bidirectional overrides that can make one text pass for another, are removed;
 * card numbers are masked.
 */
public final class TextSafety {

    /** 13 to 19 digits, up to three spaces or dashes between two of them, not part of a longer digit run. */
    private static final Pattern CARD_CANDIDATE = Pattern.compile("(?<!\\d)\\d(?:[ -]{0,3}\\d){12,18}(?!\\d)");

    private TextSafety() {
    }

    /**
     * Removes C0 controls except newline and tab ({@code \r\n} and a lone {@code \r} become {@code \n}), DEL, C1
     * controls, bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069), the BOM and
     * unpaired surrogates. Null stays null.
     */
    public static String clean(String s) {
        return s == null ? null : strip(s, true);
    }

    /** {@link #clean} for one-line values (names, ids, form answers): newlines and tabs become spaces. */
    public static String cleanLine(String s) {
        return s == null ? null : strip(s, false);
    }

    /** True when the value holds anything {@link #cleanLine} would change (identifiers are refused, not cleaned). */
    public static boolean hasUnsafe(String s) {
        return s != null && !strip(s, false).equals(s);
    }

    private static String strip(String s, boolean multiline) {
        StringBuilder out = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            String replacement = null;
            boolean drop = false;
            if (c == '\r') {
                if (i + 1 < n && s.charAt(i + 1) == '\n') {
                    drop = true;
                } else {
                    replacement = multiline ? "\n" : " ";
                }
            } else if (c == '\n' || c == '\t') {
                if (!multiline) {
                    replacement = " ";
                }
            } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E)
                    || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF) {
                drop = true;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    if (out != null) {
                        out.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
                drop = true;
            } else if (Character.isLowSurrogate(c)) {
                drop = true;
            }
            if (drop || replacement != null) {
                if (out == null) {
                    out = new StringBuilder(n).append(s, 0, i);
                }
                if (replacement != null) {
                    out.append(replacement);
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** Masks every Luhn-valid card number: all digits but the last four become {@code *}, separators stay. */
    public static String maskCards(String s) {
        if (s == null) {
            return null;
        }
        Matcher m = CARD_CANDIDATE.matcher(s);
        StringBuilder out = null;
        int last = 0;
        while (m.find()) {
            String run = m.group();
            if (!luhn(run)) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(s.length());
            }
            out.append(s, last, m.start()).append(mask(run));
            last = m.end();
        }
        if (out == null) {
            return s;
        }
        return out.append(s, last, s.length()).toString();
    }

    static boolean luhn(String run) {
        int sum = 0;
        boolean twice = false;
        for (int i = run.length() - 1; i >= 0; i--) {
            char c = run.charAt(i);
            if (c < '0' || c > '9') {
                continue;
            }
            int d = c - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    private static String mask(String run) {
        int digits = 0;
        for (int i = 0; i < run.length(); i++) {
            if (Character.isDigit(run.charAt(i))) {
                digits++;
            }
        }
        StringBuilder b = new StringBuilder(run.length());
        int seen = 0;
        for (int i = 0; i < run.length(); i++) {
            char c = run.charAt(i);
            if (c >= '0' && c <= '9') {
                seen++;
                b.append(seen > digits - 4 ? c : '*');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
