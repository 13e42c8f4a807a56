package io.chatroute.routing.messaging;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of routing's own pools (a batch's keys, dispatch passes, claims). Their work is mostly waiting for Redis
 * (each step a script's round trip through the blocking client). With {@code chatroute.routing.virtual-threads=true}
 * they are virtual threads: a wait parks the virtual thread and frees its carrier instead of holding an OS thread. The
 * pools keep their sizes either way: bounds on how much runs at the same time. Platform threads (daemon) by default:
 * the two measured the same on 2026-12-06 (routing-service README, "Virtual threads").
 */
final class WorkerThreads {
    private WorkerThreads() {
    }

    static ThreadFactory named(String prefix, boolean virtual) {
        if (virtual) {
            return Thread.ofVirtual().name(prefix, 1).factory();
        }
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
