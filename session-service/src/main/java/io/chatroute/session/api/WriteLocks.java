package io.chatroute.session.api;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import io.chatroute.session.messaging.OutboxRelay;
import io.chatroute.session.persistence.ChatStore;

/**
 * Runs a state change and publishes the events its script appended while holding the lock of the chat (or
 * agent) stripe, so that this instance hands a chat's events to the producer in the order Redis committed them.
 */
final class WriteLocks {

    private static final int STRIPES = 256;

    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final OutboxRelay relay;

    WriteLocks(OutboxRelay relay) {
        this.relay = relay;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    ChatStore.Outcome write(String key, Supplier<ChatStore.Outcome> change) {
        ReentrantLock lock = stripes[Math.floorMod(key.hashCode(), STRIPES)];
        lock.lock();
        try {
            ChatStore.Outcome outcome = change.get();
            relay.publish(outcome.emitted());
            return outcome;
        } finally {
            lock.unlock();
        }
    }
}
