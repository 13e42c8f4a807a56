package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.LocalSystem;

/**
 * Intake survives a routing-service outage, on the packaged services and real Kafka, PostgreSQL and Redis: routing-service
 * is killed (SIGKILL) while chats start. Every {@code POST /api/v1/chats} is still answered 201, QUEUED with
 * {@code routing: "pending"} and no position (honest: the place is unknown until routing-service reads the chat), and
 * once routing-service is started again every chat, those started just before the kill and those started during the
 * outage, is offered to an agent. A chat started during the outage whose form no rule takes is closed for its visitor
 * with the reason ({@code closed {by:"system", reason:"not-routed"}}), not left waiting for ever.
 */
@org.junit.jupiter.api.extension.ExtendWith(E2eSystem.class)
class IntakeOutageIT {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String QUEUE = "io-queue";
    private static final List<String> AGENTS = List.of("io-agent-1", "io-agent-2");

    private static LocalSystem system;
    private static Http http;
    private static String admin;
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final List<WsSession> SOCKETS = new ArrayList<>();

    @BeforeAll
    static void start() {
        system = E2eSystem.get().system;
        http = new Http(CLIENT);
        admin = system.token("admin-intake-outage", Duration.ofHours(1), "admin");
        String routing = system.url("routing-service");
        http.put(routing + "/api/v1/forms/outage", admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["outage"]}]}""").expect2xx();
        // a form no rule takes: with routing-service up its start is refused; accepted while it is down, it cannot be placed
        http.put(routing + "/api/v1/forms/outage-unplaced", admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["nowhere"]}]}""").expect2xx();
        http.put(routing + "/api/v1/queues/" + QUEUE, admin, """
                {"name":"Intake outage","requiredSkills":{"io":1},"offerTimeoutSeconds":300}""").expect2xx();
        for (String a : AGENTS) {
            http.put(routing + "/api/v1/agents/" + a, admin, """
                    {"displayName":"Agent %s","title":"Support","skills":{"io":3},"maxConcurrentChats":6}""".formatted(a))
                    .expect2xx();
        }
        http.put(routing + "/api/v1/routing/rules", admin, """
                [{"id":"outage","when":{"topic":"outage"},"queueId":"%s"}]""".formatted(QUEUE)).expect2xx();
    }

    @AfterAll
    static void stop() {
        SOCKETS.forEach(WsSession::close);
        // routing-service runs again whatever happened (the other tests share the system)
        system.nodes("routing-service").stream().filter(n -> !n.alive()).forEach(system::restart);
    }

    @Test
    void chatsStartedWhileRoutingIsDownAreAcceptedAndOfferedWhenItComesBack() {
        List<WsSession> agents = new ArrayList<>();
        for (String a : AGENTS) {
            WsSession s = WsSession.connect(CLIENT, system.node("session-service")
                    .wsUrl("/ws/agent?token=" + system.token(a, Duration.ofHours(1), "agent")), a, E2eSystem.LOGS);
            SOCKETS.add(s);
            agents.add(s);
            s.send(Map.of("type", "presence", "status", "AVAILABLE"));
        }
        await("both agents AVAILABLE in routing-service").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> AGENTS.stream().allMatch(IntakeOutageIT::available));

        // chats started just before the kill: routing-service may or may not have read them when it dies
        List<String> chats = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            chats.add(post("before the kill " + i).path("chatId").asText());
        }
        LocalSystem.Node routing = system.node("routing-service");
        routing.kill();
        assertThat(routing.alive()).isFalse();

        // during the outage: accepted, queued, the place honestly unknown
        JsonNode unplaced = post("outage-unplaced", "nowhere", "no rule takes this one");
        assertThat(unplaced.path("routing").asText()).as("%s", unplaced).isEqualTo("pending");
        String unplacedId = unplaced.path("chatId").asText();
        WsSession unplacedVisitor = WsSession.connect(CLIENT, system.node("session-service").wsUrl("/ws/visitor/" + unplacedId
                + "?token=" + unplaced.path("visitorToken").asText()), "visitor-unplaced", E2eSystem.LOGS);
        SOCKETS.add(unplacedVisitor);
        for (int i = 0; i < 6; i++) {
            JsonNode chat = post("while routing is down " + i);
            assertThat(chat.path("status").asText()).as("%s", chat).isEqualTo("QUEUED");
            assertThat(chat.path("routing").asText()).as("%s", chat).isEqualTo("pending");
            assertThat(chat.path("position").isMissingNode() || chat.path("position").isNull()).as("%s", chat).isTrue();
            assertThat(chat.path("visitorToken").asText()).as("%s", chat).startsWith("vt_");
            chats.add(chat.path("chatId").asText());
        }

        long t0 = System.nanoTime();
        system.restart(routing);
        long ready = (System.nanoTime() - t0) / 1_000_000;
        await("every chat offered after routing-service is back").atMost(WAIT).pollInterval(Duration.ofMillis(100))
                .until(() -> chats.stream().allMatch(c -> offered(agents, c)));
        long offeredAll = (System.nanoTime() - t0) / 1_000_000;
        // the chat no rule takes is not left waiting for ever: routing says so (chat.routing.failed), session-service
        // closes it and tells its visitor why
        JsonNode closed = unplacedVisitor.await("closed, not routed", WAIT, f -> "closed".equals(f.path("type").asText())).json();
        assertThat(closed.path("by").asText()).isEqualTo("system");
        assertThat(closed.path("reason").asText()).isEqualTo("not-routed");
        JsonNode view = http.get(system.url("session-service") + "/api/v1/chats/" + unplacedId, unplaced.path("visitorToken").asText())
                .expect(200).json();
        assertThat(view.path("status").asText()).isEqualTo("CLOSED");
        assertThat(view.path("closeReason").asText()).isEqualTo("not-routed");
        assertThat(offered(agents, unplacedId)).as("the unplaced chat offered to nobody").isFalse();
        System.out.printf("[e2e] intake outage: %d chats accepted while routing-service was down or dying; restarted and ready "
                + "in %d ms; every chat offered %d ms after the restart began%n", chats.size(), ready, offeredAll);
        // each chat was offered to one agent (offers last 300 s: none expired and went to the other)
        for (String c : chats) {
            assertThat(agents.stream().filter(a -> offered(List.of(a), c)).count()).as(c).isEqualTo(1);
        }
    }

    private static JsonNode post(String message) {
        return post("outage", "outage", message);
    }

    private static JsonNode post(String formId, String topic, String message) {
        return http.post(system.url("session-service") + "/api/v1/chats", null, """
                {"formId":"%s","visitor":{"name":"Olga"},"form":{"topic":"%s"},"message":"%s"}""".formatted(formId, topic, message),
                Map.of("Idempotency-Key", UUID.randomUUID().toString())).expect(201).json();
    }

    private static boolean offered(List<WsSession> agents, String chatId) {
        return agents.stream().anyMatch(a -> !a.frames(f -> "offer".equals(f.path("type").asText())
                && chatId.equals(f.path("chatId").asText())).isEmpty());
    }

    private static boolean available(String agentId) {
        Http.Response r = http.get(system.url("routing-service") + "/api/v1/agents/" + agentId, admin);
        return r.status() == 200 && "AVAILABLE".equals(r.json().path("presence").asText());
    }
}
