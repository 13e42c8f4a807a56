package io.chatroute.routing.persistence;

/**
 * Arms a local timer for a partition's due set (implemented by the messaging layer's timers): a script scheduled
 * something in that partition at {@code atMillis}.
 */
public interface TimerScheduler {
    void scheduled(int partition, long atMillis);
}
