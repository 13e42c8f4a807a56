package io.chatroute.routing.domain;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Skill maps: name -> level 0..10. */
public final class Skills {
    public static final int MAX_LEVEL = 10;

    private Skills() {
    }

    /** Merges the queue's and the rule's required skills; the higher level wins. */
    public static Map<String, Integer> merge(Map<String, Integer> a, Map<String, Integer> b) {
        Map<String, Integer> out = new TreeMap<>();
        if (a != null) {
            out.putAll(a);
        }
        if (b != null) {
            b.forEach((k, v) -> out.merge(k, v, Math::max));
        }
        return out;
    }

    public static void validate(Map<String, Integer> skills, String path, List<FieldError> errors) {
        if (skills == null) {
            return;
        }
        if (skills.size() > 50) {
            errors.add(new FieldError(path, "at most 50 skills"));
        }
        skills.forEach((k, v) -> {
            if (k == null || !Forms.NAME.matcher(k).matches()) {
                errors.add(new FieldError(path + "." + k, "skill names: a letter then letters, digits, _ : . - (at most 64)"));
            }
            if (v == null || v < 0 || v > MAX_LEVEL) {
                errors.add(new FieldError(path + "." + k, "level must be 0 to " + MAX_LEVEL));
            }
        });
    }

    /** True when {@code has} holds every required skill at or above its level. */
    public static boolean satisfies(Map<String, Integer> has, Map<String, Integer> required) {
        for (Map.Entry<String, Integer> r : required.entrySet()) {
            Integer level = has == null ? null : has.get(r.getKey());
            if (level == null || level < r.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Sum of the agent's levels in the required skills (the second tie-break). */
    public static int score(Map<String, Integer> has, Map<String, Integer> required) {
        int sum = 0;
        for (String skill : required.keySet()) {
            Integer level = has == null ? null : has.get(skill);
            sum += level == null ? 0 : level;
        }
        return sum;
    }
}
