package io.chatroute.routing.messaging;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import io.chatroute.routing.persistence.RoutingStore;
import io.chatroute.routing.persistence.TimerScheduler;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.interceptor.Interceptor;

/**
 * Timed triggers, only for what has no event of its own: an offer's deadline (exp), an overflow (ovf), a decline
 * cool-down's end (cool), a queue's opening (open), a disconnect grace's end (grace), a reservation's expiry (unres),
 * a chat's waiting-entry check (idx). Each lives in its partition's due set (a sorted set by time, written by the
 * script that makes the timer necessary). An instance arms one local timer per partition, for the earliest time it
 * knows: the scripts it runs report what they schedule, and every {@code timer-resync-interval} it re-reads each
 * partition's earliest entry (timers another instance scheduled before it stopped). When a timer fires, the partition's
 * due items are handled one by one; each is claimed atomically by the script that handles it (several instances may
 * fire for the same item: one wins), and a failing item is retried a little later without holding the others back.
 */
@ApplicationScoped
public class Timers implements TimerScheduler {
    private static final Logger LOG = Logger.getLogger(Timers.class);
    private static final int BATCH = 200;
    private static final long RETRY_MILLIS = 1000;

    private final Instance<RoutingStore> store;
    private final Instance<Router> router;
    private final MeterRegistry meters;
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "routing-timers");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentHashMap<Integer, Armed> armed = new ConcurrentHashMap<>();
    private volatile boolean started;
    private volatile boolean stopping;

    private record Armed(long at, ScheduledFuture<?> future) {
    }

    public Timers(Instance<RoutingStore> store, Instance<Router> router, MeterRegistry meters) {
        this.store = store;
        this.router = router;
        this.meters = meters;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent event) {
        started = true;
        executor.execute(this::resync);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        executor.shutdownNow();
    }

    @Override
    public void scheduled(int partition, long atMillis) {
        if (stopping) {
            return;
        }
        armed.compute(partition, (p, cur) -> {
            if (cur != null && cur.at() <= atMillis && !cur.future().isDone()) {
                return cur;
            }
            if (cur != null) {
                cur.future().cancel(false);
            }
            long delay = Math.max(0, atMillis - System.currentTimeMillis());
            return new Armed(atMillis, executor.schedule(() -> fire(p), delay, TimeUnit.MILLISECONDS));
        });
    }

    /** Re-reads every partition's earliest timer (one pipelined round trip) and arms it. */
    @Scheduled(every = "${chatroute.routing.timer-resync-interval:15s}", delayed = "15s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = StartedOnly.class)
    void resync() {
        if (!started || stopping) {
            return;
        }
        try {
            long[] heads = store.get().dueHeads();
            for (int p = 0; p < heads.length; p++) {
                if (heads[p] >= 0) {
                    scheduled(p, heads[p]);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("timer resync failed, will retry: %s", e.toString());
        }
    }

    private void fire(int partition) {
        if (stopping) {
            return;
        }
        armed.computeIfPresent(partition, (p, cur) -> cur.future().isDone() ? null : cur);
        RoutingStore s = store.get();
        long retryAt = -1;
        try {
            while (!stopping) {
                Instant now = Instant.now();
                List<String> due = s.dueItems(partition, now, BATCH);
                for (String member : due) {
                    try {
                        router.get().onTimer(partition, member);
                        meters.counter("chatroute_routing_timers_total", "kind", kind(member), "outcome", "handled").increment();
                    } catch (RuntimeException e) {
                        // one failing item never holds the others back; it stays in the due set and is tried again
                        meters.counter("chatroute_routing_timers_total", "kind", kind(member), "outcome", "failed").increment();
                        LOG.warnf("timer %s failed, retrying in %d ms: %s", member, RETRY_MILLIS, e.toString());
                        retryAt = System.currentTimeMillis() + RETRY_MILLIS;
                    }
                }
                if (due.size() < BATCH || retryAt >= 0) {
                    break;
                }
            }
            long next = s.dueHead(partition);
            if (retryAt >= 0) {
                scheduled(partition, next < 0 ? retryAt : Math.max(next, retryAt));
            } else if (next >= 0) {
                // an item still due right after its batch was handled is new (or was not claimed): not a busy loop
                scheduled(partition, Math.max(next, System.currentTimeMillis() + 50));
            }
        } catch (RuntimeException e) {
            LOG.warnf("timers of partition %d failed, retrying: %s", partition, e.toString());
            scheduled(partition, System.currentTimeMillis() + RETRY_MILLIS);
        }
    }

    static String kind(String member) {
        int bar = member.indexOf('|');
        return bar < 0 ? member : member.substring(0, bar);
    }
}
