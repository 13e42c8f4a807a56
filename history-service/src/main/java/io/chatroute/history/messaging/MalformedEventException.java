package io.chatroute.history.messaging;

/** An event whose data cannot be turned into a domain event: retrying cannot help (a poison message). */
public class MalformedEventException extends RuntimeException {
    public MalformedEventException(String message) {
        super(message);
    }

    public MalformedEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
