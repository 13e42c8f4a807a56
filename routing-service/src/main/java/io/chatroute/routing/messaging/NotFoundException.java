package io.chatroute.routing.messaging;

/** A named resource (form, queue, agent, chat) does not exist. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
