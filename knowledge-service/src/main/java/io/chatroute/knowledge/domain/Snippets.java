package io.chatroute.knowledge.domain;

/**
 * Builds the plain-text excerpt shown with a search hit: a window of the body around the first matched
 * word, cut at word boundaries, with an ellipsis where the body was cut; or the leading excerpt when no
 * word of the body matched (e.g. only the title did). Whitespace is collapsed; no markup is added.
 */
public final class Snippets {

    public static final String ELLIPSIS = "…";

    private Snippets() {
    }

    /** The leading excerpt of {@code body}, at most {@code maxLength} characters plus an ellipsis. */
    public static String leading(String body, int maxLength) {
        return around(body, -1, -1, maxLength);
    }

    /**
     * An excerpt of at most {@code maxLength} characters (plus ellipses) that contains the match
     * {@code [matchStart, matchEnd)} of {@code body}, with about a third of the room before it.
     * A negative {@code matchStart} means no match: the leading excerpt.
     */
    public static String around(String body, int matchStart, int matchEnd, int maxLength) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be positive");
        }
        int len = body.length();
        int start;
        int end;
        if (matchStart < 0 || matchStart >= len) {
            start = 0;
            end = Math.min(len, maxLength);
        } else {
            int matchLen = Math.max(0, Math.min(matchEnd, len) - matchStart);
            int before = Math.max(0, (maxLength - matchLen) / 3);
            start = Math.max(0, matchStart - before);
            end = Math.min(len, start + maxLength);
            start = Math.max(0, Math.min(start, end - maxLength));
        }
        // cut at word boundaries, but only when one is near (CJK text has no spaces) and never inside the match
        int slack = Math.max(1, maxLength / 4);
        if (start > 0) {
            int limit = Math.min(start + slack, matchStart < 0 ? end : matchStart);
            int space = indexOfWhitespace(body, start, limit);
            if (space >= 0) {
                start = space + 1;
            }
        }
        if (end < len) {
            int from = Math.max(Math.max(start, end - slack), matchStart < 0 ? start : Math.min(matchEnd, end));
            int space = lastIndexOfWhitespace(body, from, end);
            if (space > start) {
                end = space;
            }
        }
        String excerpt = collapse(body.substring(start, end));
        if (excerpt.isEmpty()) {
            return "";
        }
        return (start > 0 ? ELLIPSIS : "") + excerpt + (end < len ? ELLIPSIS : "");
    }

    private static int indexOfWhitespace(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int lastIndexOfWhitespace(String s, int from, int to) {
        for (int i = to - 1; i >= from; i--) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static String collapse(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }
}
