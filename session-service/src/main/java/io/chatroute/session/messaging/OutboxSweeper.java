package io.chatroute.session.messaging;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

/**
 * The periodic relay pass (entries left by a crash or by another instance's lost lease). It starts
 * only once the application, and so the Kafka emitter, is up.
 */
@ApplicationScoped
public class OutboxSweeper {

    private final Instance<OutboxRelay> relay;
    private volatile boolean started;

    public OutboxSweeper(Instance<OutboxRelay> relay) {
        this.relay = relay;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent event) {
        started = true;
    }

    @Scheduled(every = "${chatroute.outbox.sweep-interval:1s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        if (started) {
            relay.get().trigger();
        }
    }
}
