package io.chatroute.session.api;

import org.jboss.logging.Logger;

/**
 * Overload and a store briefly away, told apart from faults. Nothing was acknowledged, so nothing is lost: REST
 * answers 503 with Retry-After, a socket gets {@code error {code:"busy"}}, and the client resends (a message with the
 * same clientMsgId, a chat start with the same Idempotency-Key: each is stored once). Logged at most once every 10 s per
 * process.
 * <ul>
 *   <li>{@link #is}: the command did not run. The Redis pool's wait queue is full, a state change waited longer than
 *       its time-out, or Redis cannot be reached for a moment: the connection is refused or already closed, or Redis
 *       answers {@code LOADING} (it is reading its data back after a restart), {@code TRYAGAIN} or {@code MASTERDOWN}.
 *       Any request may be sent again.</li>
 *   <li>{@link #outcomeUnknown}: the connection was lost with the command in flight (reset, {@code CONNECTION_CLOSED}):
 *       Redis may have run it. Only a request that is safe to repeat gets {@code busy} then (a message with its
 *       clientMsgId, a keyed start, a close, a read); any other (a transfer, a survey) gets {@code internal}, as
 *       before.</li>
 * </ul>
 * Since 2026-12-07: before, a Redis restart under load answered 500 and {@code internal}, which no client resends
 * (found by the load tool's {@code --kill redis@T}).
 */
final class Busy {

    private static volatile long lastLog;

    private Busy() {
    }

    static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException || t instanceof io.smallrye.mutiny.TimeoutException
                    || unreachable(t)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the client is told to send it again: the command did not run, or it may have and sending it again is safe. */
    static boolean retry(Throwable e, boolean repeatable) {
        return is(e) || repeatable && outcomeUnknown(e);
    }

    /** The connection to Redis was lost with the command in flight: it may or may not have run. */
    static boolean outcomeUnknown(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.SocketException && !(t instanceof java.net.ConnectException)
                    || t instanceof java.nio.channels.ClosedChannelException || "CONNECTION_CLOSED".equals(t.getMessage())) {
                return true;
            }
        }
        return false;
    }

    /** A store that cannot be reached for a moment (nothing sent), or a Redis that says it will answer again soon. */
    private static boolean unreachable(Throwable t) {
        if (t instanceof java.net.ConnectException) {
            return true;
        }
        String m = t.getMessage();
        return m != null && (m.equals("Connection is closed") || m.startsWith("LOADING ") || m.startsWith("TRYAGAIN")
                || m.startsWith("MASTERDOWN"));
    }

    /**
     * Whether a socket frame may be handled twice with the same effect: a message with its clientMsgId (stored once),
     * and frames that set a state or read one. An accept, a decline, a transfer, a survey or a suggestion.used may not.
     */
    static boolean repeatable(com.fasterxml.jackson.databind.JsonNode frame) {
        if (frame == null) {
            return false;
        }
        return switch (frame.path("type").asText("")) {
            case "message" -> frame.hasNonNull("clientMsgId");
            case "presence", "typing", "read", "close", "resume", "tag" -> true;
            default -> false;
        };
    }

    static void log(Logger log, Throwable e) {
        long now = System.currentTimeMillis();
        if (now - lastLog > 10_000) {
            lastLog = now;
            log.warnf("overloaded or a store unreachable, asking clients to retry: %s", e.toString());
        }
    }
}
