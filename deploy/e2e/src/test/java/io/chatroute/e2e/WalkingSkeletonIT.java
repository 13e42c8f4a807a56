package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.LocalSystem;
import io.chatroute.infra.ProcFs;

/**
 * The walking skeleton, end to end: real Kafka, PostgreSQL and Redis (InfraProcess) and the four services
 * started from their packaged jars as separate processes, driven over HTTP and WebSockets only.
 *
 * <p>Agent socket -> presence AVAILABLE; POST /api/v1/chats -> 201 QUEUED; agent gets {@code offer}, accepts,
 * gets {@code chat.assigned}; the visitor gets {@code agent.joined}; messages both ways arrive in order with
 * rising {@code seq} and {@code ack}s; the agent gets {@code suggestions}; history-service's transcript holds
 * every message exactly once in seq order. Service logs: target/e2e/logs/; summary: target/e2e-logs/summary.txt.
 */
@org.junit.jupiter.api.extension.ExtendWith(E2eSystem.class)
class WalkingSkeletonIT {

    private static final Duration FRAME_WAIT = Duration.ofSeconds(30);
    private static final String AGENT_ID = "agent-e2e";
    private static final String QUEUE_ID = "e2e-billing";
    private static final String ARTICLE_ID = "e2e-double-charge";

    private static final Path LOGS = E2eSystem.LOGS;

    private static LocalSystem system;
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Http http = new Http(client);
    private static final List<WsSession> sockets = new ArrayList<>();
    private static final Map<String, String> summary = new LinkedHashMap<>();
    private static final Instant suiteStarted = Instant.now();
    private static long systemReadyMillis;

    @BeforeAll
    static void startEverything() {
        E2eSystem.Running running = E2eSystem.get(); // started once for every end-to-end test class (E2eSystem)
        system = running.system;
        systemReadyMillis = running.readyMillis;
    }

    @AfterAll
    static void stopEverything() {
        sockets.forEach(WsSession::close);
        writeSummary();
    }

    private static String token(String subject, Duration ttl, String... roles) {
        return system.token(subject, ttl, roles);
    }

    private static String url(String service, String path) {
        return system.url(service) + path;
    }

    private static String wsUrl(String path) {
        return system.node("session-service").wsUrl(path);
    }

