package io.chatroute.knowledge.domain;

/**
 * Control characters never reach a store (the contract): C0 controls (newline, carriage return and tab allowed where a
 * value may span lines), DEL, C1 controls, bidirectional embeddings, overrides and isolates (U+202A..U+202E,
 * U+2066..U+2069), the BOM and unpaired surrogates. Values holding one are refused, not cleaned: an admin's text is
 * stored as written or not at all.
 */
public final class ControlCharacters {

    private ControlCharacters() {
    }

    /** The index of the first character refused in the value, or -1 (also for null). */
    public static int firstIn(String s, boolean multiline) {
        if (s == null) {
            return -1;
        }
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == '\t') {
                if (!multiline) {
                    return i;
                }
            } else if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E)
                    || (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF) {
                return i;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return i;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return i;
            }
        }
        return -1;
    }
}
