package io.chatroute.loadtest;

import java.net.URI;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.chatroute.infra.DevTokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The simulated visitors and agents. Everything that touches their state runs on one Vert.x event loop, so the
 * simulation needs no locks; the main thread drives the phases (set-up, load, drain, clean-up, probe) and reads
 * results through {@link #onLoop(Supplier)}.
 */
final class Simulation implements AutoCloseable {

    static final String FORM = "loadtest";
    static final String LOAD_QUEUE = "lt-load";
    static final String PROBE_QUEUE = "lt-probe";
    static final String PROBE_AGENT = "lt-probe";
    static final String ARTICLE = "lt-double-charge";
    private static final String[] PHRASES = {
        "I was charged twice for my order, please refund the duplicate payment",
        "Where is my refund for the double charge?",
        "The order number is 4711, the payment went through twice",
        "Can you check my invoice, I see two charges",
    };

    enum Phase { SETUP, LOAD, DRAIN, CLEANUP, DONE }

    enum ChatState { STARTING, WAITING, ACCEPTED, ACTIVE, CLOSING, CLOSED }

    final class Agent {
        final int index;
        final String id;
        final String token;
        final Set<Chat> held = new HashSet<>();
        WebSocket socket;
        int reportedActive = -1;
        /** Which session instance it connects to next (its index, plus one per reconnect). */
        int instance;
        /** Connections opened so far: each is a connection of its own in the ledger. */
        int generation;
        /** The seqs it holds per chat (messages received and its own acked): what a reconnect resumes after. */
        final Map<String, BitSet> seen = new HashMap<>();
        /** When its socket last opened, and when the reconnects under way began and how many tries they took. */
        long openedNanos;
        long reconnectSince = -1;
        int reconnectAttempt;

        Agent(int index, String id, String token) {
            this.index = index;
            this.id = id;
            this.token = token;
        }

        void send(JsonObject frame) {
            if (socket != null && !socket.isClosed()) {
                socket.writeTextMessage(frame.encode());
            }
        }

        boolean open() {
            return socket != null && !socket.isClosed();
        }

        BitSet seen(String chatId) {
            return this.seen.computeIfAbsent(chatId, k -> new BitSet());
        }
    }

    /** The highest seq up to which {@code seen} holds every one (0 when it lacks seq 1). */
    static long contiguous(BitSet seen) {
        return Math.max(0, seen.nextClearBit(1) - 1);
    }

    final class Chat {
        final int index;
        final long postNanos;
        String chatId;
        String visitorToken;
        ChatState state = ChatState.STARTING;
        WebSocket visitor;
        boolean visitorOpen;
        long offerNanos = -1;
        long acceptNanos = -1;
        boolean joined;
        boolean assigned;
        /** The highest forSeq of a suggestions frame its agent got: session sends none for a message below it. */
        long suggestedUpTo;
        /** The highest seq of a visitor message acknowledged after the agent joined: its suggestions are owed. */
        long suggestionOwedUpTo;
        long joinedNanos = Long.MAX_VALUE;
        /** Its agent asked to close it: routing may free the slot before the agent's chat.closed arrives. */
        boolean closeSent;
        /** The tool closed the chat or began to (its handle time ended, a foreign chat, or the clean-up). */
        boolean toolClosed;
        boolean counted = true;
        /** Its start failed on the tool's side (an I/O error, a timeout): session may have made the chat anyway. */
        boolean startFailed;
        Agent agent;
        Agent pendingAccept;
        int sent;
        /** The session instance its start was answered by; its visitor connects there first. */
        int instance;
        /** The visitor's connections opened so far, and the seqs it holds (its acked messages and those received). */
        int visitorGeneration;
        final BitSet visitorSeen = new BitSet();
        /** Its visitor socket closed under it and is being opened again (messages are kept to send once it is). */
        boolean reconnecting;
        /** The tool closed the visitor's socket itself: no reconnect. */
        boolean visitorClosedByTool;
        /** The visitor's socket said {@code closed}: it reconnects only for messages still unanswered. */
        boolean visitorSawClosed;
        long visitorOpenedNanos;
        /** When the visitor's socket last brought a frame (0: never): a sample tells a silent socket from a live one. */
        long visitorFrameNanos;
        long reconnectSince = -1;
        int reconnectAttempt;
        /** The close was asked on the visitor's socket (no agent had it): asked again after a reconnect. */
        boolean visitorCloseSent;
        final List<String> keys = new ArrayList<>();

        Chat(int index, long postNanos) {
            this.index = index;
            this.postNanos = postNanos;
        }
    }

    // ------------------------------------------------------------------ configuration and clients
    private final Options o;
    private final PrivateKey key;
    private final Consumer<String> say;
    /** session-service's instances; chats, visitors and agents are spread over them round-robin. */
    private final List<URI> sessions;
    private final URI session;
    private final URI routing;
    private final URI knowledge;
    private final Vertx vertx;
    private final Context loop;
    private HttpClient http;
    private WebSocketClient ws;
    private final String adminToken;
    private final String platformToken;
    private final Samplers samplers;

    // ------------------------------------------------------------------ measurements
    final DeliveryLedger ledger = new DeliveryLedger();
    final LatencyMetric startToOffer = new LatencyMetric("startToOffer", "chat start (POST) → agent's offer");
    final LatencyMetric acceptToJoined = new LatencyMetric("acceptToJoined", "offer.accept → visitor's agent.joined");
    final LatencyMetric visitorToAgent = new LatencyMetric("visitorToAgent", "visitor message → agent");
    final LatencyMetric agentToVisitor = new LatencyMetric("agentToVisitor", "agent message → visitor");
    final LatencyMetric toSuggestions = new LatencyMetric("messageToSuggestions", "visitor message → agent's suggestions");
    final List<LatencyMetric> metrics = List.of(startToOffer, acceptToJoined, visitorToAgent, agentToVisitor, toSuggestions);

    // everything below is touched on the event loop only
    private final Map<String, Chat> chats = new HashMap<>();
    private final List<Chat> allChats = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final Map<String, Agent> unknownOffers = new HashMap<>();
    private final Map<String, Long> ackedForSuggestion = new HashMap<>();
    private final Map<String, Long> suggestedAt = new HashMap<>();
    private final Map<String, Long> errors = new TreeMap<>();
    private final Map<Integer, Long> postStatuses = new TreeMap<>();
    private final List<String> errorSamples = new ArrayList<>();
    private Phase phase = Phase.SETUP;
    private long loadStartNanos;
    private long loadEndNanos;
    private int open;
    private long started;
    private long created;
    private long offers;
    private long offered;
    private long reOffers;
    private long foreignOffers;
    private long declinedFull;
    /**
     * Offers of another chat to an agent that already held its cap of assigned chats none of which it had asked to
     * close: routing offered beyond the cap (a slot is freed only by a close, a transfer or a lost agent, none of
     * which the simulated agents do without closing first).
     */
    private long capViolations;
    private long joined;
    private long assigned;
    private long closesSent;
    /** Chats closed over REST: no socket to close them on (a late start answer, a visitor socket that failed). */
    private long restCloses;
    /** Failed starts asked again at the clean-up with their Idempotency-Key, to close the chat session made of them. */
    private long startsRetried;
    private int retriesInFlight;
    private long closedSeen;
    /** Chats the visitor was told closed (a {@code closed} frame, or a message refused chat-closed) that the tool did not close. */
    private long closedElsewhere;
    /** Chats an agent was assigned that the tool did not know yet, and closed as foreign. */
    private final java.util.Set<String> foreignClosed = new java.util.HashSet<>();
    private long queuedFrames;
    private long suggestionFrames;
    private long socketFailures;
    private long unexpectedCloses;
    private long visitorReconnects;
    private long agentReconnects;
    /** Reconnects given up after {@link #RECONNECT_SECONDS}: the client stayed cut off (fails the run). */
    private long reconnectsFailed;
    /** Messages and closes sent again after a reconnect because they were not answered on the lost socket. */
    private long framesResent;
    /** POST /api/v1/chats asked again (same Idempotency-Key) on the next instance after an I/O error. */
    private long startRetries;
    /** Frames sent again after an {@code error {code:"busy"}}: messages, and closes and presences naming their frame. */
    private long busyResends;
    private long restCloseRetries;
    /** Chats an agent held whose close it learnt only by asking, after a reconnect (its chat.closed was lost). */
    private long closesFoundAfterReconnect;
    private Probe probe;

    /** How long a client keeps trying to reconnect (or a start to be answered) across instances before it gives up. */
    static final int RECONNECT_SECONDS = 60;

    Simulation(Options o, List<URI> sessions, URI routing, URI knowledge, PrivateKey key, Consumer<String> say) {
        this.o = o;
        this.sessions = List.copyOf(sessions);
        this.session = sessions.getFirst();
        this.routing = routing;
        this.knowledge = knowledge;
        this.key = key;
        this.say = say;
        this.samplers = new Samplers(new SplittableRandom(o.seed));
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
                .setBlockedThreadCheckInterval(10_000));
        this.loop = vertx.getOrCreateContext();
        this.adminToken = DevTokens.mint(key, "loadtest-admin", Duration.ofHours(6), "admin");
        this.platformToken = DevTokens.mint(key, "loadtest-platform", Duration.ofHours(6), "platform");
        onLoop(() -> {
            http = vertx.createHttpClient(new HttpClientOptions().setMaxPoolSize(64).setKeepAlive(true)
                    .setConnectTimeout(5000).setIdleTimeout(60));
            ws = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(100_000)
                    .setConnectTimeout(10_000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
            return null;
        });
    }

    // ================================================================== set-up (admin REST)

    /** The form, queues, rules, agents and a knowledge article this run needs; idempotent PUTs. */
    void setUp() {
        put(routing, "/api/v1/forms/" + FORM, new JsonObject().put("fields", new JsonArray()
                .add(new JsonObject().put("name", "loadtest").put("type", "select").put("required", true)
                        .put("options", new JsonArray().add("load").add("probe")))));
        put(routing, "/api/v1/queues/" + LOAD_QUEUE, new JsonObject().put("name", "Load test")
                .put("requiredSkills", new JsonObject().put("lt-load", 1)).put("priority", 0).put("offerTimeoutSeconds", 30));
        put(routing, "/api/v1/queues/" + PROBE_QUEUE, new JsonObject().put("name", "Load test probe")
                .put("requiredSkills", new JsonObject().put("lt-probe", 1)).put("priority", 0).put("offerTimeoutSeconds", 30));
        JsonArray current = new JsonArray(request(HttpMethod.GET, routing, "/api/v1/routing/rules", null, adminToken, 200).body());
        JsonArray rules = new JsonArray()
                .add(new JsonObject().put("id", "lt-probe").put("when", new JsonObject().put("loadtest", "probe"))
                        .put("queueId", PROBE_QUEUE))
                .add(new JsonObject().put("id", "lt-load").put("when", new JsonObject().put("loadtest", "load"))
                        .put("queueId", LOAD_QUEUE));
        for (Object r : current) {
            if (r instanceof JsonObject rule && !rule.getString("id", "").startsWith("lt-")) {
                rules.add(rule);
            }
        }
        request(HttpMethod.PUT, routing, "/api/v1/routing/rules", rules.encode(), adminToken, 2);
        List<Future<?>> puts = new ArrayList<>();
        for (int i = 1; i <= o.agents; i++) {
            JsonObject body = new JsonObject().put("displayName", "Load agent " + i).put("title", "Load tester")
                    .put("skills", new JsonObject().put("lt-load", 1)).put("maxConcurrentChats", o.cap);
            puts.add(requestAsync(HttpMethod.PUT, routing, "/api/v1/agents/" + agentId(i), body.encode(), adminToken));
            if (puts.size() >= 16) {
                awaitAll(puts);
            }
        }
        awaitAll(puts);
        put(routing, "/api/v1/agents/" + PROBE_AGENT, new JsonObject().put("displayName", "Load probe")
                .put("skills", new JsonObject().put("lt-probe", 1)).put("maxConcurrentChats", 1));
        put(knowledge, "/api/v1/kb/articles/" + ARTICLE, new JsonObject().put("title", "Charged twice for one order")
                .put("body", "If you were charged twice for the same order, the second charge is usually a temporary "
                        + "card authorisation that the bank releases within 3 to 5 business days. When both payments "
                        + "are completed we refund the duplicate payment in full. Check the invoice for the order number.")
                .put("language", "en").put("tags", new JsonArray().add("billing").add("refund")).put("public", true));
    }

    static String agentId(int i) {
        return String.format(Locale.ROOT, "lt-agent-%04d", i);
    }

    /** Connects every agent, sends presence AVAILABLE and waits until routing-service reports them available. */
    void connectAgents() {
        CompletableFuture<Void> all = new CompletableFuture<>();
        onLoop(() -> {
            int[] pending = {o.agents};
            for (int i = 1; i <= o.agents; i++) {
                Agent a = new Agent(i, agentId(i), DevTokens.mint(key, agentId(i), Duration.ofHours(6), "agent"));
                a.instance = i;
                agents.add(a);
                connectAgent(a, "").onComplete(ar -> {
                    if (ar.failed()) {
                        all.completeExceptionally(new IllegalStateException("agent " + a.id + " cannot connect: "
                                + ar.cause()));
                    } else if (--pending[0] == 0) {
                        all.complete(null);
                    }
                });
            }
            return null;
        });
        join(all, o.setupTimeoutSeconds);
        awaitPresence(agents.stream().map(a -> a.id).toList(), "AVAILABLE");
    }

    /**
     * Opens an agent's socket on its current instance; {@code resume} is the {@code ?resume=} value (chatId:seq,...)
     * naming the last seq it holds of each chat it has, empty on its first connection.
     */
    private Future<WebSocket> connectAgent(Agent a, String resume) {
        Map<String, Long> after = new HashMap<>();
        if (!resume.isEmpty()) {
            for (String part : resume.split(",")) {
                int colon = part.lastIndexOf(':');
                after.put(part.substring(0, colon), Long.parseLong(part.substring(colon + 1)));
            }
        }
        String query = "/ws/agent?token=" + a.token + (resume.isEmpty() ? "" : "&resume=" + resume);
        return ws.connect(wsOptions(instance(a.instance), query)).onSuccess(socket -> {
            if (a.generation > 0 && (phase == Phase.CLEANUP || phase == Phase.DONE)) {
                // a reconnect that completed once the load was over: the agent leaves at once
                socket.writeTextMessage(new JsonObject().put("type", "presence").put("status", "OFFLINE").encode());
                vertx.setTimer(300, id -> socket.close());
                return;
            }
            a.socket = socket;
            a.openedNanos = System.nanoTime();
            int generation = ++a.generation;
            socket.textMessageHandler(text -> onAgentFrame(a, text, generation, after));
            socket.closeHandler(v -> {
                if (a.socket == socket && (phase == Phase.LOAD || phase == Phase.DRAIN)) {
                    unexpectedCloses++;
                    sample("agent socket " + a.id + " closed by the server during the run: reconnecting");
                    agentReconnects++;
                    long now = System.nanoTime();
                    if (a.reconnectSince < 0 || now - a.openedNanos > TimeUnit.SECONDS.toNanos(5)) {
                        a.reconnectSince = now; // a socket that stayed up a while: a new outage, a fresh budget
                        a.reconnectAttempt = 0;
                    }
                    reconnectAgent(a);
                }
            });
            a.send(new JsonObject().put("type", "presence").put("status", "AVAILABLE"));
            if (generation > 1) {
                // what the lost socket may have swallowed: messages not acked, and closes not confirmed
                for (Chat c : a.held) {
                    c.suggestionOwedUpTo = 0; // suggestions sent while it was away are not sent again (empty ones)
                    for (String k : ledger.unanswered(c.keys, DeliveryLedger.Side.AGENT)) {
                        framesResent++;
                        a.send(new JsonObject().put("type", "message").put("chatId", c.chatId).put("clientMsgId", k)
                                .put("text", agentText(k)));
                    }
                    if (c.closeSent && c.state != ChatState.CLOSED) {
                        framesResent++;
                        a.send(new JsonObject().put("type", "close").put("chatId", c.chatId));
                    }
                }
                // a chat.closed the lost socket swallowed is not told again (the new socket is told only live chats)
                vertx.setTimer(3000, id -> after.keySet().forEach(chatId -> checkClosed(a, chats.get(chatId), 0)));
            }
        });
    }

    /**
     * After a reconnect, a chat the agent still holds here is asked for at session ({@code GET /api/v1/chats/{id}}):
     * closed there, it is closed here too (its {@code chat.closed} went to the lost socket), else its slot would look
     * taken for the rest of the run.
     */
    private void checkClosed(Agent a, Chat c, int attempt) {
        if (c == null || c.agent != a || c.state == ChatState.CLOSED || phase == Phase.DONE) {
            return;
        }
        requestAsync(HttpMethod.GET, instance(a.instance + attempt), "/api/v1/chats/" + c.chatId, null, platformToken)
                .onComplete(ar -> {
                    if (ar.failed() || ar.result().status() >= 500) {
                        if (attempt < 5) { // an instance away or busy: asked again, on the next one
                            vertx.setTimer(backoffMillis(attempt + 3), id -> checkClosed(a, c, attempt + 1));
                        }
                        return;
                    }
                    Http r = ar.result();
                    if (r.status() == 200 && "CLOSED".equals(new JsonObject(r.body()).getString("status"))
                            && c.state != ChatState.CLOSED) {
                        closesFoundAfterReconnect++;
                        c.state = ChatState.CLOSED;
                        uncount(c);
                        a.held.remove(c);
                    }
                });
    }

    /**
     * An agent's socket closed under it (its session instance died): it connects to the next instance, naming the last
     * seq it holds of each chat it has ({@code ?resume=}), and sends again what the lost socket left unanswered. An
     * instance that refuses the connection (it is the dead one, or not back yet) is skipped after a back-off; an
     * outage's tries end after {@link #RECONNECT_SECONDS}.
     */
    private void reconnectAgent(Agent a) {
        if (phase != Phase.LOAD && phase != Phase.DRAIN) {
            return;
        }
        a.instance++;
        List<String> resume = new ArrayList<>();
        for (Chat c : a.held) {
            if (c.agent == a && c.chatId != null) {
                resume.add(c.chatId + ":" + contiguous(a.seen(c.chatId)));
            }
        }
        connectAgent(a, String.join(",", resume)).onFailure(err -> {
            if (System.nanoTime() - a.reconnectSince > TimeUnit.SECONDS.toNanos(RECONNECT_SECONDS)) {
                reconnectsFailed++;
                sample("agent " + a.id + " could not reconnect within " + RECONNECT_SECONDS + " s: " + err);
            } else {
                vertx.setTimer(backoffMillis(a.reconnectAttempt++), id -> reconnectAgent(a));
            }
        });
    }

    private static long backoffMillis(int attempt) {
        return Math.min(2000, 100L << Math.min(attempt, 5));
    }

    private URI instance(int index) {
        return sessions.get(Math.floorMod(index, sessions.size()));
    }

    /** Polls routing-service's agent list until every one of {@code ids} shows {@code presence}. */
    void awaitPresence(List<String> ids, String presence) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(o.setupTimeoutSeconds);
        Set<String> wanted = new HashSet<>(ids);
        while (true) {
            Http r = request(HttpMethod.GET, routing, "/api/v1/agents", null, adminToken, 0);
            Set<String> ok = new HashSet<>();
            if (r.status() == 200) {
                Object body = Buffer.buffer(r.body()).toJson();
                JsonArray list = body instanceof JsonArray arr ? arr : ((JsonObject) body).getJsonArray("items", new JsonArray());
                for (Object e : list) {
                    JsonObject agent = (JsonObject) e;
                    String id = agent.getString("id", agent.getString("agentId"));
                    String p = agent.getString("presence", agent.getString("status"));
                    if (wanted.contains(id) && presence.equals(p)) {
                        ok.add(id);
                    }
                }
            }
            if (ok.containsAll(wanted)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException((wanted.size() - ok.size()) + " of " + wanted.size()
                        + " agents not " + presence + " in routing-service after " + o.setupTimeoutSeconds + " s");
            }
            pause(200);
        }
    }

    // ================================================================== the load

    /** Starts the arrivals and the per-second ticker; returns at once. */
    void startLoad(Runnable everySecond) {
        onLoop(() -> {
            phase = Phase.LOAD;
            loadStartNanos = System.nanoTime();
            loadEndNanos = loadStartNanos + TimeUnit.SECONDS.toNanos(o.durationSeconds);
            scheduleArrival();
            vertx.setPeriodic(1000, id -> everySecond.run());
            return null;
        });
    }

    double elapsedSeconds() {
        return (System.nanoTime() - loadStartNanos) / 1e9;
    }

    /** Past the warm-up and not yet cleaning up: latencies count (deliveries during the drain included). */
    boolean measuring() {
        return elapsedSeconds() >= o.warmupSeconds && (phase == Phase.LOAD || phase == Phase.DRAIN);
    }

    /** Whether the per-second ticker should still sample (it stops once the clean-up starts). */
    boolean ticking() {
        return phase == Phase.LOAD || phase == Phase.DRAIN;
    }

    private void scheduleArrival() {
        long gapMs = Math.max(1, samplers.exponentialGapNanos(o.arrivalRate) / 1_000_000);
        vertx.setTimer(gapMs, id -> {
            if (phase != Phase.LOAD || System.nanoTime() >= loadEndNanos) {
                return;
            }
            if (open < o.chats && started < o.maxChats) {
                startChat();
            } else if (open < o.chats && maxChatsReachedAt < 0) {
                maxChatsReachedAt = elapsedSeconds(); // no new chat from now on: the report says so
            }
            scheduleArrival();
        });
    }

    /** When --max-chats stopped new chats during the load (seconds into the run), or -1. */
    private double maxChatsReachedAt = -1;

    /** Chat starts sent and not answered yet: the drain waits for them (a start sent just before the load ended). */
    private int startsInFlight;

    private void startChat() {
        Chat c = new Chat((int) ++started, System.nanoTime());
        allChats.add(c);
        open++;
        startsInFlight++;
        String firstKey = "c" + c.index + "-m0";
        postStartRetrying(c, 0, System.nanoTime()).onComplete(ar -> {
            startsInFlight--;
            JsonObject answer = ar.succeeded() ? ar.result() : null;
            if (answer == null) {
                if (ar.failed()) {
                    c.startFailed = true;
                    postStatuses.merge(ar.cause() instanceof Unavailable ? 503 : 0, 1L, Long::sum);
                    sample("POST /api/v1/chats failed: " + ar.cause());
                    if (phase == Phase.CLEANUP || phase == Phase.DONE) {
                        closeFailedStart(c); // failed after the clean-up asked the others again
                    }
                }
                c.state = ChatState.CLOSED;
                c.counted = false;
                open--;
                return;
            }
            created++;
            c.chatId = answer.getString("chatId");
            c.visitorToken = answer.getString("visitorToken");
            c.state = ChatState.WAITING;
            chats.put(c.chatId, c);
            c.toolClosed |= foreignClosed.contains(c.chatId); // closed as foreign before its POST was answered
            if (phase == Phase.CLEANUP || phase == Phase.DONE) {
                // answered after the clean-up closed the others: closed too, so no chat of the run is left waiting
                uncount(c);
                closeOverRest(c);
                return;
            }
            c.keys.add(firstKey);
            c.visitorSeen.set(1); // the start form's message: seq 1, stored before the 201
            ledger.sent(firstKey, c.chatId, DeliveryLedger.Side.VISITOR, c.postNanos, true);
            Agent early = unknownOffers.remove(c.chatId);
            if (early != null) {
                handleOffer(early, c, false); // held back until the POST answered: its deadline unknown here
            }
            openVisitor(c);
        });
    }

    /**
     * The chat's start on its instance; after an I/O error (the instance died, or refuses connections until it is back)
     * asked again, with the same Idempotency-Key, on the next instance after a back-off, for up to
     * {@link #RECONNECT_SECONDS}: as a platform's client behind a load balancer would.
     */
    private Future<JsonObject> postStartRetrying(Chat c, int attempt, long sinceNanos) {
        int at = c.index + attempt;
        return postStart(c, true, at).map(answer -> {
            c.instance = at;
            return answer;
        }).recover(err -> {
            if ((phase != Phase.LOAD && phase != Phase.DRAIN)
                    || System.nanoTime() - sinceNanos > TimeUnit.SECONDS.toNanos(RECONNECT_SECONDS)) {
                return Future.failedFuture(err);
            }
            startRetries++;
            if (startRetries <= 5) {
                sample("POST /api/v1/chats to " + instance(at) + " failed, asked again on the next instance: " + err);
            }
            Promise<JsonObject> next = Promise.promise();
            vertx.setTimer(backoffMillis(attempt), id -> postStartRetrying(c, attempt + 1, sinceNanos).onComplete(next));
            return next.future();
        });
    }

    /**
     * The chat's {@code POST /api/v1/chats} (the same body and {@code Idempotency-Key} each time for one chat) to
     * session instance {@code at}: its 201 body, or null for another status; {@code count}: the status counts in the
     * report.
     */
    private io.vertx.core.Future<JsonObject> postStart(Chat c, boolean count, int at) {
        JsonObject body = new JsonObject().put("formId", FORM)
                .put("visitor", new JsonObject().put("name", "Visitor " + c.index).put("email", "v" + c.index + "@example.com")
                        .put("locale", "en").put("customerId", "lt-" + o.runId + "-" + c.index))
                .put("form", new JsonObject().put("loadtest", "load"))
                .put("message", text("c" + c.index + "-m0", c.index));
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(instance(at).resolve("/api/v1/chats").toString())
                .putHeader("Content-Type", "application/json").putHeader("Idempotency-Key", o.runId + "-" + c.index)
                .putHeader("Authorization", "Bearer " + platformToken);
        return http.request(req).compose(r -> r.send(body.toBuffer()).compose(resp -> resp.body().compose(b -> {
            if (resp.statusCode() == 503) {
                // the instance cannot serve it now (its store down or busy), nothing made: asked again like an I/O error
                return Future.failedFuture(new Unavailable(b.toString()));
            }
            if (count) {
                postStatuses.merge(resp.statusCode(), 1L, Long::sum);
            }
            return Future.succeededFuture(resp.statusCode() == 201 ? b.toJsonObject() : null);
        })));
    }

    /** A 503 answer: the service could not serve the request now (nothing was made); asked again. */
    static final class Unavailable extends RuntimeException {
        Unavailable(String body) {
            super("HTTP 503: " + body, null, false, false);
        }
    }

    private String text(String key, int chatIndex) {
        return "[lt " + key + "] " + PHRASES[Math.floorMod(chatIndex + key.hashCode(), PHRASES.length)];
    }

    /** The key the tool embedded in a message text, or null. */
    static String keyOf(String text) {
        if (text == null || !text.startsWith("[lt ")) {
            return null;
        }
        int end = text.indexOf(']');
        return end < 0 ? null : text.substring(4, end);
    }

    private void openVisitor(Chat c) {
        c.reconnectSince = System.nanoTime();
        connectVisitor(c);
    }

    /**
     * Whether the visitor needs its socket (again): during the load, unless the tool closed it, while the chat is open,
     * or while messages it sent are unanswered (a resend is acknowledged, or refused as the chat is closed).
     */
    private boolean visitorNeedsSocket(Chat c) {
        return (phase == Phase.LOAD || phase == Phase.DRAIN) && !c.visitorClosedByTool
                && ((c.state != ChatState.CLOSED && !c.visitorSawClosed) || !ledger.unanswered(c.keys, DeliveryLedger.Side.VISITOR).isEmpty());
    }

    /**
     * Opens the visitor's socket on the chat's current instance with {@code ?afterSeq=}: the last seq up to which the
     * visitor holds every message (1, the start form's, on its first connection), so what it missed comes first, then
     * live ones. A failure during the load moves to the next instance after a back-off; an outage's tries end after
     * {@link #RECONNECT_SECONDS}.
     */
    private void connectVisitor(Chat c) {
        long afterSeq = contiguous(c.visitorSeen);
        String query = "/ws/visitor/" + c.chatId + "?token=" + c.visitorToken + "&afterSeq=" + afterSeq;
        ws.connect(wsOptions(instance(c.instance), query)).onComplete(ar -> {
            if (ar.failed()) {
                if (!visitorNeedsSocket(c)) {
                    c.reconnecting = false;
                } else if (System.nanoTime() - c.reconnectSince > TimeUnit.SECONDS.toNanos(RECONNECT_SECONDS)) {
                    c.reconnecting = false;
                    if (c.visitorGeneration == 0) {
                        socketFailures++;
                    } else {
                        reconnectsFailed++;
                    }
                    sample("visitor socket for " + c.chatId + " failed for " + RECONNECT_SECONDS + " s: " + ar.cause());
                } else {
                    c.reconnecting = true;
                    c.instance++;
                    vertx.setTimer(backoffMillis(c.reconnectAttempt++), id -> connectVisitor(c));
                }
                return;
            }
            WebSocket socket = ar.result();
            if (phase == Phase.DONE || c.visitorClosedByTool) {
                socket.close(); // opened after the run, or the tool, closed the visitor's socket
                return;
            }
            boolean first = c.visitorGeneration == 0;
            int generation = ++c.visitorGeneration;
            c.visitor = socket;
            c.visitorOpen = true;
            c.reconnecting = false;
            c.visitorOpenedNanos = System.nanoTime();
            socket.textMessageHandler(t -> onVisitorFrame(c, t, generation, afterSeq));
            socket.closeHandler(v -> {
                if (c.visitor != socket) {
                    return;
                }
                c.visitorOpen = false;
                if (visitorNeedsSocket(c)) {
                    // its session instance died: on to the next one, from the last seq it holds
                    visitorReconnects++;
                    long now = System.nanoTime();
                    if (now - c.visitorOpenedNanos > TimeUnit.SECONDS.toNanos(5)) {
                        c.reconnectSince = now; // a socket that stayed up a while: a new outage, a fresh budget
                        c.reconnectAttempt = 0;
                    }
                    c.reconnecting = true;
                    c.instance++;
                    if (c.reconnectAttempt == 0) {
                        c.reconnectAttempt++;
                        connectVisitor(c);
                    } else {
                        vertx.setTimer(backoffMillis(c.reconnectAttempt++), id -> connectVisitor(c));
                    }
                }
            });
            for (String k : ledger.unanswered(c.keys, DeliveryLedger.Side.VISITOR)) {
                framesResent++;
                socket.writeTextMessage(new JsonObject().put("type", "message").put("clientMsgId", k)
                        .put("text", text(k, c.index)).encode());
            }
            if (c.visitorCloseSent && c.state != ChatState.CLOSED && !c.visitorSawClosed) {
                framesResent++;
                socket.writeTextMessage(new JsonObject().put("type", "close").encode());
            }
            if (c.pendingAccept != null) {
                accept(c.pendingAccept, c);
            }
            if (first) {
                scheduleVisitorMessage(c);
            }
        });
    }

    private void scheduleVisitorMessage(Chat c) {
        if (o.messageRate <= 0) {
            return;
        }
        double rate = o.perVisitorRate() * o.messageFactorAt(elapsedSeconds());
        long gapMs = Math.max(1, samplers.exponentialGapNanos(rate) / 1_000_000);
        vertx.setTimer(gapMs, id -> {
            if (phase != Phase.LOAD || System.nanoTime() >= loadEndNanos || (!c.visitorOpen && !c.reconnecting)
                    || c.state == ChatState.CLOSING || c.state == ChatState.CLOSED || c.visitorSawClosed) {
                // a visitor who was told the chat closed types no more (the widget's input closes): a message written
                // then could race the tool's own close of the socket and stay unanswered
                return;
            }
            String key = "c" + c.index + "-v" + (++c.sent);
            c.keys.add(key);
            ledger.sent(key, c.chatId, DeliveryLedger.Side.VISITOR, System.nanoTime(), false);
            if (c.visitorOpen) {
                c.visitor.writeTextMessage(new JsonObject().put("type", "message").put("clientMsgId", key)
                        .put("text", text(key, c.index)).encode());
            } // else kept, as a widget keeps it, and sent once the socket is open again
            scheduleVisitorMessage(c);
        });
    }

    private void onVisitorFrame(Chat c, String raw, int generation, long resumedAfter) {
        long now = System.nanoTime();
        c.visitorFrameNanos = now;
        JsonObject f = new JsonObject(raw);
        switch (f.getString("type", "")) {
            case "ack" -> {
                long seq = f.getLong("seq", -1L);
                if (seq > 0 && seq < Integer.MAX_VALUE) {
                    c.visitorSeen.set((int) seq);
                }
                DeliveryLedger.Message m = ledger.acked(f.getString("clientMsgId"), seq);
                if (m != null) {
                    suggestionAnchor(c.chatId, m.ackSeq, m.sentNanos);
                    if (c.joined && m.sentNanos > c.joinedNanos) {
                        // sent after the visitor saw agent.joined, so posted after the assignment: session sends this
                        // message's suggestions live to the agent holding the chat
                        c.suggestionOwedUpTo = Math.max(c.suggestionOwedUpTo, m.ackSeq);
                    }
                }
            }
            case "agent.joined" -> {
                c.joinedNanos = now; // again after a requeue: the suggestions owed count from the new agent on
                if (!c.joined) {
                    c.joined = true;
                    joined++;
                    if (c.acceptNanos > 0) {
                        record(acceptToJoined, now - c.acceptNanos);
                    }
                }
            }
            case "message" -> {
                long seq = f.getLong("seq", -1L);
                if (seq > 0 && seq < Integer.MAX_VALUE) {
                    c.visitorSeen.set((int) seq);
                }
                if ("visitor".equals(f.getString("from"))) {
                    return; // its own, sent again after a resume: it holds it already (the ack named its seq)
                }
                String key = keyOf(f.getString("text"));
                DeliveryLedger.Outcome out = ledger.received("visitor:" + c.chatId + "#" + generation, c.chatId, seq, key, now,
                        resumedAfter);
                if (out == DeliveryLedger.Outcome.DELIVERED || out == DeliveryLedger.Outcome.REORDERED) {
                    record(agentToVisitor, now - ledger.message(key).sentNanos);
                }
            }
            case "queued" -> queuedFrames++;
            case "closed" -> {
                closedElsewhere(c, "closed by " + f.getString("by"));
                c.visitorSawClosed = true;
                closeWhenAnswered(c, System.nanoTime() + 5_000_000_000L);
            }
            case "error" -> error("visitor", f, null, c);
            default -> {
                // typing, read, transferred: not measured
            }
        }
    }

    private void onAgentFrame(Agent a, String raw, int generation, Map<String, Long> resumedAfter) {
        long now = System.nanoTime();
        JsonObject f = new JsonObject(raw);
        String chatId = f.getString("chatId");
        Chat c = chatId == null ? null : chats.get(chatId);
        switch (f.getString("type", "")) {
            case "offer" -> {
                offers++;
                if (c == null) {
                    // the POST's answer may still be on its way; unknown after 5 s means a chat from elsewhere
                    unknownOffers.put(chatId, a);
                    vertx.setTimer(5000, id -> {
                        if (unknownOffers.remove(chatId, a)) {
                            foreignOffers++;
                            a.send(new JsonObject().put("type", "offer.accept").put("chatId", chatId));
                        }
                    });
                } else {
                    // an offer delivered after its deadline (session forwards one up to 2 s late) may find the slot
                    // it was made for already given to another chat: not counted against the cap
                    handleOffer(a, c, !expired(f.getString("expiresAt")));
                }
            }
            case "chat.assigned" -> {
                if (c == null) {
                    if (chatId != null && phase != Phase.DONE) {
                        foreignClosed.add(chatId); // a POST answered later than this names a chat the tool closed
                        a.send(new JsonObject().put("type", "close").put("chatId", chatId)); // a foreign chat: free the slot
                    }
                } else if (!c.assigned) {
                    c.assigned = true;
                    assigned++;
                    if (c.state == ChatState.ACCEPTED || c.state == ChatState.WAITING) {
                        c.state = ChatState.ACTIVE;
                    }
                    long handleMs = (long) (samplers.lognormal(o.handleMedianSeconds, o.handleSigma) * 1000);
                    vertx.setTimer(Math.max(1, handleMs), id -> beginClose(c));
                }
            }
            case "message" -> {
                long seq = f.getLong("seq", -1L);
                if (seq > 0 && seq < Integer.MAX_VALUE && chatId != null) {
                    a.seen(chatId).set((int) seq);
                }
                if (!"visitor".equals(f.getString("from"))) {
                    return;
                }
                String key = keyOf(f.getString("text"));
                DeliveryLedger.Outcome out = ledger.received("agent:" + a.id + "#" + generation, chatId, seq, key, now,
                        resumedAfter.getOrDefault(chatId, Long.MAX_VALUE));
                if (out == DeliveryLedger.Outcome.DELIVERED || out == DeliveryLedger.Outcome.REORDERED) {
                    DeliveryLedger.Message m = ledger.message(key);
                    if (!m.fromPost) {
                        record(visitorToAgent, now - m.sentNanos);
                    }
                    if (c != null && phase == Phase.LOAD && samplers.chance(o.replyRatio)) {
                        long thinkMs = (long) samplers.uniform(50, 250);
                        vertx.setTimer(thinkMs, id -> agentReply(a, c));
                    }
                }
            }
            case "ack" -> {
                long seq = f.getLong("seq", -1L);
                DeliveryLedger.Message m = ledger.acked(f.getString("clientMsgId"), seq);
                if (m != null && seq > 0 && seq < Integer.MAX_VALUE) {
                    a.seen(m.chatId).set((int) seq);
                }
            }
            case "suggestions" -> {
                suggestionFrames++;
                if (c != null) {
                    c.suggestedUpTo = Math.max(c.suggestedUpTo, f.getLong("forSeq", -1L));
                }
                String k = chatId + "#" + f.getLong("forSeq", -1L);
                Long sent = ackedForSuggestion.remove(k);
                if (sent != null) {
                    record(toSuggestions, now - sent);
                } else {
                    suggestedAt.putIfAbsent(k, now);
                }
            }
            case "chat.closed" -> {
                if (c != null && c.state != ChatState.CLOSED) {
                    closedSeen++;
                    c.state = ChatState.CLOSED;
                    uncount(c);
                }
                if (c != null && c.agent != null) {
                    c.agent.held.remove(c);
                }
            }
            case "chat.transferred" -> {
                // the chat left this agent (a transfer or a requeue): its slot is no longer this agent's, and the chat
                // may be offered to another one
                if (c != null && c.agent == a) {
                    a.held.remove(c);
                    c.agent = null;
                    c.assigned = false;
                    if (c.state == ChatState.ACTIVE || c.state == ChatState.ACCEPTED) {
                        c.state = ChatState.WAITING;
                    }
                    // suggestions sent meanwhile reach no agent, and empty ones are not kept for the next: none owed
                    c.suggestionOwedUpTo = 0;
                    c.joinedNanos = Long.MAX_VALUE;
                }
            }
            case "capacity" -> a.reportedActive = f.getInteger("active", -1);
            case "presence" -> {
                // routing set the agent AWAY (a missed offer): like a person, the agent makes itself available again
                if ("AWAY".equals(f.getString("status")) && phase != Phase.CLEANUP && phase != Phase.DONE) {
                    a.send(new JsonObject().put("type", "presence").put("status", "AVAILABLE"));
                }
            }
            case "error" -> error("agent", f, a, null);
            default -> {
                // typing, read: not measured
            }
        }
    }

    private static boolean expired(String expiresAt) {
        try {
            return expiresAt != null && java.time.Instant.parse(expiresAt).isBefore(java.time.Instant.now());
        } catch (java.time.format.DateTimeParseException e) {
            return false;
        }
    }

    /** @param checkCap whether this offer counts against the cap check (a live offer, not one that arrived expired) */
    private void handleOffer(Agent a, Chat c, boolean checkCap) {
        long now = System.nanoTime();
        if (c.offerNanos < 0) {
            c.offerNanos = now;
            offered++;
            record(startToOffer, now - c.postNanos);
        } else {
            reOffers++;
        }
        if (c.assigned) {
            if (c.agent != a) {
                a.send(new JsonObject().put("type", "offer.decline").put("chatId", c.chatId).put("reason", "taken"));
            }
            return;
        }
        if (c.agent == a) {
            // offered again to the same agent before the assignment: the first accept did not count, accept again
            accept(a, c);
            return;
        }
        if (c.agent != null) {
            // offered to another agent before the assignment (the first offer expired): the new one takes it
            c.agent.held.remove(c);
            c.agent = null;
        }
        long assignedOpen = a.held.stream().filter(h -> h.assigned && !h.closeSent).count();
        if (checkCap && assignedOpen >= o.cap && (phase == Phase.LOAD || phase == Phase.DRAIN)) {
            capViolations++;
            sample("cap: " + a.id + " offered " + c.chatId + " while it held " + assignedOpen + " assigned chats (cap " + o.cap + ")");
        }
        if (a.held.size() >= o.cap) {
            declinedFull++;
            a.send(new JsonObject().put("type", "offer.decline").put("chatId", c.chatId).put("reason", "full"));
            return;
        }
        c.agent = a;
        a.held.add(c);
        c.state = ChatState.ACCEPTED;
        if (c.visitorOpen) {
            accept(a, c);
        } else {
            // accept once the visitor listens, so that agent.joined can be timed (at most 2 s later)
            c.pendingAccept = a;
            vertx.setTimer(2000, id -> {
                if (c.pendingAccept != null) {
                    accept(a, c);
                }
            });
        }
    }

    /** Sends offer.accept (again, for a repeated offer); accept→agent.joined is timed from the latest accept. */
    private void accept(Agent a, Chat c) {
        c.pendingAccept = null;
        c.acceptNanos = System.nanoTime();
        a.send(new JsonObject().put("type", "offer.accept").put("chatId", c.chatId));
    }

    private void agentReply(Agent a, Chat c) {
        if (phase != Phase.LOAD || System.nanoTime() >= loadEndNanos || c.state != ChatState.ACTIVE) {
            return;
        }
        String key = "c" + c.index + "-a" + (++c.sent);
        c.keys.add(key);
        ledger.sent(key, c.chatId, DeliveryLedger.Side.AGENT, System.nanoTime(), false);
        a.send(new JsonObject().put("type", "message").put("chatId", c.chatId).put("clientMsgId", key)
                .put("text", agentText(key)));
    }

    private static String agentText(String key) {
        return "[lt " + key + "] Sorry about that, I am checking your payments now";
    }

    /** After the handle time: stop the chat's messages, let what was sent arrive (at most 3 s), then close. */
    private void beginClose(Chat c) {
        if (c.state != ChatState.ACTIVE) {
            return;
        }
        c.state = ChatState.CLOSING;
        c.toolClosed = true;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        vertx.setPeriodic(100, id -> {
            if (ledger.allDelivered(c.keys) || System.nanoTime() > deadline || c.state == ChatState.CLOSED) {
                vertx.cancelTimer(id);
                sendClose(c);
            }
        });
    }

    private void sendClose(Chat c) {
        c.toolClosed = true;
        if (c.state == ChatState.CLOSED) {
            return;
        }
        closesSent++;
        uncount(c);
        if (c.agent != null && c.acceptNanos > 0 && (c.agent.open() || phase == Phase.LOAD || phase == Phase.DRAIN)) {
            // during the load a reconnecting agent sends it again once connected; after it, none reconnects
            c.closeSent = true;
            c.agent.send(new JsonObject().put("type", "close").put("chatId", c.chatId));
        } else if (c.visitorOpen) {
            c.visitorCloseSent = true; // asked again if the socket is lost under it
            c.visitor.writeTextMessage(new JsonObject().put("type", "close").encode());
        } else {
            closeOverRest(c); // no socket to close it on (the visitor's failed or is not open yet): not left waiting
        }
    }

    /**
     * A start the tool gave up on (a timeout): session may have created the chat all the same. The same
     * Idempotency-Key answers with that chat (or creates it now), which is then closed, so none is left waiting.
     */
    private void closeFailedStart(Chat c) {
        startsRetried++;
        retriesInFlight++;
        postStart(c, false, c.index + 1).onComplete(ar -> {
            retriesInFlight--;
            if (ar.succeeded() && ar.result() != null && c.chatId == null) {
                c.chatId = ar.result().getString("chatId");
                closeOverRest(c);
            }
        });
    }

    /** {@code POST /api/v1/chats/{id}/close} as the platform: for a chat the tool holds no socket of. */
    private void closeOverRest(Chat c) {
        c.toolClosed = true;
        restCloses++;
        closeOverRest(c, 0, System.nanoTime());
    }

    /**
     * One try on instance {@code c.instance + attempt}; an I/O error or a 503 tries the next instance after a back-off,
     * for up to {@link #RECONNECT_SECONDS}.
     */
    private void closeOverRest(Chat c, int attempt, long sinceNanos) {
        RequestOptions req = new RequestOptions().setMethod(HttpMethod.POST)
                .setAbsoluteURI(instance(c.instance + attempt).resolve("/api/v1/chats/" + c.chatId + "/close").toString())
                .putHeader("Authorization", "Bearer " + platformToken);
        http.request(req).compose(r -> r.send().map(HttpClientResponse::statusCode)).onComplete(ar -> {
            boolean again = ar.failed() || ar.result() == 503;
            if (again && System.nanoTime() - sinceNanos < TimeUnit.SECONDS.toNanos(RECONNECT_SECONDS)) {
                restCloseRetries++;
                vertx.setTimer(backoffMillis(attempt + 2), id -> closeOverRest(c, attempt + 1, sinceNanos));
            } else if (ar.failed() || ar.result() != 200) {
                sample("REST close of " + c.chatId + " failed: " + (ar.failed() ? ar.cause() : "HTTP " + ar.result()));
            }
        });
    }

    private void uncount(Chat c) {
        if (c.counted) {
            c.counted = false;
            open--;
        }
    }

    private void suggestionAnchor(String chatId, long seq, long sentNanos) {
        String k = chatId + "#" + seq;
        Long at = suggestedAt.remove(k);
        if (at != null) {
            record(toSuggestions, at - sentNanos);
        } else {
            ackedForSuggestion.put(k, sentNanos);
        }
    }

    private void record(LatencyMetric metric, long nanos) {
        metric.recordNanos(nanos);
    }

    /**
     * The chat closed: the visitor's socket closes once each message it sent was answered (an ack, or the error that
     * refused a message sent as the chat closed), at most until {@code deadlineNanos}. Closing at once cut those
     * answers off, and the messages counted as unacknowledged (11 in a light run, 2026-12-06).
     */
    private void closeWhenAnswered(Chat c, long deadlineNanos) {
        if (ledger.answered(c.keys) || System.nanoTime() > deadlineNanos) {
            c.visitorClosedByTool = true;
            c.visitor.close();
        } else {
            vertx.setTimer(20, id -> closeWhenAnswered(c, deadlineNanos));
        }
    }

    /**
     * The visitor learned that the chat closed ({@code how}): counted and sampled once when the tool did not close it;
     * true when it was counted.
     */
    private boolean closedElsewhere(Chat c, String how) {
        if (c.toolClosed || c.visitorSawClosed) {
            return false;
        }
        closedElsewhere++;
        sample("chat " + c.chatId + " (c" + c.index + ") " + how + ", while the tool had it " + c.state
                + (c.agent == null ? "" : " with " + c.agent.id));
        return true;
    }

    /**
     * Error codes that refuse a message for good (nothing stored). Others are not refusals: {@code busy} and
     * {@code rate-limited} are sent again, as the widget and the desk do ({@link #resendWhenBusy}); after
     * {@code internal} the tool does not resend, so such a message stays unacknowledged.
     */
    private static final java.util.Set<String> FINAL_REFUSALS = java.util.Set.of("chat-closed", "chat-not-found", "not-assigned", "validation");

    private void error(String side, JsonObject f, Agent agent, Chat visitorChat) {
        String refusedKey = f.getString("clientMsgId");
        if (refusedKey != null && FINAL_REFUSALS.contains(f.getString("code", ""))) {
            ledger.refused(refusedKey, f.getString("code"));
        }
        if (visitorChat != null && "chat-closed".equals(f.getString("code"))
                && closedElsewhere(visitorChat, "refused a message as closed before the visitor was told it closed")) {
            visitorChat.visitorSawClosed = true; // as a widget does: the chat is over, the input closes
        }
        if (refusedKey != null && ("busy".equals(f.getString("code")) || "rate-limited".equals(f.getString("code")))) {
            resendWhenBusy(refusedKey, agent);
        } else if ("busy".equals(f.getString("code")) && ("close".equals(f.getString("frame"))
                || "presence".equals(f.getString("frame")))) {
            resendFrameWhenBusy(f, agent, visitorChat);
        }
        errors.merge(side + ":" + f.getString("code", "?"), 1L, Long::sum);
        sample(side + " error frame: " + f.encode());
    }

    /**
     * {@code error {code:"busy"}}: nothing was stored (a store down or overloaded), and the client resends with the same
     * clientMsgId, as the widget and the desktop do: 0.5 s after each such answer, while the run lasts. A message that a
     * reconnect sends again meanwhile is answered once (session stores a clientMsgId once).
     */
    private void resendWhenBusy(String key, Agent agent) {
        DeliveryLedger.Message m = ledger.message(key);
        Chat c = m == null ? null : chats.get(m.chatId);
        if (c == null || m.fromPost) {
            return;
        }
        vertx.setTimer(500, id -> {
            if (phase == Phase.DONE || m.acked() || m.refused != null) {
                return;
            }
            busyResends++;
            if (m.from == DeliveryLedger.Side.VISITOR) {
                if (c.visitorOpen) {
                    c.visitor.writeTextMessage(new JsonObject().put("type", "message").put("clientMsgId", key)
                            .put("text", text(key, c.index)).encode());
                }
            } else if (agent != null) {
                agent.send(new JsonObject().put("type", "message").put("chatId", c.chatId).put("clientMsgId", key)
                        .put("text", agentText(key)));
            }
        });
    }

    /**
     * {@code error {code:"busy", frame:"close"|"presence"}} (session names the frame since the nineteenth stop): a close
     * or a presence that was not done is sent again 0.5 s later, as the widget and the desktop do (after 1.5 s): a
     * close unless the chat has closed meanwhile, a presence with the status the agent wants now.
     */
    private void resendFrameWhenBusy(JsonObject f, Agent agent, Chat visitorChat) {
        String frame = f.getString("frame");
        Chat c = visitorChat != null ? visitorChat : f.getString("chatId") == null ? null : chats.get(f.getString("chatId"));
        vertx.setTimer(500, id -> {
            if (phase == Phase.DONE) {
                return;
            }
            if ("presence".equals(frame) && agent != null) {
                busyResends++;
                agent.send(new JsonObject().put("type", "presence")
                        .put("status", phase == Phase.CLEANUP ? "OFFLINE" : "AVAILABLE"));
            } else if ("close".equals(frame) && agent != null && c != null && c.agent == agent && c.state != ChatState.CLOSED) {
                busyResends++;
                agent.send(new JsonObject().put("type", "close").put("chatId", c.chatId));
            } else if ("close".equals(frame) && visitorChat != null && c.state != ChatState.CLOSED && c.visitorOpen) {
                busyResends++;
                c.visitor.writeTextMessage(new JsonObject().put("type", "close").encode());
            }
        });
    }

    private void sample(String line) {
        if (errorSamples.size() < 50) {
            errorSamples.add(line);
        }
    }

    // ================================================================== drain and clean-up

    /** Stops the load (no new chats or messages) and waits until everything sent has arrived, at most --drain s. */
    DrainResult drain() {
        onLoop(() -> {
            phase = Phase.DRAIN;
            return null;
        });
        long t0 = System.nanoTime();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(o.drainSeconds);
        boolean complete = false;
        while (System.nanoTime() < deadline) {
            complete = onLoop(this::settled);
            if (complete) {
                break;
            }
            pause(200);
        }
        // then, within the same time and 10 s at most, the suggestions still on their way (they trail the messages when
        // knowledge lags); what has not come by the end is reported, not judged. "drained in" is the messages' time
        long drained = System.nanoTime() - t0;
        long suggestionsDeadline = Math.min(deadline, System.nanoTime() + SUGGESTIONS_WAIT_NANOS);
        while (complete && System.nanoTime() < suggestionsDeadline && onLoop(this::suggestionsAwaited) > 0) {
            pause(200);
        }
        return new DrainResult(complete, drained / 1_000_000);
    }

    record DrainResult(boolean settled, long millis) {
    }

    /**
     * Chats its agent still holds whose latest visitor message acknowledged after the agent joined has no
     * {@code suggestions} frame for it or a later message (yet). knowledge-service answers every message in a load run
     * (empty items too); session-service sends the agent holding the chat each one unless it already has a later
     * message's, and a chat that closed gets none. (Before the agent holds the chat only non-empty suggestions are kept
     * for the offer, so messages of that time are not counted.)
     */
    private long suggestionsAwaited() {
        return awaitedSuggestions().count();
    }

    /** What the drain waits at most for the suggestions still on their way, once the messages have come. */
    private static final long SUGGESTIONS_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private java.util.stream.Stream<String> awaitedSuggestions() {
        if (!o.start) {
            // only the system the tool starts answers every message (publish-empty): elsewhere most get none
            return java.util.stream.Stream.empty();
        }
        return chats.values().stream().filter(c -> c.state == ChatState.ACTIVE && c.suggestionOwedUpTo > c.suggestedUpTo)
                .map(c -> c.chatId + "#" + c.suggestionOwedUpTo);
    }

    private boolean settled() {
        if (startsInFlight > 0 || ledger.ackedUndelivered() > 0) {
            return false;
        }
        DeliveryLedger.Counts cv = ledger.counts();
        if (cv.unacked() > 0) {
            return false;
        }
        for (Chat c : chats.values()) {
            if (c.state != ChatState.CLOSED && (c.offerNanos < 0 || (c.acceptNanos > 0 && !c.assigned))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Up to {@code limit} messages answered by neither an ack nor an error naming them, each with what its chat and
     * its visitor's socket were doing: what a drain that does not settle waits for.
     */
    List<String> unansweredSamples(int limit) {
        return onLoop(() -> {
            long now = System.nanoTime();
            List<String> out = new ArrayList<>();
            for (Chat c : chats.values()) {
                for (DeliveryLedger.Side side : DeliveryLedger.Side.values()) {
                    for (String k : ledger.unanswered(c.keys, side)) {
                        if (out.size() >= limit) {
                            return out;
                        }
                        DeliveryLedger.Message m = ledger.message(k);
                        out.add(String.format(Locale.ROOT, "%s from the %s, chat %s %s, sent %.1f s ago; visitor socket %s%s%s%s, "
                                        + "generation %d, its last frame %s",
                                k, side.name().toLowerCase(Locale.ROOT), c.chatId, c.state, (now - m.sentNanos) / 1e9,
                                c.visitorOpen ? "open" : "closed", c.visitorSawClosed ? ", saw closed" : "",
                                c.visitorClosedByTool ? ", closed by the tool" : "", c.reconnecting ? ", reconnecting" : "",
                                c.visitorGeneration, c.visitorFrameNanos == 0 ? "never"
                                        : String.format(Locale.ROOT, "%.1f s ago", (now - c.visitorFrameNanos) / 1e9)));
                    }
                }
            }
            return out;
        });
    }

    /** Chats never offered, split by whether the simulated agents had room at the end of the drain. */
    record OfferCount(long unoffered, long freeSlots) {
    }

    OfferCount unoffered() {
        return onLoop(() -> {
            long unoffered = chats.values().stream().filter(c -> c.offerNanos < 0 && c.state != ChatState.CLOSED).count();
            long held = agents.stream().mapToLong(a -> a.held.size()).sum();
            return new OfferCount(unoffered, (long) o.agents * o.cap - held);
        });
    }

    /** How long the clean-up waits for chat starts still unanswered (the HTTP client's idle timeout is 60 s). */
    static final int START_WAIT_SECONDS = 130;

    /** Closes every chat still open, sets every agent OFFLINE and disconnects everyone. */
    void cleanUp() {
        onLoop(() -> {
            phase = Phase.CLEANUP;
            for (Chat c : allChats) {
                if (c.chatId != null && c.state != ChatState.CLOSED) {
                    sendClose(c);
                } else if (c.chatId == null && c.startFailed) {
                    closeFailedStart(c);
                }
            }
            return null;
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline && onLoop(() -> agents.stream().anyMatch(a -> !a.held.isEmpty()))) {
            pause(200);
        }
        // starts still unanswered end within the client's 60 s idle timeout: answered ones are closed at once, failed
        // ones asked again and closed (closeFailedStart); wait for both, so the run leaves no chat of its own waiting
        long starts = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_WAIT_SECONDS);
        while (System.nanoTime() < starts && onLoop(() -> startsInFlight > 0 || retriesInFlight > 0)) {
            pause(200);
        }
        onLoop(() -> {
            agents.forEach(a -> a.send(new JsonObject().put("type", "presence").put("status", "OFFLINE")));
            return null;
        });
        pause(500); // let the OFFLINE frames leave before the sockets close
        onLoop(() -> {
            phase = Phase.DONE;
            agents.forEach(a -> {
                if (a.socket != null) {
                    a.socket.close();
                }
            });
            allChats.forEach(c -> {
                if (c.visitor != null && !c.visitor.isClosed()) {
                    c.visitor.close();
                }
            });
            return null;
        });
    }

    // ================================================================== recovery probe

    /** The probe: a fresh agent goes AVAILABLE, a new chat starts, and must be offered within --probe-timeout. */
    record Probe(boolean offered, long offerMillis, String detail) {
    }

    Probe probe() {
        CompletableFuture<Long> offer = new CompletableFuture<>();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        CompletableFuture<WebSocket> socket = new CompletableFuture<>();
        long[] postAt = {0};
        String[] probeChat = {null};
        onLoop(() -> {
            String token = DevTokens.mint(key, PROBE_AGENT, Duration.ofHours(1), "agent");
            ws.connect(wsOptions(session, "/ws/agent?token=" + token)).onComplete(ar -> {
                if (ar.failed()) {
                    socket.completeExceptionally(ar.cause());
                    return;
                }
                WebSocket s = ar.result();
                s.textMessageHandler(raw -> {
                    JsonObject f = new JsonObject(raw);
                    String id = f.getString("chatId");
                    switch (f.getString("type", "")) {
                        case "offer" -> {
                            if (id != null && id.equals(probeChat[0]) && !offer.isDone()) {
                                offer.complete((System.nanoTime() - postAt[0]) / 1_000_000);
                            }
                            s.writeTextMessage(new JsonObject().put("type", "offer.accept").put("chatId", id).encode());
                        }
                        case "chat.assigned" -> s.writeTextMessage(new JsonObject().put("type", "close").put("chatId", id)
                                .encode());
                        case "chat.closed" -> {
                            if (id != null && id.equals(probeChat[0])) {
                                closed.complete(null);
                            }
                        }
                        default -> {
                            // nothing else matters to the probe
                        }
                    }
                });
                s.writeTextMessage(new JsonObject().put("type", "presence").put("status", "AVAILABLE").encode());
                socket.complete(s);
            });
            return null;
        });
        try {
            socket.get(o.setupTimeoutSeconds, TimeUnit.SECONDS);
            awaitPresence(List.of(PROBE_AGENT), "AVAILABLE");
            JsonObject body = new JsonObject().put("formId", FORM)
                    .put("visitor", new JsonObject().put("name", "Probe").put("email", "probe@example.com").put("locale", "en")
                            .put("customerId", "lt-probe"))
                    .put("form", new JsonObject().put("loadtest", "probe")).put("message", "[lt probe] are you there?");
            postAt[0] = System.nanoTime();
            Http r = request(HttpMethod.POST, session, "/api/v1/chats", body.encode(), platformToken, 0);
            if (r.status() != 201) {
                return new Probe(false, -1, "POST /api/v1/chats answered " + r.status() + ": " + r.body());
            }
            probeChat[0] = new JsonObject(r.body()).getString("chatId");
            long ms;
            try {
                ms = offer.get(o.probeTimeoutSeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return new Probe(false, -1, "no offer for probe chat " + probeChat[0] + " within " + o.probeTimeoutSeconds + " s");
            }
            // the probe agent has one slot: its chat must be closed before it goes OFFLINE, or a later probe finds it
            // taken (the probe runs before the load and again after it)
            try {
                closed.get(o.probeTimeoutSeconds, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return new Probe(true, ms, "probe chat " + probeChat[0] + " offered after " + ms + " ms, but not closed within "
                        + o.probeTimeoutSeconds + " s");
            }
            return new Probe(true, ms, "probe chat " + probeChat[0] + " offered after " + ms + " ms");
        } catch (Exception e) {
            return new Probe(false, -1, "probe failed: " + e);
        } finally {
            // whatever happened, the probe agent leaves: OFFLINE, then the socket closes
            socket.thenAccept(s -> onLoop(() -> {
                s.writeTextMessage(new JsonObject().put("type", "presence").put("status", "OFFLINE").encode());
                vertx.setTimer(300, id -> s.close());
                return null;
            }));
        }
    }

    // ================================================================== reading the state

    /** Counters for the progress line and the report (read on the loop). */
    Map<String, Object> counters() {
        return onLoop(() -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("chatsOpen", open);
            m.put("maxChatsReachedAtSeconds", maxChatsReachedAt < 0 ? null : Math.round(maxChatsReachedAt));
            m.put("chatsStarted", started);
            m.put("chatsCreated", created);
            m.put("chatStartsUnanswered", startsInFlight);
            m.put("offersReceived", offers);
            m.put("chatsOffered", offered);
            m.put("reOffers", reOffers);
            m.put("foreignOffers", foreignOffers);
            m.put("offersDeclinedFull", declinedFull);
            m.put("capViolations", capViolations);
            m.put("chatsAssigned", assigned);
            m.put("agentJoinedSeen", joined);
            m.put("closesSent", closesSent);
            m.put("closesOverRest", restCloses);
            m.put("startsRetriedAtCleanUp", startsRetried);
            m.put("startRetriesUnanswered", retriesInFlight);
            m.put("chatClosedSeen", closedSeen);
            m.put("chatsClosedElsewhere", closedElsewhere);
            m.put("queuedFrames", queuedFrames);
            m.put("suggestionFrames", suggestionFrames);
            m.put("chatsAwaitingSuggestions", suggestionsAwaited());
            m.put("chatsAwaitingSuggestionsSamples", awaitedSuggestions().sorted().limit(10).toList());
            m.put("socketFailures", socketFailures);
            m.put("unexpectedSocketCloses", unexpectedCloses);
            m.put("visitorReconnects", visitorReconnects);
            m.put("agentReconnects", agentReconnects);
            m.put("reconnectsFailed", reconnectsFailed);
            m.put("framesResent", framesResent);
            m.put("redeliveredAfterResume", ledger.resent());
            m.put("startRetries", startRetries);
            m.put("busyResends", busyResends);
            m.put("restCloseRetries", restCloseRetries);
            m.put("closesFoundAfterReconnect", closesFoundAfterReconnect);
            Map<String, Long> statuses = new LinkedHashMap<>();
            postStatuses.forEach((k, v) -> statuses.put(k == 0 ? "io-error" : k.toString(), v));
            m.put("postStatuses", statuses);
            m.put("errorFrames", new LinkedHashMap<>(errors));
            m.put("samples", new ArrayList<>(errorSamples));
            return m;
        });
    }

    long errorFrames() {
        return onLoop(() -> errors.values().stream().mapToLong(Long::longValue).sum());
    }

    /** Runs {@code work} on the event loop and waits for its answer. */
    <T> T onLoop(Supplier<T> work) {
        if (Vertx.currentContext() == loop) {
            return work.get();
        }
        CompletableFuture<T> f = new CompletableFuture<>();
        loop.runOnContext(v -> {
            try {
                f.complete(work.get());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        return join(f, 30);
    }

    // ================================================================== HTTP helpers

    record Http(int status, String body) {
    }

    private static WebSocketConnectOptions wsOptions(URI base, String pathAndQuery) {
        return new WebSocketConnectOptions().setHost(base.getHost()).setPort(base.getPort()).setURI(pathAndQuery);
    }

    private void put(URI base, String path, JsonObject body) {
        request(HttpMethod.PUT, base, path, body.encode(), adminToken, 2);
    }

    /** A blocking request from the main thread; {@code expect} 2 means any 2xx, 0 means no check. */
    Http request(HttpMethod method, URI base, String path, String body, String token, int expect) {
        Http r = join(toJava(requestAsync(method, base, path, body, token)), 30);
        boolean ok = switch (expect) {
            case 0 -> true;
            case 2 -> r.status() / 100 == 2;
            default -> r.status() == expect;
        };
        if (!ok) {
            throw new IllegalStateException(method + " " + base.resolve(path) + " answered " + r.status() + ": " + r.body());
        }
        return r;
    }

    private Future<Http> requestAsync(HttpMethod method, URI base, String path, String body, String token) {
        RequestOptions req = new RequestOptions().setMethod(method).setAbsoluteURI(base.resolve(path).toString())
                .putHeader("Accept", "application/json");
        if (token != null) {
            req.putHeader("Authorization", "Bearer " + token);
        }
        if (body != null) {
            req.putHeader("Content-Type", "application/json");
        }
        return http.request(req).compose(r -> (body == null ? r.send() : r.send(body))
                .compose(resp -> resp.body().map(b -> new Http(resp.statusCode(), b.toString()))));
    }

    private static <T> CompletableFuture<T> toJava(Future<T> f) {
        return f.toCompletionStage().toCompletableFuture();
    }

    private void awaitAll(List<Future<?>> futures) {
        for (Future<?> f : futures) {
            Http r = (Http) join(toJava(f), 30);
            if (r.status() / 100 != 2) {
                throw new IllegalStateException("setting up an agent failed: " + r.status() + " " + r.body());
            }
        }
        futures.clear();
    }

    private static <T> T join(CompletableFuture<T> f, int seconds) {
        try {
            return f.get(seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().toString(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("no answer within " + seconds + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A pause of the main thread between polls of another process's state (never used to synchronise the loop). */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        join(toJava(vertx.close()), 30);
    }
}
