package io.chatroute.session.api;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.ChatStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Waiting chats whose visitor left. Every instance notes in Redis ({@code session:{p<n>}:visitors-seen}, one per partition, chat id -> epoch ms)
 * when each chat's visitor was last known to have a socket open: at a socket's open, at the close of its chat's last
 * socket here, and every {@code check-interval} for every chat with a visitor socket here (one ZADD XX per set). A chat whose
 * note is older than {@code visitor-gone.timeout} has had no visitor socket on any live instance for that long (a
 * process that died stops noting its chats, so their visitors count as gone unless they reconnected elsewhere): while
 * it waits for an agent (QUEUED or OFFERED) it is closed by the system with reason {@code visitor-left}, so routing
 * stops offering it and the record counts it abandoned. The close checks the note and the status in the same script
 * (close_chat.lua), so a visitor who came back in between keeps the chat. A chat no visitor socket was ever opened for
 * (a platform's chat over REST) has no note and is never closed this way; one an agent holds has its note moved to now
 * (looked at again one timeout later, in case it is put back in line), and one left for a closed queue (OFFLINE now or
 * before: a message to answer later) loses its note. Every instance checks; the close is atomic, so a chat closes once.
 * Notes and checks run on separate schedules, so a slow check never holds the notes back. An instance checks only
 * after it has noted its own sockets without a failure for a whole timeout: after Redis was away, every instance's
 * notes are old, and none is taken for a visitor gone. The notes and the cutoff use each instance's clock: clocks
 * apart by a few seconds shorten or lengthen the timeout by as much.
 */
@ApplicationScoped
public class VisitorPresence {

    private static final Logger LOG = Logger.getLogger(VisitorPresence.class);
    /** Chats looked at per check (the sets in turn from the pass's first, each longest gone first); the rest wait. */
    static final int CHECK_BATCH = 500;

    private final ChatStore store;
    private final ChatService chats;
    private final ConnectionRegistry registry;
    private final MeterRegistry meters;
    private final Duration timeout;
    private final Duration interval;
    /** Counts the passes: each starts at the next of the sets, so a pass that stops early never starves the last ones. */
    private final AtomicInteger passes = new AtomicInteger();
    /** Since when every note of this instance's sockets succeeded (null after a failed one). */
    private volatile Instant healthySince;

    public VisitorPresence(ChatStore store, ChatService chats, ConnectionRegistry registry, MeterRegistry meters, SessionConfig config) {
        this.store = store;
        this.chats = chats;
        this.registry = registry;
        this.meters = meters;
        this.timeout = config.visitorGone().timeout();
        this.interval = config.visitorGone().checkInterval();
        if (!timeout.isZero() && timeout.compareTo(interval.multipliedBy(3)) < 0) {
            throw new IllegalArgumentException("chatroute.visitor-gone.timeout (" + timeout + ") must be at least three times "
                    + "chatroute.visitor-gone.check-interval (" + interval + ")");
        }
    }

    private boolean enabled() {
        return !timeout.isZero() && !timeout.isNegative();
    }

    /** A visitor socket of the chat opened here: its note starts (or is renewed). On a worker thread. */
    public void opened(String chatId) {
        note(chatId, false);
    }

    /** A visitor socket of the chat closed here: when it was the chat's last one here, the timeout counts from now. */
    public void closed(String chatId) {
        if (registry.visitors(chatId).isEmpty()) {
            note(chatId, true);
        }
    }

    private void note(String chatId, boolean existingOnly) {
        if (!enabled()) {
            return;
        }
        try {
            store.visitorsSeen(Set.of(chatId), System.currentTimeMillis(), existingOnly);
        } catch (RuntimeException e) {
            // the next check notes every chat with a socket here again; a close's note missed only moves its clock back
            // by at most one check interval
            LOG.debugf("could not note the visitor of chat %s: %s", chatId, e.toString());
        }
    }

    /** Makes the settings' check run at start (a wrong timeout stops the start instead of failing the first socket). */
    void onStart(@Observes StartupEvent event) {
        LOG.debugf("visitors who leave: %s", enabled() ? "waiting chats closed after " + timeout : "off");
    }

    /**
     * Notes every chat with a visitor socket here, on its own schedule: a slow pass of {@link #check()} never holds the
     * notes back (other instances would take these visitors for gone).
     */
    @Scheduled(every = "${chatroute.visitor-gone.check-interval:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void note() {
        if (!enabled()) {
            return;
        }
        try {
            store.visitorsSeen(registry.visitorChats(), System.currentTimeMillis(), true);
            if (healthySince == null) {
                healthySince = Instant.now();
            }
        } catch (RuntimeException e) {
            healthySince = null;
            LOG.warnf("could not note this instance's visitors, will retry: %s", e.toString());
        }
    }

    @Scheduled(every = "${chatroute.visitor-gone.check-interval:10s}", delayed = "${chatroute.visitor-gone.check-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        Instant healthy = healthySince;
        if (!enabled() || healthy == null || healthy.isAfter(Instant.now().minus(timeout))) {
            return; // not yet a whole timeout in touch with Redis: others' notes may be old for the same reason
        }
        try {
            closeGone(Instant.now().plus(interval));
            meters.counter("chatroute.visitor.gone.checks").increment();
        } catch (RuntimeException e) {
            LOG.warnf("the check for visitors who left failed, will retry: %s", e.toString());
        }
    }

    /**
     * Closes the waiting chats whose visitor was last seen a timeout ago or earlier, until {@code deadline} (the rest
     * wait for the next check); answers how many it closed. A chat whose close fails is tried again at the next check.
     */
    public int closeGone(Instant deadline) {
        long cutoff = System.currentTimeMillis() - timeout.toMillis();
        List<String> candidates = store.visitorsGoneSince(cutoff, CHECK_BATCH, passes.getAndIncrement());
        int closed = 0;
        for (String chatId : candidates) {
            if (Instant.now().isAfter(deadline)) {
                break;
            }
            try {
                String outcome = chats.closeIfVisitorGone(chatId, cutoff).await().atMost(Duration.ofSeconds(10));
                if ("ok".equals(outcome)) {
                    closed++;
                    meters.counter("chatroute.visitor.gone.closed").increment();
                    LOG.infof("chat %s closed: its visitor left %d s ago or more while it waited", chatId, timeout.toSeconds());
                }
            } catch (RuntimeException e) {
                LOG.warnf("could not close chat %s whose visitor left, next check retries: %s", chatId, e.toString());
            }
        }
        return closed;
    }
}
