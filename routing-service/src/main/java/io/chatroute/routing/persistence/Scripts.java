package io.chatroute.routing.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The Lua scripts that change routing state atomically (src/main/resources/lua). */
final class Scripts {
    static final String ENQUEUE = withCommon("enqueue");
    static final String CLAIM = withCommon("claim");
    static final String ACCEPT = withCommon("accept");
    static final String RELEASE = withCommon("release");
    static final String CLOSE = withCommon("close");
    static final String PRESENCE = withCommon("presence");
    static final String UPSERT_AGENT = withCommon("upsert_agent");
    static final String LEASE = load("lease");
    static final String UNLEASE = load("unlease");

    private Scripts() {
    }

    private static String withCommon(String name) {
        return load("common") + "\n" + load(name);
    }

    private static String load(String name) {
        try (InputStream in = Scripts.class.getClassLoader().getResourceAsStream("lua/" + name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing lua/" + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
