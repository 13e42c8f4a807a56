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
 * script is {@code common.lua} plus its body, wrapped so that it returns {@code {result, emitted, scheduled, replay}}:
 * its own result, the outbox entries it appended (which the caller publishes at once), the timers it scheduled (which
 * the caller arms) and whether it answered from an idempotency marker (an event applied before).
 */
final class Scripts {

    /** A script's text and its SHA-1 (for EVALSHA). */
    record Script(String name, String source, String sha) {
    }

    static final Script CHAT_ENQUEUE = withCommon("chat_enqueue");
    static final Script CHAT_RESERVE = withCommon("chat_reserve");
    static final Script CHAT_UNRESERVE = withCommon("chat_unreserve");
    static final Script CHAT_OFFER = withCommon("chat_offer");
    static final Script CHAT_ACCEPT = withCommon("chat_accept");
    static final Script CHAT_RELEASE = withCommon("chat_release");
    static final Script CHAT_CLOSE = withCommon("chat_close");
    static final Script CHAT_MOVE = withCommon("chat_move");
    static final Script CHAT_TRANSFER = withCommon("chat_transfer");
    static final Script CHAT_FENCE = withCommon("chat_fence");
    static final Script CHAT_DELIVERED = withCommon("chat_delivered");
    static final Script AGENT_UPSERT = withCommon("agent_upsert");
    static final Script AGENT_PRESENCE = withCommon("agent_presence");
    static final Script AGENT_HOLD = withCommon("agent_hold");
    static final Script AGENT_UNHOLD = withCommon("agent_unhold");
    static final Script AGENT_TOUCH = withCommon("agent_touch");
    static final Script AGENT_CONFIRM = withCommon("agent_confirm");
    static final Script AGENT_RECONCILE = withCommon("agent_reconcile");
    static final Script QUEUE_INDEX = withCommon("queue_index");
    static final Script QUEUE_UNINDEX = withCommon("queue_unindex");
    static final Script QUEUE_ANNOUNCE = withCommon("queue_announce");
    static final Script QUEUE_CLOSE = withCommon("queue_close");
    static final Script QUEUE_STATS = withCommon("queue_stats");
    static final Script TARGET_UPDATE = withCommon("target_update");
    static final Script DUE_TAKE = withCommon("due_take");
    static final Script DUE_DONE = withCommon("due_done");
    static final Script LEASE = script("lease", load("lease"));
    static final Script UNLEASE = script("unlease", load("unlease"));

    private Scripts() {
    }

    private static Script withCommon(String name) {
        return script(name, "local __emitted = {}\nlocal __scheduled = {}\nlocal __replay = 0\n" + load("common")
                + "\nlocal __result = (function()\n" + load(name) + "\nend)()\nreturn {__result, __emitted, __scheduled, __replay}\n");
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
