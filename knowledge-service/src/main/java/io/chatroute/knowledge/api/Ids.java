package io.chatroute.knowledge.api;

import java.util.regex.Pattern;

/** Caller-chosen ids in paths. */
final class Ids {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,99}");

    private Ids() {
    }

    static String check(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw ProblemException.invalid("id", "must be 1 to 100 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
        }
        return id;
    }
}
