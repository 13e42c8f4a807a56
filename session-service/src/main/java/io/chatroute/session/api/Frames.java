package io.chatroute.session.api;

import java.util.function.Consumer;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.domain.Limits;
import io.chatroute.session.domain.MessageRules;
import io.smallrye.mutiny.Uni;

/** Builds and parses socket frames. */
public final class Frames {

    private Frames() {
    }

    public static ObjectNode frame(ObjectMapper mapper, String type) {
        ObjectNode n = mapper.createObjectNode();
        n.put("type", type);
        return n;
    }

    public static String error(ObjectMapper mapper, String code, String message) {
        ObjectNode n = frame(mapper, "error");
        n.put("code", code);
        n.put("message", message);
        return n.toString();
    }

    public static String error(ObjectMapper mapper, ChatException e) {
        return error(mapper, e, null);
    }

    /** As {@link #error(ObjectMapper, ChatException)}, naming the frame it answers (see {@link #about}). */
    public static String error(ObjectMapper mapper, ChatException e, JsonNode answered) {
        ObjectNode n = frame(mapper, "error");
        n.put("code", e.code());
        n.put("message", e.getMessage());
        if (!e.errors().isEmpty()) {
            n.set("errors", mapper.valueToTree(e.errors()));
        }
        about(n, answered);
        return n.toString();
    }

    /** As {@link #error(ObjectMapper, String, String)}, naming the frame it answers (see {@link #about}). */
    public static String error(ObjectMapper mapper, String code, String message, JsonNode answered) {
        ObjectNode n = frame(mapper, "error");
        n.put("code", code);
        n.put("message", message);
        about(n, answered);
        return n.toString();
    }

    /**
     * Names, in an error frame, the frame it answers (an addition to the contract's {@code error {code, message}},
     * 2026-12-07): its {@code chatId} (agents' frames) and a message's {@code clientMsgId}, each only when it is one
     * the service would accept (at most 100 characters, no control, line-break or bidi characters). A client that has
     * several messages in flight learns which one was refused ({@code validation}, {@code chat-closed},
     * {@code busy}...), not only that one was. Nothing is added for a frame that could not be read.
     * Also its {@code type}, as {@code frame} (an addition, 2026-12-07, nineteenth stop), when it is a word of the
     * protocol's shape (lower-case letters and dots, at most 32): after {@code busy} a client knows to send again a
     * {@code close} or a {@code presence}, which carry no {@code clientMsgId}.
     */
    private static final java.util.regex.Pattern FRAME_TYPE = java.util.regex.Pattern.compile("[a-z][a-z.]{0,31}");

    static void about(ObjectNode error, JsonNode answered) {
        if (answered == null || !answered.isObject()) {
            return;
        }
        JsonNode type = answered.get("type");
        if (type != null && type.isTextual() && FRAME_TYPE.matcher(type.asText()).matches()) {
            error.put("frame", type.asText());
        }
        for (String field : new String[] {"chatId", "clientMsgId"}) {
            JsonNode v = answered.get(field);
            if (v != null && v.isTextual() && MessageRules.checkClientMsgId(v.asText()).isEmpty()) {
                error.put(field, v.asText());
            }
        }
    }

    /** A stored message (the chat.message.posted data) as a message frame; chatId included for agents. */
    public static String message(ObjectMapper mapper, JsonNode stored, boolean withChatId) {
        ObjectNode n = frame(mapper, "message");
        if (withChatId) {
            n.set("chatId", stored.get("chatId"));
        }
        n.set("seq", stored.get("seq"));
        n.set("from", stored.get("from"));
        n.set("text", stored.get("text"));
        n.set("sentAt", stored.get("sentAt"));
        return n.toString();
    }

    /** Parses an incoming frame, or throws a ChatException naming the problem. */
    public static JsonNode parse(ObjectMapper mapper, String text, Limits limits) {
        if (MessageRules.frameTooLarge(text, limits)) {
            throw new ChatException(413, "frame-too-large", "frames are limited to " + limits.frameMaxBytes() + " bytes");
        }
        JsonNode n;
        try {
            n = mapper.readTree(text);
        } catch (Exception e) {
            throw new ChatException(400, "bad-frame", "a frame must be a JSON object");
        }
        if (n == null || !n.isObject() || !n.path("type").isTextual()) {
            throw new ChatException(400, "bad-frame", "a frame must be a JSON object with a type");
        }
        return n;
    }

