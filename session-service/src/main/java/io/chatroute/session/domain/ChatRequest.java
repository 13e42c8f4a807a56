package io.chatroute.session.domain;

import java.util.Map;

/** A visitor's request to start a chat, as received. */
public record ChatRequest(String formId, Visitor visitor, Map<String, Object> form, String message) {

    public record Visitor(String name, String email, String locale, String customerId) {
        public static final Visitor EMPTY = new Visitor(null, null, null, null);
    }

    public ChatRequest {
        formId = formId == null || formId.isBlank() ? "default" : formId;
        visitor = visitor == null ? Visitor.EMPTY : visitor;
        form = form == null ? Map.of() : form;
        message = message == null || message.isBlank() ? null : message;
    }
}
