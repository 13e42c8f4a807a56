package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One {@code when} entry of a rule: a string (equals, case-insensitive), a list (any of) or "*" (present). */
public sealed interface Condition {

    boolean matches(Object value);

    /** True when every value this condition accepts is also accepted by {@code wider}. */
    boolean narrowerOrEqual(Condition wider);

    record Present() implements Condition {
        public boolean matches(Object value) {
            return value != null && !String.valueOf(value).isBlank();
        }

        public boolean narrowerOrEqual(Condition wider) {
            return wider instanceof Present;
        }
    }

    record AnyOf(List<String> values) implements Condition {
        public boolean matches(Object value) {
            if (value == null) {
                return false;
            }
            String s = String.valueOf(value);
            return values.stream().anyMatch(v -> v.equalsIgnoreCase(s));
        }

        public boolean narrowerOrEqual(Condition wider) {
            if (values.isEmpty()) {
                return true;
            }
            return switch (wider) {
                case Present p -> true;
                case AnyOf a -> values.stream().allMatch(v -> a.values().stream().anyMatch(w -> w.equalsIgnoreCase(v)));
            };
        }
    }

    /** Parses a JSON {@code when} value; returns null (with an error added) when it is not a string or list of strings. */
    static Condition parse(Object raw, String path, List<FieldError> errors) {
        if (raw instanceof String s) {
            if (s.equals("*")) {
                return new Present();
            }
            if (s.isBlank()) {
                errors.add(new FieldError(path, "must not be blank"));
                return null;
            }
            return new AnyOf(List.of(s));
        }
        if (raw instanceof List<?> list) {
            List<String> values = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s) || s.isBlank()) {
                    errors.add(new FieldError(path, "a list must hold non-blank strings"));
                    return null;
                }
                values.add(s);
            }
            if (values.isEmpty()) {
                errors.add(new FieldError(path, "an empty list can never match"));
                return null;
            }
            return new AnyOf(values);
        }
        if (raw instanceof Number || raw instanceof Boolean) {
            return new AnyOf(List.of(String.valueOf(raw)));
        }
        errors.add(new FieldError(path, "must be a string, a list of strings or \"*\""));
        return null;
    }

    static String describe(Condition c) {
        return switch (c) {
            case Present p -> "present";
            case AnyOf a -> a.values().size() == 1 ? "= " + a.values().getFirst().toLowerCase(Locale.ROOT) : "any of " + a.values();
        };
    }

    static Map<String, Condition> parseAll(Map<String, Object> when, String path, List<FieldError> errors) {
        Map<String, Condition> out = new java.util.LinkedHashMap<>();
        if (when == null) {
            return out;
        }
        when.forEach((k, v) -> {
            Condition c = parse(v, path + "." + k, errors);
            if (c != null) {
                out.put(k, c);
            }
        });
        return out;
    }
}