    /** The field's text, null when absent; any other JSON type is refused (a number is not a text). */
    public static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ChatException.field(field, "must be a string");
        }
        return v.asText();
    }

    /** A required boolean. */
    public static boolean flag(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isBoolean()) {
            throw ChatException.field(field, "must be true or false");
        }
        return v.asBoolean();
    }

    /** A required positive sequence number. */
    public static long seq(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
            throw ChatException.field(field, "must be a positive integer");
        }
        return v.asLong();
    }

    /**
     * Failures outside a frame handler: a message over the transport cap closes the socket with 1009 (too big);
     * anything else (e.g. Redis failing while a socket opens) is logged and told as an {@code error} frame, and the
     * socket stays open (the client can resume).
     */
    static void closeOnError(io.quarkus.websockets.next.WebSocketConnection connection, Throwable failure) {
        boolean tooBig = failure instanceof IllegalStateException && failure.getMessage() != null
                && failure.getMessage().contains("max message size");
        if (tooBig) {
            connection.close(new io.quarkus.websockets.next.CloseReason(1009, "message too big")).subscribe().with(ok -> { }, e -> { });
            return;
        }
        Logger.getLogger(Frames.class).warnf("socket %s: %s", connection.id(), failure.toString());
        if (connection.isOpen()) {
            ObjectNode n = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
            n.put("type", "error");
            n.put("code", Busy.is(failure) ? "busy" : "internal");
            n.put("message", "the request could not be served; try again");
            ConnectionRegistry.send(connection, n.toString());
        }
    }

    /** An optional integer score; anything but a whole number is refused. */
    public static Integer score(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw ChatException.field(field, "must be a whole number from 1 to 5");
        }
        return v.asInt();
    }

    /** An array of strings (null when absent); anything else is refused. */
    public static java.util.List<String> texts(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw ChatException.field(field, "must be an array of strings");
        }
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw ChatException.field(field, "must be an array of strings");
            }
            out.add(e.asText());
        }
        return out;
    }

    public static String requiredText(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw ChatException.field(field, "is required");
        }
        return v.asText();
    }

    public static long afterSeq(JsonNode n) {
        JsonNode v = n.get("afterSeq");
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.canConvertToLong() || v.asLong() < 0) {
            throw ChatException.field("afterSeq", "must be a non-negative integer");
        }
        return v.asLong();
    }

    /** A frame whose handling took longer than this is logged: the frames after it on that socket waited as long. */
    static final long SLOW_FRAME_MILLIS = 2_000;

    /**
     * The handling of one frame, timed from its start to its answer: a socket handles its frames one after another, so
     * a slow one holds back every later frame of that socket. One over {@link #SLOW_FRAME_MILLIS} is logged with what
     * it was, so a stall seen by clients (messages answered late, then in a burst) can be traced to its step.
     */
    static Uni<Void> timed(Uni<Void> handling, Logger log, String side, String who, JsonNode frame) {
        return timed(handling, SLOW_FRAME_MILLIS, log::warn, side, who, frame);
    }

    /** {@link #timed} with its threshold and its log line given (tests). */
    static Uni<Void> timed(Uni<Void> handling, long slowMillis, Consumer<String> warn, String side, String who, JsonNode frame) {
        return Uni.createFrom().deferred(() -> {
            long started = System.nanoTime();
            return handling.onItemOrFailure().invoke((ignored, failure) -> { // a cancelled frame (socket closed) was not answered
                long ms = (System.nanoTime() - started) / 1_000_000;
                if (ms > slowMillis) {
                    warn.accept(side + " " + who + ": a " + (frame == null ? "malformed" : frame.path("type").asText("?"))
                            + " frame took " + ms + " ms to answer; later frames of that socket waited for it");
                }
            });
        });
    }
}
