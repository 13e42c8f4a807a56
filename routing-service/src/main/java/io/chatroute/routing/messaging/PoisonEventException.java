package io.chatroute.routing.messaging;

/** A record that can never be applied (unreadable, or not what its producer's schema promises): dead-lettered. */
public class PoisonEventException extends RuntimeException {

    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }

    public PoisonEventException(String message) {
        super(message);
    }
}
