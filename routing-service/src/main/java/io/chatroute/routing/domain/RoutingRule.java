package io.chatroute.routing.domain;

import java.util.List;
import java.util.Map;

/** A routing rule: when the form matches {@code when}, the chat goes to {@code queueId}. */
public record RoutingRule(String id, Map<String, Object> when, String queueId, Integer priority, Map<String, Integer> requiredSkills) {

    public Map<String, Object> whenOrEmpty() {
        return when == null ? Map.of() : when;
    }

    public Map<String, Integer> skillsOrEmpty() {
        return requiredSkills == null ? Map.of() : requiredSkills;
    }

    /** The parsed conditions (assumes the rule was validated). */
    public Map<String, Condition> conditions() {
        return Condition.parseAll(when, "when", new java.util.ArrayList<>());
    }

    public boolean matches(Map<String, Object> form) {
        Map<String, Object> f = form == null ? Map.of() : form;
        return conditions().entrySet().stream().allMatch(e -> e.getValue().matches(f.get(e.getKey())));
    }

    /** Why this rule does not match the form (null when it matches). */
    public String mismatch(Map<String, Object> form) {
        Map<String, Object> f = form == null ? Map.of() : form;
        for (Map.Entry<String, Condition> e : conditions().entrySet()) {
            if (!e.getValue().matches(f.get(e.getKey()))) {
                return e.getKey() + " is " + (f.get(e.getKey()) == null ? "absent" : "'" + f.get(e.getKey()) + "'")
                        + ", rule wants " + Condition.describe(e.getValue());
            }
        }
        return null;
    }

    public static List<String> ids(List<RoutingRule> rules) {
        return rules.stream().map(RoutingRule::id).toList();
    }
}
