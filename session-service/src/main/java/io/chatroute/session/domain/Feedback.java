package io.chatroute.session.domain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks of what visitors and agents say about a chat: the survey (CSAT, CES), tags and a used suggestion. */
public final class Feedback {

    public static final int COMMENT_MAX = 1000;
    public static final int TAGS_MAX = 20;
    public static final int TAG_MAX = 50;
    /** Letters of any script, digits, space, - and _, as history-service accepts them. */
    private static final Pattern TAG = Pattern.compile("[\\p{L}\\p{N} _-]+");
    private static final Pattern ARTICLE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,100}");

    private Feedback() {
    }

    /** Field errors of a survey: csat and ces 1..5 (at least one), comment at most 1000 characters. */
    public static List<FieldError> checkSurvey(Integer csat, Integer ces, String comment) {
        List<FieldError> errors = new ArrayList<>();
        if (csat == null && ces == null) {
            errors.add(new FieldError("csat", "csat or ces is required"));
        }
        if (csat != null && (csat < 1 || csat > 5)) {
            errors.add(new FieldError("csat", "must be 1 to 5"));
        }
        if (ces != null && (ces < 1 || ces > 5)) {
            errors.add(new FieldError("ces", "must be 1 to 5"));
        }
        if (comment != null && comment.codePointCount(0, comment.length()) > COMMENT_MAX) {
            errors.add(new FieldError("comment", "must be at most " + COMMENT_MAX + " characters"));
        }
        return errors;
    }

    /** Tags lower-cased, trimmed and de-duplicated in order; throws with field errors when one does not fit. */
    public static List<String> normaliseTags(List<String> raw, List<FieldError> errors) {
        Set<String> out = new LinkedHashSet<>();
        if (raw == null) {
            errors.add(new FieldError("tags", "is required (an array of strings)"));
            return List.of();
        }
        for (int i = 0; i < raw.size(); i++) {
            String t = raw.get(i) == null ? "" : TextSafety.cleanLine(raw.get(i)).trim().toLowerCase(Locale.ROOT);
            if (t.isEmpty() || t.length() > TAG_MAX || !TAG.matcher(t).matches()) {
                errors.add(new FieldError("tags[" + i + "]", "1 to " + TAG_MAX + " letters, digits, spaces, - or _"));
            } else {
                out.add(t);
            }
        }
        if (out.size() > TAGS_MAX) {
            errors.add(new FieldError("tags", "at most " + TAGS_MAX + " tags"));
        }
        return List.copyOf(out);
    }

    public static boolean validArticleId(String id) {
        return id != null && ARTICLE_ID.matcher(id).matches();
    }
}
