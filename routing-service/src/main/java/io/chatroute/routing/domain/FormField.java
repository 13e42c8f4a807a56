package io.chatroute.routing.domain;

import java.util.List;

/** A pre-chat form field. {@code type} is one of text, email, select, number, boolean. */
public record FormField(String name, String type, Boolean required, List<String> options) {
    public boolean isRequired() {
        return Boolean.TRUE.equals(required);
    }

    public List<String> optionsOrEmpty() {
        return options == null ? List.of() : options;
    }
}
