package io.chatroute.history.domain;

/**
 * The text of a customer note: required, 1 to {@value #MAX_LENGTH} characters (code points), not blank.
 * {@code \r\n} is taken as a newline; control characters other than newline and tab, invisible format
 * characters (bidi overrides and isolates, zero-width spaces, BOM; ZWNJ, ZWJ, LRM and RLM are allowed),
 * line and paragraph separators and unpaired surrogates are refused, never silently removed.
 */
public final class NoteText {

    public static final int MAX_LENGTH = 2000;

    private NoteText() {
    }

    /** The text to store, or an {@link InvalidInputException} on {@code field}. */
    public static String validate(String text, String field) {
        if (text == null || text.isBlank()) {
            throw InvalidInputException.of(field, "is required");
        }
        String t = text.replace("\r\n", "\n");
        int length = t.codePointCount(0, t.length());
        if (length > MAX_LENGTH) {
            throw InvalidInputException.of(field, "must be at most " + MAX_LENGTH + " characters");
        }
        int bad = t.codePoints().filter(NoteText::refused).findFirst().orElse(-1);
        if (bad >= 0) {
            throw InvalidInputException.of(field, "must not contain control characters (found U+"
                    + String.format("%04X", bad) + "); newline and tab are allowed");
        }
        return t;
    }

    private static boolean refused(int cp) {
        if (cp == '\n' || cp == '\t') {
            return false;
        }
        int type = Character.getType(cp);
        return Character.isISOControl(cp)
                || type == Character.SURROGATE
                || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                || (type == Character.FORMAT && (cp < 0x200C || cp > 0x200F));
    }
}
