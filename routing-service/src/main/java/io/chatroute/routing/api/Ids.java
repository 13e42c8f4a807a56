package io.chatroute.routing.api;

import java.util.List;

import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FieldError;
import io.chatroute.routing.domain.Forms;

final class Ids {
    private Ids() {
    }

    static void check(String name, String value) {
        if (value == null || !Forms.ID.matcher(value).matches()) {
            throw new DomainValidationException("invalid " + name,
                    List.of(new FieldError(name, "letters, digits, _ : . - (at most 64, starting with a letter or digit)")));
        }
    }

    static <T> T body(T body) {
        if (body == null) {
            throw new DomainValidationException("a JSON body is required", List.of(new FieldError("body", "required")));
        }
        return body;
    }
}
