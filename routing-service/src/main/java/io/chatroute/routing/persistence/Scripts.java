package io.chatroute.routing.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts that change routing state atomically (src/main/resources/lua), run by EVALSHA. A state-changing
 * script is {@code common.lua} plus its body, wrapped so that it returns {@code {result, emitted}}: its own result
 * and the outbox entries it appended (which the caller publishes at once).
 */
final class Scripts {

    /** A script's text and its SHA-1 (for EVALSHA). */
    record Script(String name, String source, String sha) {
    }

    static final Script ENQUEUE = withCommon("enqueue");
    static final Script CLAIM = withCommon("claim");
    static final Script ACCEPT = withCommon("accept");
    static final Script RELEASE = withCommon("release");
    static final Script CLOSE = withCommon("close");
    static final Script PRESENCE = withCommon("presence");
    static final Script UPSERT_AGENT = withCommon("upsert_agent");
    static final Script RESERVE = withCommon("reserve");
    static final Script UNRESERVE = withCommon("unreserve");
    static final Script LEASE = script("lease", load("lease"));
    static final Script UNLEASE = script("unlease", load("unlease"));

    private Scripts() {
    }

    private static Script withCommon(String name) {
        return script(name, "local __emitted = {}\n" + load("common")
                + "\nlocal __result = (function()\n" + load(name) + "\nend)()\nreturn {__result, __emitted}\n");
    }

    private static Script script(String name, String source) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(source.getBytes(StandardCharsets.UTF_8));
            return new Script(name, source, HexFormat.of().formatHex(sha));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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
