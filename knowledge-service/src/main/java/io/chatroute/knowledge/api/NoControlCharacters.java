package io.chatroute.knowledge.api;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import io.chatroute.knowledge.domain.ControlCharacters;
import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

/** The value holds no control character ({@link ControlCharacters}); {@code multiline} allows newlines and tabs. */
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.TYPE_USE, ElementType.RECORD_COMPONENT})
@Retention(RetentionPolicy.RUNTIME)
@Constraint(validatedBy = NoControlCharacters.Check.class)
public @interface NoControlCharacters {

    String message() default "must not contain control characters";

    boolean multiline() default false;

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    final class Check implements ConstraintValidator<NoControlCharacters, String> {
        private boolean multiline;

        @Override
        public void initialize(NoControlCharacters annotation) {
            multiline = annotation.multiline();
        }

        @Override
        public boolean isValid(String value, ConstraintValidatorContext context) {
            int at = ControlCharacters.firstIn(value, multiline);
            if (at < 0) {
                return true;
            }
            context.disableDefaultConstraintViolation();
            context.buildConstraintViolationWithTemplate(String.format("must not contain control characters (U+%04X at %d)",
                    (int) value.charAt(at), at)).addConstraintViolation();
            return false;
        }
    }
}
