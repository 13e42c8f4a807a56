package io.chatroute.session.api;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

import org.jboss.logging.Logger;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.ChatStore;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.websockets.next.UserData;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * An agent whose last socket closes (on every live instance) is asked OFFLINE, so routing stops offering chats
 * to nobody. Sockets are counted per process in Redis; a process's count only counts while its heartbeat key
 * lives. A process that dies without closing its sockets (kill -9, a lost host) closes nothing: every live process
 * sweeps for processes whose heartbeat expired and releases their counts agent by agent, asking OFFLINE for an agent
 * left with no socket anywhere (so routing starts the grace period, then gives the agent's chats back). The counts are
 * kept under a per-process id, so a process restarted with the same {@code chatroute.instance-id} never inherits the
 * counts of its predecessor.
 */
@ApplicationScoped
public class AgentPresence {

    private static final Logger LOG = Logger.getLogger(AgentPresence.class);
    private static final Duration HEARTBEAT_TTL = Duration.ofSeconds(30);
    /**
     * A process sweeps only after talking to Redis without a failed beat for this long: after Redis was away (every
     * heartbeat expired meanwhile), the live processes have beaten several times before anyone releases anything.
     */
    private static final Duration SWEEP_AFTER_HEALTHY = HEARTBEAT_TTL.multipliedBy(2);
    /**
     * Set on a socket once it is counted in Redis (its open's increment, or a recount): only such a socket's close
     * decrements, so an open whose count failed (Redis down) never takes another socket's count away.
     */
    static final UserData.TypedKey<Boolean> COUNTED = UserData.TypedKey.forBoolean("chatroute.counted");

    private final ChatStore store;
    private final ChatService chats;
    private final ConnectionRegistry registry;
    /**
     * This process's id for socket counts: the instance id and a suffix, new at each start and each time the heartbeat
     * is found expired (see {@link #beat()}).
     */
    private volatile String process;
    private final String instanceId;
    private volatile boolean beaten;
    /** Since when every beat succeeded (null after a failed one). */
    private volatile Instant healthySince;
    /**
     * An agent's count changes here (an open, a close, a recount) one at a time, per agent: a recount that ran between a
     * socket's registration and its open's increment counted the socket already (and marked it), so the open must see
     * the mark and not count it again.
     */
    private final ReentrantLock[] stripes = new ReentrantLock[64];

    public AgentPresence(ChatStore store, ChatService chats, ConnectionRegistry registry, SessionConfig config) {
        this.store = store;
        this.chats = chats;
        this.registry = registry;
        this.instanceId = config.instanceId();
        this.process = newProcessId();
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    private String newProcessId() {
        return instanceId + "/" + UUID.randomUUID();
    }

    private ReentrantLock lockOf(String agentId) {
        return stripes[Math.floorMod(agentId.hashCode(), stripes.length)];
    }

    void onStart(@Observes StartupEvent event) {
        beat();
    }

    @Scheduled(every = "10s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        try {
            boolean alive = store.heartbeat(process, HEARTBEAT_TTL);
            if (healthySince == null) {
                healthySince = Instant.now();
            }
            if (!alive && beaten) {
                // counted again under a new id: another process's release of the expired one (its check, then its
                // script: two steps on a cluster) can then only take away counts nobody writes any more
                String previous = process;
                process = newProcessId();
                store.heartbeat(process, HEARTBEAT_TTL);
                recount(previous);
                // this beat set the expired id's heartbeat again before it could tell: nobody counts under it any more
                store.dropHeartbeat(previous);
            }
            beaten = true;
        } catch (RuntimeException e) {
            healthySince = null;
            LOG.warnf("instance heartbeat failed, will retry: %s", e.toString());
        }
    }

    /**
     * This process's heartbeat had expired (a stall, or Redis away for longer than its TTL), so another process may have
     * released its counts and asked its agents OFFLINE: the counts are set again to the sockets held here, and routing
     * is told each agent is connected (which ends a disconnect's grace). The sockets counted are the ones marked
     * counted, also one whose open could not count it, so each one's close takes it off again; one that closed while it
     * was counted (its close found no mark) is taken off here. A mark is taken once, by whichever comes last. Each
     * agent's recount holds the agent's lock, and so do a socket's registration with its count and its unregistration
     * with its uncount: the sockets the recount reads are exactly the ones counted (or about to be, by this recount).
     */
    private void recount(String previous) {
        Map<String, Integer> held = registry.agentSocketCounts();
        LOG.warnf("this process's heartbeat had expired; counting again the sockets of %d agents", held.size());
        for (String agentId : held.keySet()) {
            ChatStore.SocketCount count;
            ChatStore.SocketCount afterCloses = null;
            ReentrantLock lock = lockOf(agentId);
            lock.lock();
            try {
                List<WebSocketConnection> sockets = List.copyOf(registry.agents(agentId));
                count = store.resetAgentSockets(agentId, process, sockets.size(), previous);
                sockets.forEach(c -> c.userData().put(COUNTED, true));
                for (WebSocketConnection c : sockets) {
                    if (!c.isOpen()) {
                        ChatStore.SocketCount after = uncount(agentId, c);
                        afterCloses = after == null ? afterCloses : after;
                    }
                }
            } finally {
                lock.unlock();
            }
            // routing is told outside the lock (a send may wait for the broker): the counts' versions order the events
            chats.agentConnected(agentId, count.version());
            if (afterCloses != null && afterCloses.open() <= 0) {
                chats.requestPresence(agentId, "OFFLINE", "disconnected", afterCloses.version());
            }
        }
    }

    /** Every live process sweeps; the release of one agent is atomic and only its first run announces anything. */
    @Scheduled(every = "10s", delayed = "15s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        Instant healthy = healthySince;
        if (healthy == null || healthy.isAfter(Instant.now().minus(SWEEP_AFTER_HEALTHY))) {
            return; // not long enough in touch with Redis to tell a gone process from one that could not beat either
        }
        try {
            releaseGoneProcesses();
        } catch (RuntimeException e) {
            LOG.warnf("sweep for gone session processes failed, will retry: %s", e.toString());
        }
    }

    /** Releases the agent sockets of every process whose heartbeat expired; answers the agents asked OFFLINE. */
    public List<String> releaseGoneProcesses() {
        List<String> offline = new ArrayList<>();
        for (String gone : store.instances()) {
            if (gone.equals(process) || store.instanceAlive(gone)) {
                continue;
            }
            int before = offline.size();
            for (String agentId : store.instanceAgents(gone)) {
                if ("offline".equals(chats.releaseGoneInstance(gone, agentId))) {
                    offline.add(agentId);
                }
            }
            store.forgetInstance(gone);
            LOG.infof("session process %s is gone (heartbeat expired): released, %d agents left with no socket asked OFFLINE",
                    gone, offline.size() - before);
        }
        return offline;
    }

    /** This process's id in the socket counts (the instance id and a per-start suffix). */
    public String process() {
        return process;
    }

    /**
     * Registered and counted, and routing is told (agent.connected): an agent back within the disconnect grace keeps its
     * chats. A socket that closed before its open got here (a close does not wait for the open: its close found no mark
     * and took nothing off) is neither registered nor counted; one a recount counted since it registered (when its
     * count failed before: Redis away) is not counted again (the recount told routing).
     */
    public void opened(String agentId, WebSocketConnection socket) {
        ChatStore.SocketCount count;
        ReentrantLock lock = lockOf(agentId);
        lock.lock();
        try {
            if (!socket.isOpen()) {
                return;
            }
            registry.addAgent(agentId, socket);
            if (Boolean.TRUE.equals(socket.userData().get(COUNTED))) {
                return;
            }
            count = store.agentSocket(agentId, process, 1);
            socket.userData().put(COUNTED, true);
        } finally {
            lock.unlock();
        }
        chats.agentConnected(agentId, count.version());
    }

    /**
     * Unregistered and taken off the count together, under the agent's lock: a recount between the two would count
     * the sockets registered without this one, and the close would then take it off a second time (found by
     * {@code GoneProcessTest#opensClosesAndRecountsAtTheSameTimeLeaveTheTrueCount}: 5 counted for 6 open sockets). The
     * agent's last socket on live instances closed: OFFLINE with reason disconnected (routing's grace). Both events
     * carry the socket count's version, so routing ignores a disconnect that raced with a newer open on another instance.
     * A socket that was never counted changes nothing.
     */
    public void closed(String agentId, WebSocketConnection socket) {
        ChatStore.SocketCount count;
        ReentrantLock lock = lockOf(agentId);
        lock.lock();
        try {
            registry.removeAgent(agentId, socket);
            count = uncount(agentId, socket);
        } finally {
            lock.unlock();
        }
        if (count != null && count.open() <= 0) {
            chats.requestPresence(agentId, "OFFLINE", "disconnected", count.version());
        }
    }

    /** Takes a counted socket off its agent's count (the mark is taken once); null for one not counted. Under the lock. */
    private ChatStore.SocketCount uncount(String agentId, WebSocketConnection socket) {
        if (!Boolean.TRUE.equals(socket.userData().remove(COUNTED))) {
            return null;
        }
        return store.agentSocket(agentId, process, -1);
    }
}
