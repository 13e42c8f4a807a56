package io.chatroute.session.api;

import org.jboss.logging.Logger;

/**
 * Overload and a store briefly away, told apart from faults: the Redis pool's wait queue is full, a state change
 * waited longer than its time-out, or Redis cannot be reached for a moment (a connection refused, reset or closed,
 * {@code CONNECTION_CLOSED} from the Redis client for a command in flight:
 * it is restarting; or it answers {@code LOADING} while it reads its data back after a restart, {@code TRYAGAIN},
 * {@code MASTERDOWN}). Nothing was acknowledged, so nothing is lost: REST answers 503 with Retry-After, a socket gets
 * {@code error {code:"busy"}} and the client resends (the same clientMsgId is stored once, so a write whose answer
 * was cut off by the connection's loss is not stored twice). Logged at most once every 10 s per process. Since
 * 2026-12-07: before, a Redis restart under load answered 500 and {@code internal}, which no client resends (found by
 * the load tool's {@code --kill redis@T}).
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

    /** A store that cannot be reached for a moment, or a Redis that says it will answer again soon. */
    private static boolean unreachable(Throwable t) {
        if (t instanceof java.net.ConnectException || t instanceof java.net.SocketException
                || t instanceof java.nio.channels.ClosedChannelException) {
            return true;
        }
        String m = t.getMessage();
        return m != null && (m.equals("Connection is closed") || m.equals("CONNECTION_CLOSED") || m.startsWith("LOADING ") || m.startsWith("TRYAGAIN")
                || m.startsWith("MASTERDOWN"));
    }

    static void log(Logger log, Throwable e) {
        long now = System.currentTimeMillis();
        if (now - lastLog > 10_000) {
            lastLog = now;
            log.warnf("overloaded, asking clients to retry: %s", e.toString());
        }
    }
}
