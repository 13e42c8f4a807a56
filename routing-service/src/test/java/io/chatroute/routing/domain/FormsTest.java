package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class FormsTest {
    static final FormDefinition FORM = new FormDefinition(List.of(
            new FormField("topic", "select", true, List.of("billing", "delivery")),
            new FormField("email", "email", false, null),
            new FormField("orders", "number", false, null),
            new FormField("vip", "boolean", false, null),
            new FormField("note", "text", false, null)));

    static List<String> fields(List<FieldError> errors) {
        return errors.stream().map(FieldError::field).toList();
    }

    @Test
    void validDefinitionPasses() {
        assertThat(Forms.validateDefinition(FORM, 20, 500)).isEmpty();
    }

    @Test
    void definitionErrorsNameTheField() {
        FormDefinition bad = new FormDefinition(List.of(
                new FormField("topic", "dropdown", true, null),
                new FormField("lang", "select", false, List.of()),
                new FormField("lang", "text", false, null),
                new FormField("9x", "text", false, null)));
        assertThat(fields(Forms.validateDefinition(bad, 20, 500)))
                .containsExactlyInAnyOrder("fields[0].type", "fields[1].options", "fields[2].name", "fields[3].name");
    }

    @Test
    void atMostTwentyFields() {
        List<FormField> many = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            many.add(new FormField("f" + i, "text", false, null));
        }
        assertThat(fields(Forms.validateDefinition(new FormDefinition(many), 20, 500))).containsExactly("fields");
        assertThat(Forms.validateDefinition(new FormDefinition(many.subList(0, 20)), 20, 500)).isEmpty();
    }

    @Test
    void validSubmissionPasses() {
        assertThat(Forms.validateSubmission(FORM, Map.of("topic", "Billing", "email", "a@example.com", "orders", 3, "vip", true), 500)).isEmpty();
    }

    @Test
    void submissionErrors() {
        Map<String, Object> values = new HashMap<>();
        values.put("email", "not-an-email");
        values.put("orders", "many");
        values.put("vip", "maybe");
        values.put("colour", "red");
        values.put("note", "x".repeat(501));
        assertThat(fields(Forms.validateSubmission(FORM, values, 500)))
                .containsExactlyInAnyOrder("form.topic", "form.email", "form.orders", "form.vip", "form.colour", "form.note");
    }

    @Test
    void selectMustBeAnOption() {
        assertThat(Forms.validateSubmission(FORM, Map.of("topic", "returns"), 500))
                .singleElement().satisfies(e -> assertThat(e.message()).contains("billing"));
    }
}
