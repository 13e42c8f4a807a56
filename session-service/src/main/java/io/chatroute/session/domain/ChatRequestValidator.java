package io.chatroute.session.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Checks a chat request against the edge's limits (the form's own rules are routing-service's). */
public final class ChatRequestValidator {

    static final int NAME_MAX = 200;
    static final int EMAIL_MAX = 254;
    static final int LOCALE_MAX = 35;
    static final int CUSTOMER_ID_MAX = 200;
    static final int FORM_ID_MAX = 100;
    static final int FIELD_NAME_MAX = 100;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]+");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+");
    private static final Pattern LOCALE = Pattern.compile("[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8})*");

    private final Limits limits;

    public ChatRequestValidator(Limits limits) {
        this.limits = limits;
    }

    /** A form id the edge passes on: 1..100 of A-Z a-z 0-9 . _ : - */
    public static boolean validFormId(String formId) {
        return formId != null && formId.length() <= FORM_ID_MAX && ID.matcher(formId).matches();
    }

    public List<FieldError> validate(ChatRequest r) {
        List<FieldError> errors = new ArrayList<>();
        if (!validFormId(r.formId())) {
            errors.add(new FieldError("formId", "must be 1.." + FORM_ID_MAX + " characters of A-Z a-z 0-9 . _ : -"));
        }
        ChatRequest.Visitor v = r.visitor();
        maxLength(errors, "visitor.name", v.name(), NAME_MAX);
        if (v.email() != null) {
            if (v.email().length() > EMAIL_MAX) {
                errors.add(new FieldError("visitor.email", "must be at most " + EMAIL_MAX + " characters"));
            } else if (!EMAIL.matcher(v.email()).matches()) {
                errors.add(new FieldError("visitor.email", "must be an email address"));
            }
        }
        if (v.locale() != null && (v.locale().length() > LOCALE_MAX || !LOCALE.matcher(v.locale()).matches())) {
            errors.add(new FieldError("visitor.locale", "must be a language tag such as en or ru-RU"));
        }
        maxLength(errors, "visitor.customerId", v.customerId(), CUSTOMER_ID_MAX);
        if (r.form().size() > limits.formMaxFields()) {
            errors.add(new FieldError("form", "must have at most " + limits.formMaxFields() + " fields"));
        }
        for (Map.Entry<String, Object> e : r.form().entrySet()) {
            String field = "form." + e.getKey();
            if (e.getKey().isEmpty() || e.getKey().length() > FIELD_NAME_MAX) {
                errors.add(new FieldError("form", "field names must be 1.." + FIELD_NAME_MAX + " characters"));
                continue;
            }
            Object value = e.getValue();
            if (value == null || value instanceof Boolean || value instanceof Number) {
                continue;
            }
            if (value instanceof String s) {
                if (s.length() > limits.formMaxValueChars()) {
                    errors.add(new FieldError(field, "must be at most " + limits.formMaxValueChars() + " characters"));
                }
            } else {
                errors.add(new FieldError(field, "must be a string, number or boolean"));
            }
        }
        if (r.message() != null) {
            MessageRules.checkText(r.message(), limits).ifPresent(m -> errors.add(new FieldError("message", m)));
        }
        return errors;
    }

    private static void maxLength(List<FieldError> errors, String field, String value, int max) {
        if (value != null && value.length() > max) {
            errors.add(new FieldError(field, "must be at most " + max + " characters"));
        }
    }
}
