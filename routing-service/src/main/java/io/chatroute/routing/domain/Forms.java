package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation of form definitions and of visitors' submissions against a form. */
public final class Forms {
    public static final Set<String> TYPES = Set.of("text", "email", "select", "number", "boolean");
    public static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_:.-]{0,63}");
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_:.-]{0,63}");
    private static final Pattern EMAIL = Pattern.compile("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$");

    private Forms() {
    }

    /** Checks a form definition: at most {@code maxFields} fields, names unique and well formed, known types, options for selects. */
    public static List<FieldError> validateDefinition(FormDefinition form, int maxFields, int maxValueLength) {
        List<FieldError> errors = new ArrayList<>();
        if (form == null || form.fields() == null) {
            errors.add(new FieldError("fields", "must be a list of fields"));
            return errors;
        }
        if (form.fields().size() > maxFields) {
            errors.add(new FieldError("fields", "at most " + maxFields + " fields"));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < form.fields().size(); i++) {
            FormField f = form.fields().get(i);
            String p = "fields[" + i + "]";
            if (f == null) {
                errors.add(new FieldError(p, "must be an object"));
                continue;
            }
            if (f.name() == null || !NAME.matcher(f.name()).matches()) {
                errors.add(new FieldError(p + ".name", "required: a letter then letters, digits, _ : . - (at most 64)"));
            } else if (!names.add(f.name())) {
                errors.add(new FieldError(p + ".name", "duplicate field name '" + f.name() + "'"));
            }
            if (f.type() == null || !TYPES.contains(f.type())) {
                errors.add(new FieldError(p + ".type", "must be one of text, email, select, number, boolean"));
                continue;
            }
            if (f.type().equals("select")) {
                if (f.optionsOrEmpty().isEmpty()) {
                    errors.add(new FieldError(p + ".options", "a select field needs at least one option"));
                }
                Set<String> seen = new HashSet<>();
                for (int j = 0; j < f.optionsOrEmpty().size(); j++) {
                    String o = f.optionsOrEmpty().get(j);
                    if (o == null || o.isBlank() || o.length() > maxValueLength) {
                        errors.add(new FieldError(p + ".options[" + j + "]", "must be a non-blank string of at most " + maxValueLength + " characters"));
                    } else if (!seen.add(o.toLowerCase())) {
                        errors.add(new FieldError(p + ".options[" + j + "]", "duplicate option '" + o + "'"));
                    }
                }
            } else if (f.options() != null && !f.options().isEmpty()) {
                errors.add(new FieldError(p + ".options", "only select fields have options"));
            }
        }
        return errors;
    }

    /** Checks a visitor's answers: known fields only, required present, types, select options, email format, length. */
    public static List<FieldError> validateSubmission(FormDefinition form, Map<String, Object> values, int maxValueLength) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Object> v = values == null ? Map.of() : values;
        for (String key : v.keySet()) {
            if (form.field(key).isEmpty()) {
                errors.add(new FieldError("form." + key, "unknown field"));
            }
        }
        for (FormField f : form.fieldsOrEmpty()) {
            String p = "form." + f.name();
            Object value = v.get(f.name());
            if (value == null || (value instanceof String s && s.isBlank())) {
                if (f.isRequired()) {
                    errors.add(new FieldError(p, "required"));
                }
                continue;
            }
            if (value instanceof Map || value instanceof List) {
                errors.add(new FieldError(p, "must be a single value"));
                continue;
            }
            String text = String.valueOf(value);
            if (text.length() > maxValueLength) {
                errors.add(new FieldError(p, "at most " + maxValueLength + " characters"));
                continue;
            }
            switch (f.type()) {
                case "email" -> {
                    if (!(value instanceof String) || !EMAIL.matcher(text).matches()) {
                        errors.add(new FieldError(p, "must be an email address"));
                    }
                }
                case "number" -> {
                    if (!(value instanceof Number) && !isNumber(text)) {
                        errors.add(new FieldError(p, "must be a number"));
                    }
                }
                case "boolean" -> {
                    if (!(value instanceof Boolean) && !text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
                        errors.add(new FieldError(p, "must be true or false"));
                    }
                }
                case "select" -> {
                    if (f.optionsOrEmpty().stream().noneMatch(o -> o.equalsIgnoreCase(text))) {
                        errors.add(new FieldError(p, "must be one of " + f.optionsOrEmpty()));
                    }
                }
                default -> {
                    if (!(value instanceof String)) {
                        errors.add(new FieldError(p, "must be a string"));
                    }
                }
            }
        }
        return errors;
    }

    private static boolean isNumber(String s) {
        try {
            Double.parseDouble(s.trim());
            return !s.isBlank();
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
