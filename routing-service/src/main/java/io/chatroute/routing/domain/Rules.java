package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Validation of the ordered rule list against the forms and queues, and first-match evaluation. */
public final class Rules {
    public static final int MAX_RULES = 200;

    private Rules() {
    }

    public static List<FieldError> validate(List<RoutingRule> rules, Collection<FormDefinition> forms, Set<String> queueIds) {
        List<FieldError> errors = new ArrayList<>();
        if (rules == null) {
            errors.add(new FieldError("rules", "must be a list of rules"));
            return errors;
        }
        if (rules.size() > MAX_RULES) {
            errors.add(new FieldError("rules", "at most " + MAX_RULES + " rules"));
        }
        Set<String> ids = new HashSet<>();
        List<Map<String, Condition>> parsed = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            RoutingRule r = rules.get(i);
            String p = "[" + i + "]";
            if (r == null) {
                errors.add(new FieldError(p, "must be an object"));
                parsed.add(null);
                continue;
            }
            if (r.id() == null || !Forms.ID.matcher(r.id()).matches()) {
                errors.add(new FieldError(p + ".id", "required: letters, digits, _ : . - (at most 64)"));
            } else if (!ids.add(r.id())) {
                errors.add(new FieldError(p + ".id", "duplicate rule id '" + r.id() + "'"));
            }
            if (r.queueId() == null || r.queueId().isBlank()) {
                errors.add(new FieldError(p + ".queueId", "required"));
            } else if (!queueIds.contains(r.queueId())) {
                errors.add(new FieldError(p + ".queueId", "queue '" + r.queueId() + "' does not exist"));
            }
            Skills.validate(r.requiredSkills(), p + ".requiredSkills", errors);
            int before = errors.size();
            Map<String, Condition> conditions = Condition.parseAll(r.when(), p + ".when", errors);
            for (Map.Entry<String, Condition> e : conditions.entrySet()) {
                checkAgainstForms(e.getKey(), e.getValue(), forms, p + ".when." + e.getKey(), errors);
            }
            parsed.add(errors.size() == before ? conditions : null);
        }
        for (int i = 0; i < parsed.size(); i++) {
            if (parsed.get(i) == null) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                if (parsed.get(j) != null && subsumes(parsed.get(j), parsed.get(i))) {
                    errors.add(new FieldError("[" + i + "]", "can never match: the earlier rule '" + rules.get(j).id()
                            + "' matches every form this one does"));
                    break;
                }
            }
        }
        return errors;
    }

    private static void checkAgainstForms(String field, Condition c, Collection<FormDefinition> forms, String path, List<FieldError> errors) {
        List<FormField> defs = forms.stream().map(f -> f.field(field)).flatMap(java.util.Optional::stream).toList();
        if (defs.isEmpty()) {
            errors.add(new FieldError(path, "unknown field: no form has a field '" + field + "'"));
            return;
        }
        if (c instanceof Condition.AnyOf any) {
            for (String v : any.values()) {
                boolean possible = defs.stream().anyMatch(d -> switch (d.type()) {
                    case "select" -> d.optionsOrEmpty().stream().anyMatch(o -> o.equalsIgnoreCase(v));
                    case "boolean" -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false");
                    case "number" -> isNumber(v);
                    default -> true;
                });
                if (!possible) {
                    errors.add(new FieldError(path, "'" + v + "' is not an option of field '" + field + "' in any form"));
                }
            }
        }
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** True when every form that {@code later} matches is matched by {@code earlier}. */
    static boolean subsumes(Map<String, Condition> earlier, Map<String, Condition> later) {
        for (Map.Entry<String, Condition> e : earlier.entrySet()) {
            Condition l = later.get(e.getKey());
            if (l == null || !l.narrowerOrEqual(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** One rule as checked during evaluation. */
    public record RuleCheck(String ruleId, boolean matched, String reason) {
    }

    /** The outcome of evaluating a form against the rules. */
    public record Evaluation(RoutingRule rule, QueueDefinition queue, Map<String, Integer> requiredSkills, int priority,
                             List<RuleCheck> checks) {
        public boolean matched() {
            return rule != null;
        }
    }

    /** First match wins; the queue's and the rule's required skills are merged (higher level wins). */
    public static Evaluation evaluate(List<RoutingRule> rules, Map<String, QueueDefinition> queues, Map<String, Object> form) {
        List<RuleCheck> checks = new ArrayList<>();
        for (RoutingRule r : rules) {
            String why = r.mismatch(form);
            if (why == null) {
                QueueDefinition q = queues.get(r.queueId());
                if (q == null) {
                    checks.add(new RuleCheck(r.id(), false, "queue '" + r.queueId() + "' no longer exists"));
                    continue;
                }
                checks.add(new RuleCheck(r.id(), true, r.whenOrEmpty().isEmpty() ? "default rule" : "all conditions match"));
                int priority = r.priority() != null ? r.priority() : q.priority() != null ? q.priority() : 0;
                return new Evaluation(r, q, Skills.merge(q.requiredSkills(), r.requiredSkills()), priority, checks);
            }
            checks.add(new RuleCheck(r.id(), false, why));
        }
        return new Evaluation(null, null, Map.of(), 0, checks);
    }
}
