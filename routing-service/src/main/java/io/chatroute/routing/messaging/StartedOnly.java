package io.chatroute.routing.messaging;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

/**
 * Skips a scheduled job until the start is over: the flag is set by the last {@link StartupEvent} observer (the
 * highest priority runs last) and cleared on shutdown. A tick during a slow start (the scheduler runs from the
 * start's beginning) once created a Redis data source while the main thread was creating the other, and Quarkus's
 * Redis recorder failed the start ({@code ConcurrentModificationException}). Quarkus's own
 * {@link Scheduled.ApplicationNotRunning} observes at the default priority, so it may flip before other observers ran.
 */
@Singleton
public class StartedOnly implements Scheduled.SkipPredicate {
    /** After every other observer of the start. */
    static final int LAST = Integer.MAX_VALUE;

    private volatile boolean started;

    void onStart(@Observes @Priority(LAST) StartupEvent event) {
        started = true;
    }

    void onStop(@Observes ShutdownEvent event) {
        started = false;
    }

    @Override
    public boolean test(ScheduledExecution execution) {
        return !started;
    }
}
