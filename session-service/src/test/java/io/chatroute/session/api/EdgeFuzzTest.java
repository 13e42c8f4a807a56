package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.SharedInfra;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.session.persistence.Keys;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;

/**
 * Generated hostile input at every public endpoint and both sockets: wrong types, control and bidirectional
 * characters, unpaired surrogates, huge and empty values, unknown fields, forged ids and tokens, malformed JSON and
 * binary frames. Nothing answers 5xx, no socket closes (every frame is under the transport's 64 KiB cap: only a
 * bigger one closes, with 1009, tested in EdgeSafetyTest), every socket still answers afterwards, and every event the
 * edge published for these chats fits its schema and carries no control character, so no consumer downstream can
 * stall or park on what the edge let through. Generation is seeded ({@code -Dfuzz.seed=...} replays a run).
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class EdgeFuzzTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Writes every non-ASCII character as a \\u escape: how a lone surrogate can travel in a (valid UTF-8) frame. */
    private static final ObjectMapper ESCAPING = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.json.JsonWriteFeature.ESCAPE_NON_ASCII.mappedFeature());
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int REST_REQUESTS = 3_000;
    private static final int SOCKET_FRAMES = 8_000;
    /** Control characters a published event must never carry (newline and tab are allowed in message text). */
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069\\uFEFF]");

    private static KafkaTestClient kafka;
    private static List<KafkaTestClient.Event> chatEvents;
    private static List<KafkaTestClient.Event> agentEvents;

    @Inject
    RedisDataSource redis;

    private final long seed = Long.getLong("fuzz.seed", System.nanoTime());
    private final Random random = new Random(seed);
    private final Set<String> chatIds = ConcurrentHashMap.newKeySet();
    private final Set<String> agentIds = ConcurrentHashMap.newKeySet();
    private int transportRefusals;

    @BeforeAll
    static void startKafka() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    // ------------------------------------------------------------------ generators

    private static final String NASTY_CHARS = "\u0000\u0001\u0007\u0008\u000b\u001b\u007f\u0085\u009f\u200e\u200f\u202a\u202e"
            + "\u2066\u2069\ufeff\ud800\udfff\n\r\t abcXYZ019<>&\"'\\/{}[]:;,.=%$#@!?*+-_|~`^";

    private static final Arbitrary<String> TEXT = Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.strings().all().ofMaxLength(40)),
            Tuple.of(4, Arbitraries.strings().withChars(NASTY_CHARS).ofMaxLength(30)),
            Tuple.of(3, Arbitraries.of("", " ", "<img src=x onerror=alert(1)>", "' OR 1=1 --", "../../etc/passwd", "%00",
                    "null", "{}", "[]", "4111 1111 1111 1111", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ✓ שלום 你好 привет", "\u0000", "default", "AVAILABLE",
                    "general", "a@example.com", "vt_forged", "../ws/agent", "\u202Egnp.exe")),
            Tuple.of(1, Arbitraries.strings().alpha().numeric().ofMinLength(3_000).ofMaxLength(12_000)));

    private static Arbitrary<Object> json(int depth) {
        List<Tuple.Tuple2<Integer, Arbitrary<?>>> choices = new ArrayList<>(List.of(
                Tuple.of(5, TEXT),
                Tuple.of(2, Arbitraries.integers()),
                Tuple.of(1, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.doubles().between(-1e12, 1e12)),
                Tuple.of(1, Arbitraries.of(true, false)),
                Tuple.of(1, Arbitraries.just(null))));
        if (depth > 0) {
            choices.add(Tuple.of(1, json(depth - 1).list().ofMaxSize(5)));
            choices.add(Tuple.of(1, Arbitraries.maps(cut(20), json(depth - 1)).ofMaxSize(5)));
        }
        @SuppressWarnings({"unchecked", "rawtypes"})
        Arbitrary<Object> any = (Arbitrary) Arbitraries.frequencyOf(choices.toArray(Tuple.Tuple2[]::new));
        return any;
    }

    private static final Arbitrary<Object> VALUE = json(2);

    private static Arbitrary<String> cut(int max) {
        return TEXT.map(t -> t.length() > max ? t.substring(0, max) : t);
    }

    private <T> T sample(Arbitrary<T> arbitrary) {
        RandomGenerator<T> generator = arbitrary.generator(1000);
        return generator.next(random).value();
    }

    private boolean chance(double p) {
        return random.nextDouble() < p;
    }

    private Object plausibleOr(Object plausible) {
        return chance(0.5) ? plausible : sample(VALUE);
    }

    /** A start body: the contract's fields, each plausible or anything, plus unknown fields. */
    private String startBody() throws Exception {
        if (chance(0.05)) {
            return sample(TEXT); // not JSON at all
        }
        Map<String, Object> body = new LinkedHashMap<>();
        if (chance(0.9)) {
            body.put("formId", plausibleOr(chance(0.7) ? "default" : sample(TEXT)));
        }
        Map<String, Object> visitor = new LinkedHashMap<>();
        visitor.put("name", plausibleOr(sample(TEXT)));
        visitor.put("email", plausibleOr(chance(0.5) ? "a@example.com" : sample(TEXT)));
        visitor.put("locale", plausibleOr(chance(0.5) ? "ru" : sample(TEXT)));
        visitor.put("customerId", plausibleOr(sample(TEXT)));
        body.put("visitor", chance(0.8) ? visitor : sample(VALUE));
        Map<String, Object> form = new LinkedHashMap<>();
        int fields = random.nextInt(chance(0.1) ? 30 : 4);
        for (int i = 0; i < fields; i++) {
            form.put(chance(0.5) ? "topic" + i : sample(TEXT), sample(VALUE));
        }
        body.put("form", chance(0.8) ? form : sample(VALUE));
        if (chance(0.8)) {
            body.put("message", plausibleOr(sample(TEXT)));
        }
        for (int i = random.nextInt(3); i > 0; i--) {
            body.put(sample(TEXT), sample(VALUE));
        }
        return MAPPER.writeValueAsString(body);
    }

    private String anyBody(String... fields) throws Exception {
        if (chance(0.05)) {
            return sample(TEXT);
        }
        Map<String, Object> body = new HashMap<>();
        for (String f : fields) {
            if (chance(0.8)) {
                body.put(f, sample(VALUE));
            }
        }
        if (chance(0.3)) {
            body.put(sample(TEXT), sample(VALUE));
        }
        return MAPPER.writeValueAsString(chance(0.05) ? sample(VALUE) : body);
    }

    // ------------------------------------------------------------------ the test

    private record Chat(String id, String token) {
    }

    private Chat newChat() {
        Response r = given().contentType("application/json").body("{\"form\":{},\"visitor\":{\"name\":\"Fuzz\"},\"message\":\"hello\"}")
                .post("/api/v1/chats");
        assertThat(r.statusCode()).isEqualTo(201);
        Chat chat = new Chat(r.path("chatId"), r.path("visitorToken"));
        chatIds.add(chat.id());
        return chat;
    }

    private String token(List<Chat> chats) {
        return switch (random.nextInt(9)) {
            case 0 -> null;
            case 1 -> chats.get(random.nextInt(chats.size())).token();
            case 2 -> TestTokens.platform();
            case 3 -> TestTokens.supervisor();
            case 4 -> TestTokens.admin();
            case 5 -> {
                String agent = "fuzz-agent-" + random.nextInt(3);
                agentIds.add(agent);
                yield TestTokens.agent(agent);
            }
            case 6 -> "vt_" + sample(Arbitraries.strings().alpha().ofLength(43));
            case 7 -> sample(TEXT);
            default -> "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4IiwiZ3JvdXBzIjpbImFkbWluIl19.";
        };
    }

    private String chatIdFor(List<Chat> chats) {
        return switch (random.nextInt(4)) {
            case 0, 1 -> chats.get(random.nextInt(chats.size())).id();
            case 2 -> java.util.UUID.randomUUID().toString();
            default -> java.net.URLEncoder.encode(sample(TEXT), java.nio.charset.StandardCharsets.UTF_8);
        };
    }

    @Test
    void generatedRequestsAndFramesNeverBreakTheEdge() throws Exception {
        // jqwik's generators outside a jqwik property: inside a session on this thread
        net.jqwik.api.sessions.JqwikSession.start();
        try {
            fuzz();
        } finally {
            net.jqwik.api.sessions.JqwikSession.finish();
        }
    }

    private void fuzz() throws Exception {
        System.out.println("EdgeFuzzTest seed " + seed + " (replay with -Dfuzz.seed=" + seed + ")");
        List<Chat> chats = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            chats.add(newChat());
        }
        List<String> failures = new ArrayList<>();

        // ---- REST: every endpoint, any token, any body
        for (int i = 0; i < REST_REQUESTS; i++) {
            String token = token(chats);
            RequestSpecification req = given().urlEncodingEnabled(false);
            if (token != null) {
                req = req.header("Authorization", "Bearer " + token);
            }
            String chatId = chatIdFor(chats);
            String body = "";
            Response r;
            String what;
            try {
                switch (random.nextInt(7)) {
                    case 0, 1 -> {
                        body = startBody();
                        req = chance(0.2) ? req.header("Idempotency-Key", sample(cut(300))) : req;
                        r = req.contentType(chance(0.95) ? "application/json" : "text/plain").body(body).post("/api/v1/chats");
                        what = "POST /api/v1/chats " + body;
                        if (r.statusCode() == 201) {
                            chatIds.add(r.path("chatId"));
                        }
                    }
                    case 2 -> {
                        r = req.get("/api/v1/chats/" + chatId);
                        what = "GET /api/v1/chats/" + chatId;
                    }
                    case 3 -> {
                        body = anyBody("clientMsgId", "text", "from");
                        r = req.contentType("application/json").body(body).post("/api/v1/chats/" + chatId + "/messages");
                        what = "POST messages " + body;
                    }
                    case 4 -> {
                        body = anyBody("csat", "ces", "comment");
                        r = req.contentType("application/json").body(body).post("/api/v1/chats/" + chatId + "/survey");
                        what = "POST survey " + body;
                    }
                    case 5 -> {
                        body = anyBody("queueId", "agentId", "note");
                        r = req.contentType("application/json").body(body).post("/api/v1/chats/" + chatId + "/transfer");
                        what = "POST transfer " + body;
                    }
                    default -> {
                        // closing is part of the surface too, but only of forged or other chats: ours stay open for the sockets
                        String target = chance(0.5) ? java.util.UUID.randomUUID().toString() : chatId;
                        if (chats.stream().anyMatch(c -> c.id().equals(target))) {
                            continue;
                        }
                        r = req.post("/api/v1/chats/" + target + "/close");
                        what = "POST close " + target;
                    }
                }
            } catch (Exception e) {
                if (!(rootCause(e) instanceof java.net.SocketException) || !overTransportLimits(chatId, token, body)) {
                    failures.add("no answer (" + rootCause(e) + ") to a request on chat " + abbreviate(chatId));
                    continue;
                }
                // the transport answers a request line, headers or a body over its limits (414, 431, 413) and closes
                // the connection at once: a client still sending a large body sees the close before the answer. A refusal, not a break:
                // the edge must still answer the next request
                assertThat(given().get("/q/health/live").statusCode()).as("the edge after a refused request").isEqualTo(200);
                transportRefusals++;
                continue;
            }
            int status = r.statusCode();
            if (status >= 500) {
                failures.add(status + " " + abbreviate(what) + " -> " + abbreviate(r.asString()));
            } else if (status >= 400 && status != 414 && status != 431
                    && !String.valueOf(r.contentType()).startsWith("application/problem+json")) {
                // 414 (URI too long) and 431 (headers too large) come from the HTTP transport before any application
                // code: a plain refusal, still never a 5xx. A body over the limit gets 413 with a problem body (BodyLimit)
                failures.add(status + " without problem+json: " + abbreviate(what));
            }
        }

        // ---- sockets: any frame on a visitor's and an agent's socket
        String agentId = "fuzz-agent-socket";
        agentIds.add(agentId);
        Chat fuzzed = chats.get(0);
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + fuzzed.id() + "?token=" + fuzzed.token());
             WsClient agent = WsClient.connect("/ws/agent?token=" + TestTokens.agent(agentId))) {
            List<String> visitorTypes = List.of("message", "typing", "read", "resume", "survey");
            List<String> agentTypes = List.of("presence", "offer.accept", "offer.decline", "message", "typing", "read",
                    "transfer", "close", "tag", "suggestion.used", "resume");
            List<String> fields = List.of("clientMsgId", "text", "on", "upToSeq", "afterSeq", "csat", "ces", "comment", "chatId",
                    "status", "reason", "queueId", "agentId", "note", "tags", "articleId");
            for (int i = 0; i < SOCKET_FRAMES; i++) {
                boolean toAgent = i % 2 == 1;
                WsClient socket = toAgent ? agent : visitor;
                int kind = random.nextInt(20);
                if (kind == 0) {
                    socket.sendBinary(sample(TEXT).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                    continue;
                }
                if (kind == 1) {
                    String junk = sample(TEXT);
                    socket.send(junk.isEmpty() || !validPair(junk) ? " " : junk); // not JSON, or not an object
                    continue;
                }
                Map<String, Object> frame = new LinkedHashMap<>();
                List<String> types = toAgent ? agentTypes : visitorTypes;
                frame.put("type", chance(0.9) ? types.get(random.nextInt(types.size())) : sample(VALUE));
                for (int f = random.nextInt(5); f > 0; f--) {
                    String field = chance(0.8) ? fields.get(random.nextInt(fields.size())) : sample(cut(20));
                    frame.put(field, field.equals("chatId") && chance(0.5) ? chatIdFor(chats) : sample(VALUE));
                }
                if (toAgent && "presence".equals(frame.get("type")) && chance(0.5)) {
                    frame.put("status", List.of("AVAILABLE", "AWAY", "OFFLINE").get(random.nextInt(3)));
                }
                String text = MAPPER.writeValueAsString(frame);
                if (!validPair(text)) {
                    text = ESCAPING.writeValueAsString(frame); // a socket text frame must be UTF-8: escape the lone half
                }
                if (text.length() > 60_000) {
                    continue; // the transport cap closes with 1009 by design
                }
                socket.send(text);
            }
            // still open, still answering: a frame that must be refused gets its error frame
            for (WsClient socket : List.of(visitor, agent)) {
                int errors = socket.ofType("error").size();
                socket.send("{\"type\":\"no-such-frame\"}");
                await().atMost(WAIT).until(() -> socket.ofType("error").size() > errors
                        && socket.ofType("error").stream().anyMatch(e -> "unknown-type".equals(e.path("code").asText())));
                assertThat(socket.closeCode()).isEqualTo(-1);
                assertThat(socket.isOpen()).isTrue();
            }
            assertThat(visitor.frames()).allSatisfy(f -> assertThat(f.path("type").asText()).isNotEmpty());
            // refused for a reason, never because something broke inside
            for (WsClient socket : List.of(visitor, agent)) {
                assertThat(socket.ofType("error")).extracting(e -> e.path("code").asText()).doesNotContain("internal");
            }
        }
        System.out.println("EdgeFuzzTest: " + transportRefusals + " requests refused by the transport while their body was sent");
        assertThat(failures).as("requests answered 5xx or without a problem body (seed " + seed + ")").isEmpty();

        // ---- what the edge published for these chats and agents fits its schema and holds no control character
        await().atMost(WAIT).until(() -> java.util.stream.IntStream.range(0, Keys.PARTITIONS).mapToLong(p -> redis.stream(String.class).xlen(Keys.outbox(p))).sum() == 0);
        awaitCollected("chat-events", chatEvents);
        awaitCollected("agent-events", agentEvents);
        List<KafkaTestClient.Event> ours = new ArrayList<>();
        chatEvents.stream().filter(e -> chatIds.contains(e.key())).forEach(ours::add);
        agentEvents.stream().filter(e -> agentIds.contains(e.key())).forEach(ours::add);
        assertThat(ours).hasSizeGreaterThan(chats.size() * 2);
        for (KafkaTestClient.Event e : ours) {
            assertThat(e.source()).isEqualTo("/session-service");
            EventSchemas.assertValid("session-service", e.type(), e.data());
            JsonNode data = MAPPER.readTree(e.data());
            assertNoControlCharacters(e.type(), data);
        }
        // and nothing of theirs was parked by session's own consumer
        List<KafkaTestClient.Event> dead = kafka.collect("dead-letter-topic-state");
        String marker = kafka.send("dead-letter-topic-state", "marker", "marker", "/test", "{}");
        await().atMost(WAIT).until(() -> dead.stream().anyMatch(e -> marker.equals(e.id())));
        assertThat(dead).noneMatch(e -> chatIds.contains(e.key()) || agentIds.contains(e.key()));
        System.out.printf("EdgeFuzzTest: %d requests and %d frames, %d events checked%n", REST_REQUESTS, SOCKET_FRAMES, ours.size());
    }

    private static void assertNoControlCharacters(String type, JsonNode n) {
        if (n.isTextual()) {
            String text = n.asText();
            assertThat(CONTROL.matcher(text).find()).as(type + " carries a control character: " + abbreviate(text)).isFalse();
            assertThat(text.chars().anyMatch(c -> Character.isSurrogate((char) c) && !validPair(text))).as(type + " unpaired surrogate").isFalse();
        }
        n.forEach(child -> assertNoControlCharacters(type, child));
        n.fieldNames().forEachRemaining(name -> assertThat(CONTROL.matcher(name).find()).as(type + " field name").isFalse());
    }

    private static boolean validPair(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** Waits until every record on the topic so far has been collected. */
    private static void awaitCollected(String topic, List<KafkaTestClient.Event> collected) {
        Map<String, Object> props = Map.of("bootstrap.servers", SharedInfra.get().kafkaBootstrapServers());
        long end;
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> parts = c.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            end = c.endOffsets(parts).values().stream().mapToLong(Long::longValue).sum();
        }
        await().atMost(WAIT).until(() -> collected.size() >= end);
    }

    /**
     * The transport's limits: Quarkus' defaults of an initial line of 4,096 bytes and 20 KiB of headers (less a margin
     * for the rest of them), and session's body limit of 512 KiB.
     */
    private static boolean overTransportLimits(String chatId, String token, String body) {
        int uri = chatId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 40;
        int header = token == null ? 0 : token.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 2_048;
        int content = body == null ? 0 : body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return uri > 4_096 || header > 20 * 1_024 || content > 512 * 1_024;
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static String abbreviate(String s) {
        return s == null ? "null" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }
}
