package io.chatroute.session.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ChatRequestValidatorTest {

    private final ChatRequestValidator validator = new ChatRequestValidator(Limits.DEFAULTS);

    private static List<String> fields(List<FieldError> errors) {
        return errors.stream().map(FieldError::field).toList();
    }

    @Test
    void acceptsTheContractExample() {
        ChatRequest r = new ChatRequest("default", new ChatRequest.Visitor("Anna", "a@example.com", "ru", "c-42"),
                Map.of("topic", "billing", "language", "ru"), "I was charged twice");
        assertThat(validator.validate(r)).isEmpty();
    }

    @Test
    void defaultsTheFormIdAndDropsBlankMessages() {
        ChatRequest r = new ChatRequest(null, null, null, "  ");
        assertThat(r.formId()).isEqualTo("default");
        assertThat(r.message()).isNull();
        assertThat(validator.validate(r)).isEmpty();
    }

    @Test
    void reportsEveryBadField() {
        ChatRequest r = new ChatRequest("bad id!", new ChatRequest.Visitor("n".repeat(201), "nope", "??", "c".repeat(201)),
                Map.of("topic", "t".repeat(501), "nested", Map.of("a", 1)), "m".repeat(4001));
        assertThat(fields(validator.validate(r))).containsExactlyInAnyOrder("formId", "visitor.name", "visitor.email",
                "visitor.locale", "visitor.customerId", "form.topic", "form.nested", "message");
    }

    @Test
    void limitsTheNumberOfFormFields() {
        Map<String, Object> form = new HashMap<>();
        for (int i = 0; i < 21; i++) {
            form.put("f" + i, "v");
        }
        assertThat(fields(validator.validate(new ChatRequest("default", null, form, null)))).containsExactly("form");
        form.remove("f0");
        assertThat(validator.validate(new ChatRequest("default", null, form, null))).isEmpty();
    }

    @Test
    void messageLengthCountsCodePoints() {
        String emoji = "\uD83D\uDE00"; // one code point, two chars
        assertThat(MessageRules.checkText(emoji.repeat(4000), Limits.DEFAULTS)).isEmpty();
        assertThat(MessageRules.checkText(emoji.repeat(4001), Limits.DEFAULTS)).isPresent();
        assertThat(MessageRules.checkText("", Limits.DEFAULTS)).isPresent();
    }

    @Test
    void framesAboveTheLimitAreTooLarge() {
        assertThat(MessageRules.frameTooLarge("x".repeat(16384), Limits.DEFAULTS)).isFalse();
        assertThat(MessageRules.frameTooLarge("x".repeat(16385), Limits.DEFAULTS)).isTrue();
        assertThat(MessageRules.frameTooLarge("\u044f".repeat(9000), Limits.DEFAULTS)).isTrue(); // 18000 bytes
    }
}
