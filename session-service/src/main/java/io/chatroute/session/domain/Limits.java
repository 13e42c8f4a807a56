package io.chatroute.session.domain;

/** The configurable input limits. */
public record Limits(int messageMaxChars, int frameMaxBytes, int formMaxFields, int formMaxValueChars) {

    public static final Limits DEFAULTS = new Limits(4000, 16384, 20, 500);
}
