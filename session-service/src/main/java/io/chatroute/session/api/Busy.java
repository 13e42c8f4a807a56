package io.chatroute.session.api;

import org.jboss.logging.Logger;

/**
 * Overload, told apart from faults: the Redis pool's wait queue is full, or a state change waited longer than
 * its time-out. Nothing was acknowledged, so nothing is lost: REST answers 503 with Retry-After, a socket gets
 * {@code error {code:"busy"}} and the client resends (the same clientMsgId is stored once). Logged at most once
 * every 10 s per process.
 */
final class Busy {

    private static volatile long lastLog;

    private Busy() {
    }

    static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.vertx.core.http.ConnectionPoolTooBusyException || t instanceof io.smallrye.mutiny.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    static void log(Logger log, Throwable e) {
        long now = System.currentTimeMillis();
        if (now - lastLog > 10_000) {
            lastLog = now;
            log.warnf("overloaded, asking clients to retry: %s", e.toString());
        }
    }
}
