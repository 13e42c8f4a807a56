package io.chatroute.history.domain;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A chat's tags: what {@code PUT /api/v1/transcripts/{chatId}/tags} and {@code chat.tagged} accept.
 *
 * <p>Each tag is normalised (Unicode NFKC, trimmed, runs of white space made one space, lower case) and must
 * then be 1 to {@value #MAX_LENGTH} characters (code points) of letters, digits, combining marks, space,
 * {@code -} and {@code _}, starting with a letter or digit, so {@code "Late Shipper"} and {@code "late  shipper"}
 * are the same tag. Duplicates (after normalising) are merged; at most {@value #MAX_TAGS} different tags.
 */
public final class Tags {

    public static final int MAX_TAGS = 20;
    public static final int MAX_LENGTH = 50;
    /** Entries looked at in one list (duplicates included): bounds the work and the error list. */
    public static final int MAX_ENTRIES = 100;

    private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{M}\\p{N} _-]*");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private Tags() {
    }

    /**
     * The distinct normalised tags, sorted; throws an {@link InvalidInputException} naming each bad entry
     * ({@code field[i]}) or the list ({@code field}).
     *
     * @param raw the entries as sent (a null entry or one that is not a string is an error)
     * @param field the name of the list in error messages
     */
    public static List<String> normalise(List<?> raw, String field) {
        if (raw == null) {
            throw InvalidInputException.of(field, "must be a JSON array of strings");
        }
        if (raw.size() > MAX_ENTRIES) {
            throw InvalidInputException.of(field, "must have at most " + MAX_TAGS + " tags");
        }
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        TreeSet<String> tags = new TreeSet<>();
        for (int i = 0; i < raw.size(); i++) {
            Object entry = raw.get(i);
            String name = field + "[" + i + "]";
            if (!(entry instanceof String s)) {
                errors.add(new InvalidInputException.FieldError(name, "must be a string"));
                continue;
            }
            String tag = normaliseOne(s);
            int length = tag.codePointCount(0, tag.length());
            if (length < 1 || length > MAX_LENGTH) {
                errors.add(new InvalidInputException.FieldError(name, "must be 1 to " + MAX_LENGTH + " characters"));
            } else if (!ALLOWED.matcher(tag).matches()) {
                errors.add(new InvalidInputException.FieldError(name,
                        "may hold only letters, digits, spaces, '-' and '_', starting with a letter or digit"));
            } else {
                tags.add(tag);
            }
        }
        if (errors.isEmpty() && tags.size() > MAX_TAGS) {
            errors.add(new InvalidInputException.FieldError(field, "must have at most " + MAX_TAGS + " tags"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return List.copyOf(tags);
    }

    /** NFKC, trimmed, white-space runs as one space, lower case (not validated). */
    static String normaliseOne(String s) {
        String n = Normalizer.normalize(s, Normalizer.Form.NFKC).strip();
        return SPACES.matcher(n).replaceAll(" ").toLowerCase(Locale.ROOT);
    }
}
