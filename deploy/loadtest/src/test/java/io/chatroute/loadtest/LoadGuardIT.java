package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * The build's load guard: a short steady run of the load tool against the four packaged services on real Kafka,
 * Redis and PostgreSQL (started by the tool, {@code --start}; session-service as two instances), during which the
 * Kafka broker, Redis, PostgreSQL, the second session-service instance, routing-service and history-service are killed
 * with SIGKILL, one after another, and started again ({@code --kill}; a kill waits for the restart before it, so the
 * first four fall within the load, the last two may come after it when a restart is slow). The killed instance's
 * visitors and agents reconnect to the other one and resume, and what session answered {@code busy} while Redis was
 * away is sent again.
 * More chats than the agents' slots (5 agents, cap 3, 20 chats). It fails on any acknowledged message lost, duplicated
 * or reordered, any offer lost or beyond an agent's cap, any refused chat start, a client that could not connect again,
 * a failed recovery check, or a transcript that misses, doubles or misplaces an acknowledged message. Not a timing test: it asserts counts only (the latencies
 * are in target/load-guard/report.html).
 */
class LoadGuardIT {

    @Test
    void aShortSteadyRunWithSixCrashesLosesDuplicatesAndReordersNothing() throws Exception {
        Path root = Path.of(System.getProperty("chatroute.repo.root", "../..")).toAbsolutePath().normalize();
        for (String service : io.chatroute.infra.LocalSystem.SERVICES) {
            assertThat(root.resolve(service).resolve("target/quarkus-app/quarkus-run.jar"))
                    .as("%s must be packaged first (./mvnw -B package -DskipTests -pl %s)", service, service)
                    .isRegularFile();
        }
        Options options = Options.parse(new String[] {"steady", "--start-root", root.toString(),
            "--agents", "5", "--cap", "3", "--chats", "20", "--arrival-rate", "20", "--msg-rate", "20",
            "--duration", "100", "--warmup", "2", "--drain", "60", "--handle-median", "8", "--handle-sigma", "0.3",
            "--lag-timeout", "60", "--probe-timeout", "30", "--sessions", "2", "--kill", "kafka@6,redis@9,postgres@12,session-2@16,routing@30,history@40", "--heap", System.getProperty("loadtest.service.heap", "256m"),
            "--out", Path.of("target/load-guard").toAbsolutePath().toString(), "--run-id", "guard-" + System.currentTimeMillis()},
                root);

        LoadTest.Result result = new LoadTest(options, line -> System.out.println("[load-guard] " + line)).run();

        DeliveryLedger.Counts c = result.counts();
        @SuppressWarnings("unchecked")
        Map<String, Object> counts = (Map<String, Object>) result.json().get("counts");
        assertThat(c.sent()).as("messages sent by the simulated visitors and agents").isPositive();
        assertThat(c.delivered()).as("messages delivered").isPositive();
        assertThat(c.lost()).as("acknowledged messages never delivered; samples: %s", counts.get("lostSamples")).isZero();
        assertThat(c.duplicates()).as("messages delivered twice").isZero();
        assertThat(c.reordered()).as("messages delivered out of seq order").isZero();
        assertThat(result.offersLost()).as("chats never offered while agents had room").isZero();
        // 15 slots for 20 chats: the agents work at their cap, and routing must never offer beyond it
        assertThat(counts.get("capViolations")).as("offers to agents already at their cap").isEqualTo(0L);
        assertThat(counts.get("chatsCreated")).as("chat starts answered 201 (answers: %s, unanswered: %s)", counts.get("postStatuses"),
                counts.get("chatStartsUnanswered"))
                .isEqualTo(counts.get("chatsStarted"));
        @SuppressWarnings("unchecked")
        java.util.List<Map<String, Object>> faults = (java.util.List<Map<String, Object>>) result.json().get("faults");
        assertThat(faults).as("the kills and restarts").hasSize(6)
                .allSatisfy(f -> assertThat(f.get("error")).as("fault %s", f).isNull());
        // the killed session instance held some of the sockets: they connected again, to the other one, every one
        assertThat((Long) counts.get("visitorReconnects") + (Long) counts.get("agentReconnects"))
                .as("visitors and agents that reconnected after session-service-2 was killed").isPositive();
        assertThat(counts.get("reconnectsFailed")).as("clients that could not connect again").isEqualTo(0L);
        @SuppressWarnings("unchecked")
        Map<String, Object> record = (Map<String, Object>) result.json().get("record");
        assertThat(record.get("found")).as("acknowledged messages in the transcripts: %s", record).isEqualTo(record.get("expected"));
        assertThat((Long) record.get("expected")).as("acknowledged messages").isPositive();
        assertThat(record.get("ok")).as("the record: %s", record).isEqualTo(true);
        assertThat(result.pass()).as("the verdict: %s (see %s)", result.reasons(), result.directory()).isTrue();
    }
}
