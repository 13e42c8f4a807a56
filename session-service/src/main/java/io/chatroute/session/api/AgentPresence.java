package io.chatroute.session.api;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.persistence.ChatStore;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * An agent whose last socket closes (on every live instance) is asked OFFLINE, so routing stops offering chats
 * to nobody. Sockets are counted per instance in Redis; an instance's count only counts while its heartbeat key
 * lives, so a crashed instance cannot keep agents online.
 */
@ApplicationScoped
public class AgentPresence {

    private static final Logger LOG = Logger.getLogger(AgentPresence.class);
    private static final Duration HEARTBEAT_TTL = Duration.ofSeconds(30);

    private final ChatStore store;
    private final ChatService chats;
    private final SessionConfig config;

    public AgentPresence(ChatStore store, ChatService chats, SessionConfig config) {
        this.store = store;
        this.chats = chats;
        this.config = config;
    }

    void onStart(@Observes StartupEvent event) {
        beat();
    }

    @Scheduled(every = "10s", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void beat() {
        try {
            store.heartbeat(config.instanceId(), HEARTBEAT_TTL);
        } catch (RuntimeException e) {
            LOG.warnf("instance heartbeat failed, will retry: %s", e.toString());
        }
    }

    /** Counted, and routing is told (agent.connected): an agent back within the disconnect grace keeps its chats. */
    public void opened(String agentId) {
        chats.agentConnected(agentId, store.agentSocket(agentId, config.instanceId(), 1).version());
    }

    /**
     * The agent's last socket on live instances closed: OFFLINE with reason disconnected (routing's grace). Both events
     * carry the socket count's version, so routing ignores a disconnect that raced with a newer open on another instance.
     */
    public void closed(String agentId) {
        ChatStore.SocketCount count = store.agentSocket(agentId, config.instanceId(), -1);
        if (count.open() <= 0) {
            chats.requestPresence(agentId, "OFFLINE", "disconnected", count.version());
        }
    }
}
