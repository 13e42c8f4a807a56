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
 * {@code -} and {@code _}, in any order, so {@code "Late Shipper"} and {@code "late  shipper"} are the same tag.
 * That is at least what session-service, the producer of {@code chat.tagged}, accepts (its schema: letters,
 * digits, space, {@code -}, {@code _}, 1 to 50): a tag that passes as sent (trimmed, lower case, without NFKC)
 * is taken too, stored normalised, even where NFKC makes it longer or gives it other characters
 * ({@code "½"} → {@code "1⁄2"}). Duplicates (after normalising) are merged; at most {@value #MAX_TAGS} different tags.
 */
public final class Tags {

    public static final int MAX_TAGS = 20;
    public static final int MAX_LENGTH = 50;
    /** Entries looked at in one list (duplicates included): bounds the work and the error list. */
    public static final int MAX_ENTRIES = 100;

    private static final Pattern ALLOWED = Pattern.compile("[\\p{L}\\p{M}\\p{N} _-]+");
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
            String error = check(tag);
            if (error != null && check(collapsed(s)) == null) {
                error = null; // fine as sent, as session-service checks it: NFKC only made it longer or changed a character
            }
            if (error != null) {
                errors.add(new InvalidInputException.FieldError(name, error));
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

    /** Why a tag does not fit, null when it does. */
    private static String check(String tag) {
        int length = tag.codePointCount(0, tag.length());
        if (length < 1 || length > MAX_LENGTH) {
            return "must be 1 to " + MAX_LENGTH + " characters";
        }
        if (!ALLOWED.matcher(tag).matches()) {
            return "may hold only letters, digits, spaces, '-' and '_'";
        }
        return null;
    }

    /** NFKC, trimmed, white-space runs as one space, lower case (not validated). */
    static String normaliseOne(String s) {
        return collapsed(Normalizer.normalize(s, Normalizer.Form.NFKC));
    }

    /** Trimmed, white-space runs as one space, lower case. */
    private static String collapsed(String s) {
        return SPACES.matcher(s.strip()).replaceAll(" ").toLowerCase(Locale.ROOT);
    }
}
