package io.chatroute.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.LocalSystem;

/**
 * The documented replay of a dead-letter topic ({@code deploy/tools/DeadLetterReplay.java}, run as its header says:
 * {@code java -cp <kafka-clients> DeadLetterReplay.java ...}) against the running system. A chat's valid
 * {@code chat.requested}, parked in routing-service's dead-letter topic as a consumer whose fault has since been fixed
 * would have parked it, is replayed and routed; a second run of the same group does not replay it again (it resumes
 * after its committed position); a forced second replay of the same event ({@code --id}) changes nothing, which a marker
 * event of the same chat published after it (its close) proves once the marker was applied.
 */
@org.junit.jupiter.api.extension.ExtendWith(E2eSystem.class)
class DeadLetterReplayIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String DEAD_LETTERS = "dead-letter-topic-chat-events-in";

    private static LocalSystem system;
    private static Http http;
    private static String admin;

    @BeforeAll
    static void start() {
        system = E2eSystem.get().system;
        http = new Http(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
        admin = system.token("admin-replay", Duration.ofHours(1), "admin");
        String routing = system.url("routing-service");
        http.put(routing + "/api/v1/forms/replay", admin, """
                {"fields":[{"name":"topic","type":"select","required":true,"options":["replay"]}]}""").expect2xx();
        // nobody has the skill: a routed chat waits in the queue
        http.put(routing + "/api/v1/queues/dlr-queue", admin, """
                {"name":"Replay","requiredSkills":{"dlr-nobody":1}}""").expect2xx();
        http.put(routing + "/api/v1/routing/rules", admin, """
                [{"id":"replay","when":{"topic":"replay"},"queueId":"dlr-queue"}]""").expect2xx();
    }

    @Test
    void aParkedEventIsReplayedOnceInItsChatsOrder() throws Exception {
        String chatId = "dlr-" + UUID.randomUUID();
        String eventId = UUID.randomUUID().toString();
        String requested = """
                {"chatId":"%s","formId":"replay","visitor":{"name":"Rita"},"form":{"topic":"replay"},"message":"parked once",
                 "requestedAt":"%s"}""".formatted(chatId, Instant.now());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", system.kafka(), "acks", "all"),
                new StringSerializer(), new StringSerializer())) {
            // parked as routing-service's DeadLetters parks a record: the event's own headers plus dead-letter-*
            RecordHeaders h = event(eventId, "chat.requested", chatId);
            h.add("dead-letter-reason", bytes("parked by a consumer version since fixed (test)"));
            h.add("dead-letter-topic", bytes("chat-events"));
            h.add("dead-letter-partition", bytes("0"));
            h.add("dead-letter-offset", bytes("0"));
            producer.send(new ProducerRecord<>(DEAD_LETTERS, null, chatId, requested, h)).get(30, TimeUnit.SECONDS);

            String group = "dlr-test-" + UUID.randomUUID();
            String first = replay("--from", DEAD_LETTERS, "--group", group);
            assertThat(first).containsPattern("replayed [1-9][0-9]* record\\(s\\)");
            await("the replayed chat.requested routed").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> queuedSteps(chatId) == 1);

            // the group resumes after what it replayed: not this event again (a record another test left in the topic and
            // routing parked again in between could be replayed, hence the check on this event's id)
            assertThat(replay("--from", DEAD_LETTERS, "--group", group)).doesNotContain("ce_id=" + eventId);

            // forced again: a duplicate of the same event, then the chat's close as the marker behind it
            assertThat(replay("--from", DEAD_LETTERS, "--id", eventId)).contains("replayed 1 record(s)");
            String closed = """
                    {"chatId":"%s","by":"visitor","closedAt":"%s","lastSeq":1}""".formatted(chatId, Instant.now());
            producer.send(new ProducerRecord<>("chat-events", null, chatId, closed, event(UUID.randomUUID().toString(),
                    "chat.closed", chatId))).get(30, TimeUnit.SECONDS);
            await("the marker (chat.closed) applied").atMost(WAIT).pollInterval(Duration.ofMillis(200))
                    .until(() -> "CLOSED".equals(routingView(chatId).path("state").asText()));
            assertThat(queuedSteps(chatId)).as("%s", routingView(chatId)).isEqualTo(1);
        }
    }

    private static RecordHeaders event(String id, String type, String chatId) {
        RecordHeaders h = new RecordHeaders();
        h.add("ce_specversion", bytes("1.0"));
        h.add("ce_id", bytes(id));
        h.add("ce_type", bytes(type));
        h.add("ce_source", bytes("/session-service"));
        h.add("ce_time", bytes(Instant.now().toString()));
        h.add("ce_subject", bytes(chatId));
        h.add("content-type", bytes("application/json"));
        return h;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode routingView(String chatId) {
        Http.Response r = http.get(system.url("routing-service") + "/api/v1/chats/" + chatId + "/routing", admin);
        return r.status() == 200 ? r.json() : Http.JSON.createObjectNode();
    }

    private static long queuedSteps(String chatId) {
        List<JsonNode> steps = new ArrayList<>();
        routingView(chatId).path("steps").forEach(steps::add);
        return steps.stream().filter(s -> "queued".equals(s.path("step").asText())).count();
    }

    /** Runs the tool as its header documents (java, the source file, kafka-clients on the class path); its output. */
    private static String replay(String... args) throws IOException, InterruptedException {
        Path repo = Path.of(System.getProperty("chatroute.repo.root", "../..")).toAbsolutePath().normalize();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                repo.resolve("deploy/tools/DeadLetterReplay.java").toString(), "--bootstrap", system.kafka()));
        command.addAll(List.of(args));
        Path log = Files.createTempFile(E2eSystem.TARGET, "replay-", ".log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(log);
        assertThat(finished).as("the replay finished within 120 s; output:%n%s", out).isTrue();
        assertThat(p.exitValue()).as("exit status; output:%n%s", out).isZero();
        System.out.println("[e2e] DeadLetterReplay " + String.join(" ", args) + ": " + out.strip().replace('\n', ' '));
        return out;
    }
}
