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

    /**
     * The request as the edge keeps it: control and bidi characters removed from every text (line breaks only
     * in the message), card numbers in the message masked ({@link TextSafety}).
     */
    public ChatRequest sanitized() {
        Map<String, Object> cleanForm = new java.util.LinkedHashMap<>();
        // card numbers are masked wherever a visitor can type them, not only in messages
        form.forEach((k, v) -> cleanForm.put(TextSafety.cleanLine(k), v instanceof String s ? TextSafety.maskCards(TextSafety.cleanLine(s)) : v));
        Visitor v = new Visitor(TextSafety.maskCards(TextSafety.cleanLine(visitor.name())), TextSafety.cleanLine(visitor.email()),
                TextSafety.cleanLine(visitor.locale()), TextSafety.cleanLine(visitor.customerId()));
        return new ChatRequest(TextSafety.cleanLine(formId), v, cleanForm, TextSafety.maskCards(TextSafety.clean(message)));
    }
}
