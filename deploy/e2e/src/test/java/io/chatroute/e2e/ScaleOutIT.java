package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.LocalSystem;

/**
 * Two session-service instances with no sticky routing, started from the packaged jars beside routing, history and
 * knowledge on real Kafka, PostgreSQL and Redis.
 * <ul>
 * <li>A visitor on one instance and the agent on the other converse; the agent's instance is killed (SIGKILL) while
 * the visitor keeps writing; the agent comes back on the other instance and gets every message exactly once; the
 * killed instance starts again and the visitor moves to it without loss.</li>
 * <li>A conversation of 1,000 messages during which both sides' sockets are dropped at random and reconnect to a
 * random instance: every message is delivered exactly once and in order on both sides, and stored exactly once.</li>
 * <li>An agent's instance is killed and the agent never comes back: the live instance releases the dead one's sockets
 * once its heartbeat expired, routing takes the agent OFFLINE after its grace, and the agent's chat goes to another.</li>
 * </ul>
 */
@org.junit.jupiter.api.extension.ExtendWith(E2eSystem.class)
class ScaleOutIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static LocalSystem system;
    private static Http http;
    private static String admin;

    @BeforeAll
    static void start() {
        system = E2eSystem.get().system; // two session instances (E2eSystem), shared with the other end-to-end tests
        http = new Http(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        admin = system.token("admin-scale-out", Duration.ofHours(1), "admin");
        String routing = system.url("routing-service");
        http.put(routing + "/api/v1/forms/scale", admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["crash","drops","ghost"]}]}""").expect2xx();
        for (String q : List.of("crash", "drops", "ghost")) {
            http.put(routing + "/api/v1/queues/so-" + q, admin, """
                    {"name":"Scale-out %s","requiredSkills":{"so-%s":1},"offerTimeoutSeconds":60}""".formatted(q, q)).expect2xx();
            http.put(routing + "/api/v1/agents/so-agent-" + q, admin, """
                    {"displayName":"Agent %s","title":"Support","skills":{"so-%s":3},"maxConcurrentChats":6}""".formatted(q, q))
                    .expect2xx();
        }
        http.put(routing + "/api/v1/agents/so-agent-ghost-heir", admin, """
                {"displayName":"Agent heir","title":"Support","skills":{"so-ghost":3},"maxConcurrentChats":6}""").expect2xx();
        http.put(routing + "/api/v1/routing/rules", admin, """
                [{"id":"crash","when":{"topic":"crash"},"queueId":"so-crash"},
                 {"id":"ghost","when":{"topic":"ghost"},"queueId":"so-ghost"},
                 {"id":"default","when":{},"queueId":"so-drops"}]""").expect2xx();
    }

    @AfterAll
    static void stop() {
        // a killed instance is running again (the other tests share the system)
        system.nodes("session-service").stream().filter(n -> !n.alive()).forEach(system::restart);
    }

    // ------------------------------------------------------------------ a client that reconnects

    /** One side of a chat: every frame it got, on which connection, and its acknowledged messages. */
    static final class Peer implements WebSocket.Listener {
        record Got(int connection, JsonNode frame) {
        }

        final String name;
        final List<Got> frames = new CopyOnWriteArrayList<>();
        final Map<String, Long> acked = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile WebSocket socket;
        private volatile int connection;
        private volatile boolean open;

        Peer(String name) {
            this.name = name;
        }

        synchronized void connect(String url) {
            connection++;
            open = true;
            partial.setLength(0);
            HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .buildAsync(URI.create(url), this).orTimeout(15, TimeUnit.SECONDS).join();
        }

        int connectionCount() {
            return connection;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            socket = webSocket; // before any frame of it: frames of an older, dropped socket are ignored from here on
            webSocket.request(1);
        }

        /** A network drop: the socket is gone without a close handshake. */
        synchronized void drop() {
            open = false;
            if (socket != null) {
                socket.abort();
            }
        }

        boolean open() {
            return open;
        }

        boolean send(Map<String, Object> frame) {
            try {
                socket.sendText(JSON.writeValueAsString(frame), true).get(10, TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return false;
            }
        }

        /** Message frames, in arrival order. */
        List<JsonNode> messages() {
            return frames.stream().filter(g -> "message".equals(g.frame().path("type").asText())).map(Got::frame).toList();
        }

        /** The highest seq of any message frame received: where a reconnect resumes. */
        long lastSeen() {
            return messages().stream().mapToLong(m -> m.path("seq").asLong()).max().orElse(0);
        }

        boolean has(String type) {
            return frames.stream().anyMatch(g -> type.equals(g.frame().path("type").asText()));
        }

        JsonNode first(String type) {
            return frames.stream().filter(g -> type.equals(g.frame().path("type").asText())).map(Got::frame).findFirst().orElseThrow();
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (webSocket != socket) {
                return null; // a dropped socket: what it still had in flight is lost with it
            }
            partial.append(data);
            if (last) {
                try {
                    JsonNode f = JSON.readTree(partial.toString());
                    frames.add(new Got(connection, f));
                    if ("ack".equals(f.path("type").asText())) {
                        acked.put(f.path("clientMsgId").asText(), f.path("seq").asLong());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            if (webSocket == socket) {
                open = false;
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            if (webSocket == socket) {
                open = false;
            }
        }
    }

    private static String visitorUrl(LocalSystem.Node on, String chatId, String token, Long afterSeq) {
        return on.wsUrl("/ws/visitor/" + chatId + "?token=" + token + (afterSeq == null ? "" : "&afterSeq=" + afterSeq));
    }

    private static String agentUrl(LocalSystem.Node on, String agentToken, String chatId, Long afterSeq) {
        return on.wsUrl("/ws/agent?token=" + agentToken + (afterSeq == null ? "" : "&resume=" + chatId + ":" + afterSeq));
    }

    private static Map<String, Object> frame(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Starts a chat on the given instance and has the agent (already AVAILABLE) take it. */
    private static String[] startAndAssign(LocalSystem.Node on, String topic, Peer agent, Peer visitor) {
        JsonNode created = http.post(on.baseUrl() + "/api/v1/chats", null, """
                {"formId":"scale","visitor":{"name":"Vera"},"form":{"topic":"%s"},"message":"hello from %s"}"""
                .formatted(topic, topic), Map.of()).expect(201).json();
        String chatId = created.path("chatId").asText();
        String token = created.path("visitorToken").asText();
        visitor.connect(visitorUrl(on, chatId, token, null));
        await("offer of " + chatId).atMost(WAIT).until(() -> agent.frames.stream()
                .anyMatch(g -> "offer".equals(g.frame().path("type").asText()) && chatId.equals(g.frame().path("chatId").asText())));
        agent.send(frame("type", "offer.accept", "chatId", chatId));
        await("assignment of " + chatId).atMost(WAIT).until(() -> visitor.has("agent.joined") && agent.frames.stream()
                .anyMatch(g -> "chat.assigned".equals(g.frame().path("type").asText()) && chatId.equals(g.frame().path("chatId").asText())));
        return new String[] {chatId, token};
    }

    private static void awaitAvailable(String agentId) {
        await(agentId + " AVAILABLE").atMost(WAIT).until(() -> "AVAILABLE".equals(
                http.get(system.url("routing-service") + "/api/v1/agents/" + agentId, admin).json().path("presence").asText()));
    }

    /** The texts of the other side's messages a peer got, each with how often. */
    private static Map<String, Integer> received(Peer peer, String from) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        peer.messages().stream().filter(m -> from.equals(m.path("from").asText()))
                .forEach(m -> counts.merge(m.path("text").asText(), 1, Integer::sum));
        return counts;
    }

    // ------------------------------------------------------------------ the tests

    @Test
    void aVisitorAndItsAgentOnDifferentInstancesLoseNothingWhenOneIsKilled() {
        LocalSystem.Node one = system.nodes("session-service").get(0);
        LocalSystem.Node two = system.nodes("session-service").get(1);
        String agentId = "so-agent-crash";
        String agentToken = system.token(agentId, Duration.ofHours(1), "agent");
        Peer agent = new Peer("agent");
        Peer visitor = new Peer("visitor");
        agent.connect(agentUrl(two, agentToken, null, null));
        agent.send(frame("type", "presence", "status", "AVAILABLE"));
        awaitAvailable(agentId);
        String[] chat = startAndAssign(one, "crash", agent, visitor);
        String chatId = chat[0];
        String token = chat[1];

        // 20 messages each way across the two instances
        for (int i = 1; i <= 20; i++) {
            visitor.send(frame("type", "message", "clientMsgId", "v" + i, "text", "v" + i));
            agent.send(frame("type", "message", "chatId", chatId, "clientMsgId", "a" + i, "text", "a" + i));
        }
        await("20 each way").atMost(WAIT).until(() -> received(agent, "visitor").size() == 21 && received(visitor, "agent").size() == 20);

        // the agent's instance dies; the visitor writes on
        two.kill();
        long agentSaw = agent.lastSeen();
        for (int i = 21; i <= 40; i++) {
            visitor.send(frame("type", "message", "clientMsgId", "v" + i, "text", "v" + i));
        }
        await("visitor's messages acknowledged by the live instance").atMost(WAIT).until(() -> visitor.acked.size() == 40);

        // the agent comes back on the other instance and names its last seq: all 20, once
        agent.connect(agentUrl(one, agentToken, chatId, agentSaw));
        await("the agent catches up").atMost(WAIT).until(() -> received(agent, "visitor").size() == 41);
        for (int i = 21; i <= 25; i++) {
            agent.send(frame("type", "message", "chatId", chatId, "clientMsgId", "a" + i, "text", "a" + i));
        }
        await("the visitor gets the agent's new messages").atMost(WAIT).until(() -> received(visitor, "agent").size() == 25);

        // the killed instance comes back; the visitor moves there and misses nothing
        system.restart(two);
        long visitorSaw = visitor.lastSeen();
        visitor.drop();
        for (int i = 26; i <= 30; i++) {
            agent.send(frame("type", "message", "chatId", chatId, "clientMsgId", "a" + i, "text", "a" + i));
        }
        await("the agent's last messages stored").atMost(WAIT).until(() -> agent.acked.size() == 30);
        visitor.connect(visitorUrl(two, chatId, token, visitorSaw));
        await("the visitor catches up on the restarted instance").atMost(WAIT).until(() -> received(visitor, "agent").size() == 30);

        assertThat(received(agent, "visitor")).as("each visitor message on the agent's side").allSatisfy((text, n) -> assertThat(n).isOne());
        assertThat(received(visitor, "agent")).as("each agent message on the visitor's side").allSatisfy((text, n) -> assertThat(n).isOne());
        assertThat(received(agent, "visitor")).hasSize(41);
        assertThat(received(visitor, "agent")).hasSize(30);
        agent.send(frame("type", "close", "chatId", chatId));
        await("closed").atMost(WAIT).until(() -> visitor.has("closed"));
        System.out.printf("[scale-out] crash: %d visitor and %d agent messages, each delivered once across two instances%n",
                visitor.acked.size(), agent.acked.size());
    }

    @Test
    void anAgentWhoseInstanceDiesAndWhoNeverReturnsGoesOfflineAndTheChatGoesToAnother() {
        List<LocalSystem.Node> sessions = system.nodes("session-service");
        await("both instances up").atMost(WAIT).until(() -> sessions.stream().allMatch(LocalSystem.Node::alive));
        LocalSystem.Node one = sessions.get(0);
        LocalSystem.Node two = sessions.get(1);
        String ghostId = "so-agent-ghost";
        Peer ghost = new Peer("ghost");
        Peer visitor = new Peer("visitor");
        ghost.connect(agentUrl(two, system.token(ghostId, Duration.ofHours(1), "agent"), null, null));
        ghost.send(frame("type", "presence", "status", "AVAILABLE"));
        awaitAvailable(ghostId);
        String chatId = startAndAssign(one, "ghost", ghost, visitor)[0];

        // the agent's instance dies without closing a socket, and the agent never comes back (a lost laptop)
        long killedAt = System.nanoTime();
        two.kill();
        try {
            ghostIsReplaced(ghostId, chatId, one, visitor, killedAt);
        } finally {
            system.restart(two); // the other tests share the system
        }
    }

    private static void ghostIsReplaced(String ghostId, String chatId, LocalSystem.Node one, Peer visitor, long killedAt) {
        String heirId = "so-agent-ghost-heir";
        Peer heir = new Peer("heir");
        heir.connect(agentUrl(one, system.token(heirId, Duration.ofHours(1), "agent"), null, null));
        heir.send(frame("type", "presence", "status", "AVAILABLE"));
        awaitAvailable(heirId);

        // the live instance releases the dead one's sockets (its heartbeat expired): the agent goes OFFLINE, and after
        // routing's disconnect grace the chat is given back and offered to the other agent
        Duration patience = Duration.ofSeconds(150);
        await(ghostId + " OFFLINE").atMost(patience).until(() -> "OFFLINE".equals(
                http.get(system.url("routing-service") + "/api/v1/agents/" + ghostId, admin).json().path("presence").asText()));
        long offlineAfter = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt);
        await("the chat offered to " + heirId).atMost(patience).until(() -> heir.frames.stream()
                .anyMatch(g -> "offer".equals(g.frame().path("type").asText()) && chatId.equals(g.frame().path("chatId").asText())));
        heir.send(frame("type", "offer.accept", "chatId", chatId));
        await("the chat assigned to " + heirId).atMost(WAIT).until(() -> heir.frames.stream()
                .anyMatch(g -> "chat.assigned".equals(g.frame().path("type").asText()) && chatId.equals(g.frame().path("chatId").asText())));
        visitor.send(frame("type", "message", "clientMsgId", "after-ghost", "text", "still there?"));
        await("the new agent gets the visitor's message").atMost(WAIT).until(() -> received(heir, "visitor").containsKey("still there?"));
        System.out.printf("[scale-out] ghost: OFFLINE in routing (its disconnect grace over) %d s after its instance was killed, the chat reassigned after %d s%n",
                offlineAfter, TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - killedAt));
        heir.send(frame("type", "close", "chatId", chatId));
        await("closed").atMost(WAIT).until(() -> visitor.has("closed"));
    }

    @Test
    void aThousandMessagesWithSocketsDroppedAtRandomArriveExactlyOnceAndInOrder() {
        List<LocalSystem.Node> sessions = system.nodes("session-service");
        await("both instances up").atMost(WAIT).until(() -> sessions.stream().allMatch(LocalSystem.Node::alive));
        long seed = Long.getLong("reconnect.seed", System.nanoTime());
        System.out.println("[scale-out] reconnect test seed " + seed + " (replay with -Dreconnect.seed=" + seed + ")");
        Random random = new Random(seed);
        String agentId = "so-agent-drops";
        String agentToken = system.token(agentId, Duration.ofHours(1), "agent");
        Peer agent = new Peer("agent");
        Peer visitor = new Peer("visitor");
        agent.connect(agentUrl(sessions.get(0), agentToken, null, null));
        agent.send(frame("type", "presence", "status", "AVAILABLE"));
        awaitAvailable(agentId);
        String[] chat = startAndAssign(sessions.get(1), "drops", agent, visitor);
        String chatId = chat[0];
        String token = chat[1];

        int drops = 0;
        int total = 1_000;
        for (int i = 1; i <= total; i++) {
            boolean fromVisitor = random.nextBoolean();
            Peer side = fromVisitor ? visitor : agent;
            // now and then a socket drops (either side) and comes back on a random instance later
            if (random.nextInt(100) < 3) {
                (random.nextBoolean() ? visitor : agent).drop();
                drops++;
            }
            String id = (fromVisitor ? "v" : "a") + i;
            Map<String, Object> message = fromVisitor ? frame("type", "message", "clientMsgId", id, "text", id)
                    : frame("type", "message", "chatId", chatId, "clientMsgId", id, "text", id);
            // send until acknowledged: after a drop, the same clientMsgId again on the new socket (stored once, acked again)
            int[] sentOn = {-1};
            await("ack of " + id).atMost(WAIT).pollInterval(Duration.ofMillis(5)).until(() -> {
                if (side.acked.containsKey(id)) {
                    return true;
                }
                if (!side.open()) {
                    LocalSystem.Node on = sessions.get(random.nextInt(sessions.size()));
                    side.connect(side == visitor ? visitorUrl(on, chatId, token, side.lastSeen())
                            : agentUrl(on, agentToken, chatId, side.lastSeen()));
                }
                if (sentOn[0] != side.connectionCount() && side.send(message)) {
                    sentOn[0] = side.connectionCount();
                }
                return side.acked.containsKey(id);
            });
        }
        for (Peer p : List.of(visitor, agent)) {
            if (!p.open()) {
                LocalSystem.Node on = sessions.get(random.nextInt(sessions.size()));
                p.connect(p == visitor ? visitorUrl(on, chatId, token, p.lastSeen()) : agentUrl(on, agentToken, chatId, p.lastSeen()));
            }
        }
        long visitorSent = visitor.acked.keySet().stream().filter(k -> k.startsWith("v")).count();
        long agentSent = agent.acked.keySet().stream().filter(k -> k.startsWith("a")).count();
        assertThat(visitorSent + agentSent).isEqualTo(total);
        await("everything delivered").atMost(WAIT).until(() -> received(agent, "visitor").size() == visitorSent + 1
                && received(visitor, "agent").size() == agentSent);

        // exactly once, in order: on each side the message frames' seqs only ever rise, across every reconnect
        for (Peer p : List.of(visitor, agent)) {
            List<Long> seqs = p.messages().stream().map(m -> m.path("seq").asLong()).toList();
            List<Long> sorted = new ArrayList<>(seqs);
            sorted.sort(Long::compare);
            assertThat(seqs).as(p.name + ": seqs in arrival order").doesNotHaveDuplicates().isEqualTo(sorted);
        }
        assertThat(received(agent, "visitor").values()).allMatch(n -> n == 1);
        assertThat(received(visitor, "agent").values()).allMatch(n -> n == 1);
        // each message got one seq, stored once: the acknowledged seqs are 2..1001 without a gap (seq 1: the start form)
        List<Long> ackedSeqs = new ArrayList<>(visitor.acked.values());
        ackedSeqs.addAll(agent.acked.values());
        ackedSeqs.sort(Long::compare);
        assertThat(ackedSeqs).doesNotHaveDuplicates().hasSize(total).first().isEqualTo(2L);
        assertThat(ackedSeqs.getLast()).isEqualTo(total + 1L);
        // and a fresh socket asked for everything gets exactly that list
        Peer reader = new Peer("reader");
        reader.connect(visitorUrl(sessions.get(0), chatId, token, 0L));
        await("the stored conversation").atMost(WAIT).until(() -> reader.messages().size() == total + 1);
        assertThat(reader.messages().stream().map(m -> m.path("seq").asLong()).toList())
                .isEqualTo(java.util.stream.LongStream.rangeClosed(1, total + 1).boxed().toList());
        System.out.printf("[scale-out] reconnect: %d messages (%d visitor, %d agent), %d sockets dropped, %d + %d connections; "
                        + "every message once and in order on both sides%n", total, visitorSent, agentSent, drops,
                visitor.connectionCount(), agent.connectionCount());
        agent.send(frame("type", "close", "chatId", chatId));
    }

}
