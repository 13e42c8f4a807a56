package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What an admin sets about an agent. */
public record AgentProfile(String displayName, String title, String avatarUrl, Map<String, Integer> skills, Integer maxConcurrentChats) {
    public static final int DEFAULT_MAX = 4;
    public static final int MIN_CAP = 1;
    public static final int MAX_CAP = 6;

    public int cap() {
        return maxConcurrentChats == null ? DEFAULT_MAX : maxConcurrentChats;
    }

    public Map<String, Integer> skillsOrEmpty() {
        return skills == null ? Map.of() : skills;
    }

    public List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (displayName != null && (displayName.isBlank() || displayName.length() > 200)) {
            errors.add(new FieldError("displayName", "must be 1 to 200 characters"));
        }
        if (title != null && title.length() > 200) {
            errors.add(new FieldError("title", "at most 200 characters"));
        }
        if (avatarUrl != null && (avatarUrl.length() > 2000 || !avatarUrl.matches("(?i)https?://\\S+"))) {
            errors.add(new FieldError("avatarUrl", "must be an http(s) URL of at most 2000 characters"));
        }
        Skills.validate(skills, "skills", errors);
        if (maxConcurrentChats != null && (maxConcurrentChats < MIN_CAP || maxConcurrentChats > MAX_CAP)) {
            errors.add(new FieldError("maxConcurrentChats", "must be " + MIN_CAP + " to " + MAX_CAP));
        }
        return errors;
    }
}
