package io.chatroute.session.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.inject.Inject;

/**
 * A session process that dies without closing its sockets (kill -9) leaves its agents counted in Redis. Every live
 * process sweeps for processes whose heartbeat expired: an agent left with no socket anywhere is asked OFFLINE (reason
 * disconnected, so routing starts the grace period); an agent still connected elsewhere is not; a second sweep
 * announces nothing again.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class GoneProcessTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    AgentPresence presence;

    @Inject
    ChatService chats;

    @Inject
    RedisDataSource redis;

    @Inject
    ConnectionRegistry registry;

    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> agentEvents;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    /** What a process that counted the agent's socket and then died leaves in Redis (no heartbeat key). */
    private void countedByGoneProcess(String process, String agentId) {
        redis.hash(String.class).hincrby(Keys.agentSockets(agentId), process, 1);
        redis.set(String.class).sadd(Keys.instanceAgents(process), agentId);
        redis.set(String.class).sadd(Keys.INSTANCES, process);
    }

    private static List<KafkaTestClient.Event> presenceOf(String agentId) {
        return KafkaTestClient.once(agentEvents, "agent.presence.requested", e -> agentId.equals(e.key()));
    }

    private static JsonNode json(String s) {
        try {
            return MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A marker on the agent's key (one partition): once it arrived, whatever was published before it has too. */
    private void awaitMarker(String agentId) {
        chats.requestPresenceAsync(agentId, "AWAY", "requested").await().atMost(WAIT);
        await().atMost(WAIT).until(() -> presenceOf(agentId).stream().anyMatch(e -> "AWAY".equals(json(e.data()).path("status").asText())));
    }

    @Test
    void agentsOfAGoneProcessWithNoSocketElsewhereAreAskedOfflineOnce() throws Exception {
        String gone = "gone-" + System.nanoTime() + "/crashed";
        String stranded = "gone-agent-" + System.nanoTime();
        String connected = "gone-agent-elsewhere-" + System.nanoTime();
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(connected))) {
            await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && connected.equals(e.key())));
            countedByGoneProcess(gone, stranded);
            countedByGoneProcess(gone, connected);

            // this sweep, or the scheduled one if it ran first, releases the gone process
            assertThat(presence.releaseGoneProcesses()).doesNotContain(connected);

            await().atMost(WAIT).until(() -> !presenceOf(stranded).isEmpty());
            KafkaTestClient.Event offline = presenceOf(stranded).get(0);
            EventSchemas.assertValid("session-service", offline.type(), offline.data());
            JsonNode data = json(offline.data());
            assertThat(data.path("status").asText()).isEqualTo("OFFLINE");
            assertThat(data.path("reason").asText()).isEqualTo("disconnected");
            assertThat(data.path("socketVersion").asLong()).isPositive();

            // released and forgotten: a second sweep finds nothing to announce
            assertThat(redis.hash(String.class).hget(Keys.agentSockets(stranded), gone)).isNull();
            assertThat(redis.set(String.class).sismember(Keys.INSTANCES, gone)).isFalse();
            assertThat(presence.releaseGoneProcesses()).doesNotContain(stranded, connected);

            awaitMarker(stranded);
            awaitMarker(connected);
            assertThat(presenceOf(stranded)).extracting(e -> json(e.data()).path("status").asText()).containsExactly("OFFLINE", "AWAY");
            // the agent still connected here was never asked OFFLINE
            assertThat(presenceOf(connected)).extracting(e -> json(e.data()).path("status").asText()).containsExactly("AWAY");
        }
    }

    /**
     * A process that only stalled (or could not reach Redis) for longer than its heartbeat's TTL may have been released
     * by another: while its heartbeat lives it cannot be; once it beats again it counts its sockets again and tells
     * routing the agent is connected (a newer socket version than the release's OFFLINE).
     */
    @Test
    void aProcessReleasedWhileItStalledCountsItsSocketsAgainWhenItBeats() throws Exception {
        String agentId = "stalled-agent-" + System.nanoTime();
        String sockets = Keys.agentSockets(agentId);
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())));
            // while the heartbeat lives, another process's sweep changes nothing
            assertThat(chats.releaseGoneInstance(presence.process(), agentId)).isEqualTo("alive");
            assertThat(redis.hash(String.class).hget(sockets, presence.process())).isEqualTo("1");

            // the heartbeat expired (the stall), and another process released this one's count
            redis.key().del(Keys.instance(presence.process()));
            assertThat(chats.releaseGoneInstance(presence.process(), agentId)).isEqualTo("offline");
            await().atMost(WAIT).until(() -> !presenceOf(agentId).isEmpty());
            long released = json(presenceOf(agentId).get(0).data()).path("socketVersion").asLong();

            // the process beats again (or its scheduled beat did): its count is back, and routing hears the agent is
            // connected (sent after the count was set)
            presence.beat();
            await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())
                    && json(e.data()).path("socketVersion").asLong() > released));
            assertThat(redis.hash(String.class).hget(sockets, presence.process())).isEqualTo("1");
        }
    }

    private static String socketsKey(String agentId) {
        return Keys.agentSockets(agentId);
    }

    /**
     * Once the agent's socket is open and counted: its mark and this process's count taken away again, as for a socket
     * registered whose open's count has not been made yet (or failed). Returns the socket.
     */
    private WebSocketConnection uncounted(String agentId) {
        await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())));
        WebSocketConnection c = registry.agents(agentId).iterator().next();
        c.userData().remove(AgentPresence.COUNTED);
        redis.hash(String.class).hset(socketsKey(agentId), presence.process(), "0");
        return c;
    }

    /**
     * The heartbeat expired (a stall); the process beats again (or its scheduled beat did) and counts the sockets it
     * holds, then tells routing the agent is connected: waits for that agent.connected and checks the count.
     */
    private void recount(String agentId, int expected) {
        long before = agentEvents.stream().filter(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key()))
                .mapToLong(e -> json(e.data()).path("socketVersion").asLong()).max().orElseThrow();
        redis.key().del(Keys.instance(presence.process()));
        presence.beat();
        await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())
                && json(e.data()).path("socketVersion").asLong() > before));
        assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process())).isEqualTo(Integer.toString(expected));
    }

    /**
     * A socket whose open could not count it (Redis away at that moment) is counted by the recount after a stalled
     * heartbeat, as every socket held here is, and its close takes it off again. Before, the recount counted it and its
     * close, which only decrements for a socket marked counted, left the agent connected until the process restarted.
     */
    @Test
    void aSocketTheRecountCountedIsTakenOffWhenItCloses() throws Exception {
        String agentId = "uncounted-agent-" + System.nanoTime();
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            uncounted(agentId); // as if the open's increment had failed: not marked, not counted
            recount(agentId, 1);
        }
        // its close takes it off: the agent, with no socket left, is asked OFFLINE (routing's grace)
        await().atMost(WAIT).until(() -> presenceOf(agentId).stream().anyMatch(e -> "OFFLINE".equals(json(e.data()).path("status").asText())));
        assertThat(json(presenceOf(agentId).get(0).data()).path("reason").asText()).isEqualTo("disconnected");
    }

    /**
     * A recount that runs between a socket's registration and its open's increment counts the socket (it is held here)
     * and marks it; the open, coming after, must not count it a second time, or its close would leave the agent
     * counted connected. The interleaving is replayed: the socket is made to look registered but not yet counted, the
     * recount runs, then the open's count.
     */
    @Test
    void anOpenOvertakenByARecountCountsItsSocketOnce() throws Exception {
        String agentId = "overtaken-agent-" + System.nanoTime();
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            WebSocketConnection c = uncounted(agentId);
            recount(agentId, 1);
            // the open's count lands now
            presence.opened(agentId, c);
            assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process())).isEqualTo("1");
        }
        // its close takes the one count off: no socket left, the agent is asked OFFLINE
        await().atMost(WAIT).until(() -> presenceOf(agentId).stream().anyMatch(e -> "OFFLINE".equals(json(e.data()).path("status").asText())));
    }

    /**
     * A socket's close does not wait for its open: a close that ran before the open's count found no mark and took
     * nothing off, so the open, coming after, must not count the closed socket (the agent would look connected for good).
     */
    @Test
    void anOpenThatComesAfterItsSocketClosedCountsNothing() throws Exception {
        String agentId = "closed-first-agent-" + System.nanoTime();
        WebSocketConnection c;
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            c = uncounted(agentId);
        }
        await().atMost(WAIT).until(() -> !c.isOpen() && registry.agents(agentId).isEmpty());
        // the open's count lands after the close
        presence.opened(agentId, c);
        assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process())).isEqualTo("0");
    }

    /**
     * The lock itself, not a replayed order: sockets of one agent open and close from several threads while recounts
     * run again and again. However their steps interleave, this process's count must come to rest at the sockets still
     * open, and be gone (a count that reaches 0 is removed), with the agent asked OFFLINE, once the last one closed. A count that double-counted or missed a
     * socket stays off for good, so the waits below would time out.
     */
    @Test
    void opensClosesAndRecountsAtTheSameTimeLeaveTheTrueCount() throws Exception {
        String agentId = "racing-agent-" + System.nanoTime();
        String url = "/ws/agent?token=" + TestTokens.agent(agentId);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        AtomicBoolean racing = new AtomicBoolean(true);
        List<WsClient> kept = new ArrayList<>();
        long offlineBefore;
        try {
            Future<Integer> recounts = pool.submit(() -> {
                int n = 0;
                while (racing.get()) {
                    redis.key().del(Keys.instance(presence.process())); // the heartbeat expired: the next beat recounts
                    presence.beat();
                    n++;
                }
                return n;
            });
            for (int round = 0; round < 3; round++) {
                List<Future<WsClient>> opening = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    opening.add(pool.submit(() -> WsClient.connect(url)));
                }
                List<WsClient> opened = new ArrayList<>();
                for (Future<WsClient> f : opening) {
                    opened.add(f.get(60, TimeUnit.SECONDS));
                }
                // six of the eight close at once, some of them before their open's count has run
                List<Future<?>> closing = new ArrayList<>();
                for (WsClient c : opened.subList(0, 6)) {
                    closing.add(pool.submit(() -> {
                        c.close();
                        return null;
                    }));
                }
                for (Future<?> f : closing) {
                    f.get(60, TimeUnit.SECONDS);
                }
                kept.addAll(opened.subList(6, 8));
            }
            racing.set(false);
            assertThat(recounts.get(60, TimeUnit.SECONDS)).isPositive();
            int open = kept.size();
            await().atMost(WAIT).until(() -> registry.agents(agentId).size() == open);
            await().atMost(WAIT).untilAsserted(() -> assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process()))
                    .isEqualTo(Integer.toString(open)));
            offlineBefore = offlineRequests(agentId);
        } finally {
            racing.set(false);
            kept.forEach(WsClient::close);
            pool.shutdownNow();
        }
        // no socket left: the count is gone (a count that reaches 0 is removed)
        await().atMost(WAIT).untilAsserted(() -> assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process()))
                .isNull());
        // the last close asks OFFLINE (one more than the race may have asked while its count passed 0)
        await().atMost(WAIT).until(() -> offlineRequests(agentId) > offlineBefore);
    }

    private static long offlineRequests(String agentId) {
        return presenceOf(agentId).stream().filter(e -> "OFFLINE".equals(json(e.data()).path("status").asText())).count();
    }

    @Test
    void theLiveProcessNeverReleasesItself() throws Exception {
        String agentId = "self-agent-" + System.nanoTime();
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())));
            assertThat(presence.releaseGoneProcesses()).doesNotContain(agentId);
            awaitMarker(agentId);
            assertThat(presenceOf(agentId)).extracting(e -> json(e.data()).path("status").asText()).containsExactly("AWAY");
            // this process's count of the socket stays (the version field aside)
            assertThat(redis.hash(String.class).hgetall(Keys.agentSockets(agentId)))
                    .hasEntrySatisfying(presence.process(), n -> assertThat(n).isEqualTo("1"));
        }
    }

    /**
     * A process whose heartbeat expired (a stall) counts its sockets again under a new id, and the expired id's count goes
     * in the same step: another process releasing the expired id afterwards (its heartbeat check and its script are two
     * steps on a cluster, and the stalled process may come back between them) finds nothing to take away and asks no
     * OFFLINE, and the live count stays.
     */
    @Test
    void aReleaseOfTheExpiredIdCannotTakeAwayTheCountMadeAfterTheStall() throws Exception {
        String agentId = "stalled-agent-" + System.nanoTime();
        try (WsClient live = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            await().atMost(WAIT).until(() -> agentEvents.stream().anyMatch(e -> "agent.connected".equals(e.type()) && agentId.equals(e.key())));
            String expired = presence.process();
            recount(agentId, 1);
            assertThat(presence.process()).isNotEqualTo(expired);
            assertThat(redis.hash(String.class).hget(socketsKey(agentId), expired)).isNull();
            // the other process's release of the expired id, checked and done after the recount
            assertThat(chats.releaseGoneInstance(expired, agentId)).isEqualTo("none");
            assertThat(redis.hash(String.class).hget(socketsKey(agentId), presence.process())).isEqualTo("1");
            awaitMarker(agentId);
            assertThat(presenceOf(agentId)).extracting(e -> json(e.data()).path("status").asText()).doesNotContain("OFFLINE");
        }
    }
}