    @Test
    void walkingSkeleton() {
        String admin = token("admin-e2e", Duration.ofHours(1), "admin");
        String agentToken = token(AGENT_ID, Duration.ofHours(1), "agent");

        // ------------------------------------------------------------ seed through the public REST APIs
        http.put(url("routing-service", "/api/v1/forms/default"), admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing","delivery"]},
                           {"name":"language","type":"select","options":["en","ru"]},
                           {"name":"email","type":"email"}]}""").expect2xx();
        http.put(url("routing-service", "/api/v1/queues/" + QUEUE_ID), admin, """
                {"name":"E2E billing","requiredSkills":{"billing":1},"priority":0,"offerTimeoutSeconds":60}""")
                .expect2xx();
        http.put(url("routing-service", "/api/v1/routing/rules"), admin, """
                [{"id":"billing","when":{"topic":"billing"},"queueId":"%s"},
                 {"id":"default","when":{},"queueId":"%s"}]""".formatted(QUEUE_ID, QUEUE_ID)).expect2xx();
        http.put(url("routing-service", "/api/v1/agents/" + AGENT_ID), admin, """
                {"displayName":"Erin Agent","title":"Billing specialist","avatarUrl":"https://example.com/erin.png",
                 "skills":{"billing":5,"lang:en":5},"maxConcurrentChats":4}""").expect2xx();
        http.put(url("knowledge-service", "/api/v1/kb/articles/" + ARTICLE_ID), admin, """
                {"title":"Charged twice for one order",
                 "body":"If you were charged twice for the same order, the second charge is usually a temporary card authorisation that the bank releases within 3 to 5 business days. When both payments are completed we refund the duplicate payment in full within 5 to 10 business days.",
                 "language":"en","tags":["billing","refund"],"public":true}""").expect2xx();

        // a note about the customer (history-service), which the offer must carry so nobody asks twice
        http.post(url("history-service", "/api/v1/customers/c-e2e-1/notes"), admin,
                "{\"text\":\"Prefers e-mail; asked about a refund before\"}", Map.of()).expect(201);

        // ------------------------------------------------------------ the agent comes online
        WsSession agent = open("/ws/agent?token=" + agentToken, "agent");
        agent.send(Map.of("type", "presence", "status", "AVAILABLE"));
        await("routing-service sees " + AGENT_ID + " AVAILABLE").atMost(FRAME_WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> agentIsAvailable(admin));

        // ------------------------------------------------------------ a visitor starts a chat
        String firstText = "Hello, I have a question about my bill";
        Instant chatPosted = Instant.now();
        Http.Response created = http.post(url("session-service", "/api/v1/chats"), null, """
                {"formId":"default","visitor":{"name":"Vera Visitor","email":"vera@example.com","locale":"en","customerId":"c-e2e-1"},
                 "form":{"topic":"billing","language":"en"},"message":"%s"}""".formatted(firstText),
                Map.of("Idempotency-Key", UUID.randomUUID().toString())).expect(201);
        JsonNode chat = created.json();
        String chatId = chat.path("chatId").asText();
        String visitorToken = chat.path("visitorToken").asText();
        assertThat(chatId).as("chatId in %s", chat).isNotBlank();
        assertThat(visitorToken).as("visitorToken").startsWith("vt_");
        assertThat(chat.path("status").asText()).as("status in %s", chat).isEqualTo("QUEUED");
        assertThat(chat.path("queueId").asText()).as("queueId in %s", chat).isEqualTo(QUEUE_ID);
        summary.put("chatId", chatId);

        WsSession visitor = open("/ws/visitor/" + chatId + "?token=" + visitorToken, "visitor");

        // ------------------------------------------------------------ offer -> accept -> assigned -> joined
        WsSession.Frame offer = agent.await("an offer for " + chatId, FRAME_WAIT, frame("offer", chatId));
        assertThat(offer.json().path("queueId").asText()).as("offer %s", offer.json()).isEqualTo(QUEUE_ID);
        // the customer's context comes with the offer, or (history-service slower than 300 ms) right after it
        JsonNode context = offer.json();
        if ("pending".equals(context.path("historyStatus").asText())) {
            context = agent.await("offer.history for " + chatId, FRAME_WAIT, frame("offer.history", chatId)).json();
        }
        assertThat(context.path("historyStatus").asText()).as("customer context %s", context).isEqualTo("ok");
        assertThat(context.path("notes")).extracting(n -> n.path("text").asText()).as("customer context %s", context)
                .containsExactly("Prefers e-mail; asked about a refund before");
        assertThat(context.path("history").isArray()).as("customer context %s", context).isTrue();
        timing("chat POST -> offer on the agent socket", chatPosted, offer.receivedAt());

        Instant accepted = Instant.now();
        agent.send(Map.of("type", "offer.accept", "chatId", chatId));
        WsSession.Frame assigned = agent.await("chat.assigned for " + chatId, FRAME_WAIT, frame("chat.assigned", chatId));
        timing("offer.accept -> chat.assigned", accepted, assigned.receivedAt());
        WsSession.Frame joined = visitor.await("agent.joined", FRAME_WAIT, f -> type(f, "agent.joined"));
        assertThat(joined.json().path("agent").path("id").asText()).as("agent.joined %s", joined.json()).isEqualTo(AGENT_ID);
        assertThat(joined.json().path("agent").path("displayName").asText()).isEqualTo("Erin Agent");
        timing("offer.accept -> agent.joined on the visitor socket", accepted, joined.receivedAt());

        // ------------------------------------------------------------ visitor -> agent (two back to back)
        String v1 = "I was charged twice for my order, please refund the duplicate payment";
        String v2 = "The order number is 4711";
        Instant v1Sent = Instant.now();
        visitor.send(Map.of("type", "message", "clientMsgId", "v-1", "text", v1));
        visitor.send(Map.of("type", "message", "clientMsgId", "v-2", "text", v2));
        long seqV1 = ackSeq(visitor, "v-1", null);
        long seqV2 = ackSeq(visitor, "v-2", null);
        WsSession.Frame gotV2 = agent.await("the visitor's second message", FRAME_WAIT, message(chatId, v2));
        timing("visitor message -> agent socket", v1Sent, agent.await("v1", FRAME_WAIT, message(chatId, v1)).receivedAt());

        // ------------------------------------------------------------ agent -> visitor (two back to back)
        String a1 = "Sorry about that, let me check your payments";
        String a2 = "I have refunded the duplicate charge";
        Instant a1Sent = Instant.now();
        agent.send(Map.of("type", "message", "chatId", chatId, "clientMsgId", "a-1", "text", a1));
        agent.send(Map.of("type", "message", "chatId", chatId, "clientMsgId", "a-2", "text", a2));
        long seqA1 = ackSeq(agent, "a-1", chatId);
        long seqA2 = ackSeq(agent, "a-2", chatId);
        visitor.await("the agent's second message", FRAME_WAIT, message(null, a2));
        timing("agent message -> visitor socket", a1Sent, visitor.await("a1", FRAME_WAIT, message(null, a1)).receivedAt());

        String v3 = "Thank you, that was quick!";
        visitor.send(Map.of("type", "message", "clientMsgId", "v-3", "text", v3));
        long seqV3 = ackSeq(visitor, "v-3", null);
        agent.await("the visitor's third message", FRAME_WAIT, message(chatId, v3));

        // acks rise with the order of sending
        assertThat(List.of(seqV1, seqV2, seqA1, seqA2, seqV3)).as("ack seqs v1, v2, a1, a2, v3").isSorted()
                .doesNotHaveDuplicates();
        assertThat(seqV1).as("the first message takes a seq before the visitor's socket messages").isGreaterThan(0);

        // the agent saw the visitor's messages exactly once, in order, with the acked seqs
        List<JsonNode> atAgent = agent.frames(f -> type(f, "message") && chatId.equals(f.path("chatId").asText())
                && "visitor".equals(f.path("from").asText()) && List.of(v1, v2, v3).contains(f.path("text").asText()))
                .stream().map(WsSession.Frame::json).toList();
        assertThat(atAgent).extracting(f -> f.path("text").asText()).containsExactly(v1, v2, v3);
        assertThat(atAgent).extracting(f -> f.path("seq").asLong()).containsExactly(seqV1, seqV2, seqV3);
        assertThat(gotV2.json().path("sentAt").asText()).as("sentAt").isNotBlank();

        // the visitor saw the agent's messages exactly once, in order, with the acked seqs
        List<JsonNode> atVisitor = visitor.frames(f -> type(f, "message") && "agent".equals(f.path("from").asText()))
                .stream().map(WsSession.Frame::json).toList();
        assertThat(atVisitor).extracting(f -> f.path("text").asText()).containsExactly(a1, a2);
        assertThat(atVisitor).extracting(f -> f.path("seq").asLong()).containsExactly(seqA1, seqA2);
        assertThat(visitor.frames(f -> type(f, "message") && "visitor".equals(f.path("from").asText())))
                .as("the visitor gets message frames only for messages from others").isEmpty();

        // ------------------------------------------------------------ knowledge suggestions for the visitor's question
        // the article reaches the agent for the question, or already for an earlier message of the chat (knowledge does
        // not repeat in a chat what it suggested there before), at most one suggestions frame per visitor message
        // (longer wait: on a loaded 2-core machine knowledge may still be searching the previous test's 1,000 messages)
        WsSession.Frame suggestions = agent.await("suggestions with " + ARTICLE_ID + " up to seq " + seqV1 + " ('" + v1 + "')",
                Duration.ofSeconds(120), f -> frame("suggestions", chatId).test(f) && f.path("forSeq").asLong() <= seqV1
                        && hasItem(f, ARTICLE_ID));
        for (long s = 1; s <= seqV1; s++) {
            long forSeq = s;
            assertThat(agent.frames(f -> frame("suggestions", chatId).test(f) && f.path("forSeq").asLong() == forSeq))
                    .as("one suggestions frame per visitor message").hasSizeLessThanOrEqualTo(1);
        }
        JsonNode item = first(suggestions.json().path("items"), i -> ARTICLE_ID.equals(i.path("articleId").asText()));
        assertThat(item.path("title").asText()).isEqualTo("Charged twice for one order");
        assertThat(item.path("language").asText()).isEqualTo("en");
        assertThat(item.path("score").isNumber()).as("numeric score in %s", item).isTrue();
        timing("visitor message -> suggestions on the agent socket", v1Sent, suggestions.receivedAt());

        // ------------------------------------------------------------ the transcript holds every message exactly once
        List<String> texts = List.of(firstText, v1, v2, a1, a2, v3);
        AtomicReference<JsonNode> transcript = new AtomicReference<>();
        Instant lastSent = Instant.now();
        await("history-service transcript of " + chatId + " with all " + texts.size() + " messages")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
                    Http.Response r = http.get(url("history-service", "/api/v1/transcripts/" + chatId), admin);
                    if (r.status() != 200) {
                        return false;
                    }
                    transcript.set(r.json());
                    List<String> seen = new ArrayList<>();
                    r.json().path("messages").forEach(m -> seen.add(m.path("text").asText()));
                    return seen.containsAll(texts);
                });
        timing("last message -> complete transcript", lastSent, Instant.now());
        JsonNode messages = transcript.get().path("messages");
        List<Long> seqs = new ArrayList<>();
        List<String> seenTexts = new ArrayList<>();
        messages.forEach(m -> {
            seqs.add(m.path("seq").asLong());
            seenTexts.add(m.path("text").asText());
        });
        assertThat(seqs).as("transcript seqs").isSorted().doesNotHaveDuplicates();
        for (String text : texts) {
            assertThat(seenTexts.stream().filter(text::equals).count()).as("'%s' in the transcript", text).isEqualTo(1);
        }
        Map<String, Long> ackedSeqs = Map.of(v1, seqV1, v2, seqV2, a1, seqA1, a2, seqA2, v3, seqV3);
        messages.forEach(m -> {
            Long acked = ackedSeqs.get(m.path("text").asText());
            if (acked != null) {
                assertThat(m.path("seq").asLong()).as("seq of '%s' in the transcript", m.path("text").asText()).isEqualTo(acked);
                assertThat(m.path("from").asText()).isEqualTo(m.path("text").asText().equals(a1)
                        || m.path("text").asText().equals(a2) ? "agent" : "visitor");
            }
        });
        long firstSeq = seqs.get(seenTexts.indexOf(firstText));
        assertThat(firstSeq).as("the first message comes before the socket messages").isLessThan(seqV1);

        // ------------------------------------------------------------ no error frames anywhere
        assertThat(agent.frames(f -> type(f, "error"))).as("error frames on the agent socket").isEmpty();
        assertThat(visitor.frames(f -> type(f, "error"))).as("error frames on the visitor socket").isEmpty();

        // ------------------------------------------------------------ footprint at idle after the flow
        for (String service : LocalSystem.SERVICES) {
            LocalSystem.Node s = system.node(service);
            long rss = ProcFs.rssKib(s.pid());
            summary.put("rss " + s.name(), rss < 0 ? "n/a" : (rss / 1024) + " MiB");
            System.out.printf("[e2e] %-18s pid %-7d RSS %s%n", s.name(), s.pid(), rss < 0 ? "n/a" : (rss / 1024) + " MiB");
        }
        summary.put("result", "PASSED");
    }

    // ---------------------------------------------------------------- helpers

    private static WsSession open(String path, String name) {
        WsSession session = WsSession.connect(client, wsUrl(path), name, LOGS);
        sockets.add(session);
        return session;
    }

    private static boolean agentIsAvailable(String admin) {
        Http.Response r = http.get(url("routing-service", "/api/v1/agents"), admin);
        if (r.status() != 200) {
            return false;
        }
        JsonNode body = r.json();
        JsonNode list = body.isArray() ? body : body.path("items");
        for (JsonNode a : list) {
            String id = a.hasNonNull("id") ? a.path("id").asText() : a.path("agentId").asText();
            if (AGENT_ID.equals(id)) {
                String status = a.hasNonNull("presence") ? a.path("presence").asText() : a.path("status").asText();
                return "AVAILABLE".equals(status);
            }
        }
        return false;
    }

    private static long ackSeq(WsSession socket, String clientMsgId, String chatId) {
        WsSession.Frame ack = socket.await("ack for " + clientMsgId, FRAME_WAIT,
                f -> type(f, "ack") && clientMsgId.equals(f.path("clientMsgId").asText()));
        if (chatId != null) {
            assertThat(ack.json().path("chatId").asText()).as("ack %s", ack.json()).isEqualTo(chatId);
        }
        assertThat(ack.json().path("seq").isIntegralNumber()).as("integer seq in %s", ack.json()).isTrue();
        return ack.json().path("seq").asLong();
    }

    private static boolean type(JsonNode frame, String type) {
        return type.equals(frame.path("type").asText());
    }

    private static Predicate<JsonNode> frame(String type, String chatId) {
        return f -> type(f, type) && chatId.equals(f.path("chatId").asText());
    }

    /** A {@code message} frame with this text (and, on the agent socket, this chat). */
    private static Predicate<JsonNode> message(String chatId, String text) {
        return f -> type(f, "message") && text.equals(f.path("text").asText())
                && (chatId == null || chatId.equals(f.path("chatId").asText()));
    }

    private static boolean hasItem(JsonNode frame, String articleId) {
        for (JsonNode item : frame.path("items")) {
            if (articleId.equals(item.path("articleId").asText())) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode first(JsonNode array, Predicate<JsonNode> filter) {
        for (JsonNode node : array) {
            if (filter.test(node)) {
                return node;
            }
        }
        throw new AssertionError("no matching element in " + array);
    }

    private static void timing(String what, Instant from, Instant to) {
        long ms = Duration.between(from, to).toMillis();
        summary.put(what, ms + " ms");
        System.out.printf("[e2e] %-52s %6d ms%n", what, ms);
    }

    private static void writeSummary() {
        StringBuilder out = new StringBuilder();
        out.append("ChatRoute end-to-end walking skeleton\n");
        out.append("finished   ").append(Instant.now()).append(" (").append(Duration.between(suiteStarted, Instant.now())
                .toSeconds()).append(" s in all)\n");
        out.append("java       ").append(System.getProperty("java.version")).append('\n');
        out.append("system     ready after ").append(systemReadyMillis).append(" ms (infrastructure and the services, shared by the e2e tests)\n");
        if (system != null) {
            for (String service : LocalSystem.SERVICES) {
                LocalSystem.Node s = system.node(service);
                out.append(String.format("%-18s port %-5d log %s%n", s.name(), s.port(), s.log()));
            }
        }
        summary.putIfAbsent("result", "FAILED (see the failsafe report and the logs here)");
        summary.forEach((k, v) -> out.append(String.format("%-52s %s%n", k, v)));
        try {
            Files.createDirectories(LOGS);
            Files.writeString(LOGS.resolve("summary.txt"), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.print(out);
    }
}
