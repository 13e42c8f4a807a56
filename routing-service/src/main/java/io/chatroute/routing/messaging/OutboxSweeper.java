package io.chatroute.routing.messaging;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

/**
 * Drives {@link OutboxRelay}'s safety-net sweep. A bean of its own, so that the scheduler does not create the
 * relay (and connect its Kafka emitter) before the application, and so the messaging channels, are up.
 */
@ApplicationScoped
public class OutboxSweeper {

    private final Instance<OutboxRelay> relay;
    private volatile boolean started;

    public OutboxSweeper(Instance<OutboxRelay> relay) {
        this.relay = relay;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent event) {
        relay.get().started();
        started = true;
    }

    @Scheduled(every = "${chatroute.routing.outbox-sweep-interval:1s}", delayed = "3s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = StartedOnly.class)
    void sweep() {
        if (started) {
            relay.get().sweep();
        }
    }
}
