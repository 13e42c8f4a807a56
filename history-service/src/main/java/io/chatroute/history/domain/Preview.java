package io.chatroute.history.domain;

/** A short one-line excerpt of a message, for lists: cleaned, white space collapsed, cut with an ellipsis. */
public final class Preview {

    /** Characters (code points) of a preview, the ellipsis included. */
    public static final int MAX_LENGTH = 200;

    private Preview() {
    }

    /** The preview of {@code text} (null for null), at most {@code max} code points. */
    public static String of(String text, int max) {
        if (text == null) {
            return null;
        }
        String oneLine = TranscriptText.clean(text).replaceAll("\\s+", " ").strip();
        if (oneLine.codePointCount(0, oneLine.length()) <= max) {
            return oneLine;
        }
        int end = oneLine.offsetByCodePoints(0, max - 1);
        return oneLine.substring(0, end).stripTrailing() + "…";
    }

    public static String of(String text) {
        return of(text, MAX_LENGTH);
    }
}
