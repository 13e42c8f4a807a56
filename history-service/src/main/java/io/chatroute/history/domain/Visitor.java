package io.chatroute.history.domain;

/** The visitor as given at chat start; every field may be null. */
public record Visitor(String name, String email, String locale, String customerId) {
    public static final Visitor EMPTY = new Visitor(null, null, null, null);
}
