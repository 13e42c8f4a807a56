package io.chatroute.history.messaging;

import io.chatroute.history.domain.PoisonEventException;

/** An event whose data cannot be turned into a domain event: retrying cannot help (a poison record). */
public class MalformedEventException extends PoisonEventException {
    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
