package io.chatroute.loadtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class OptionsTest {

    private static final Path REPO = Path.of("/repo");

    @Test
    void scenarioDefaultsAndOverrides() {
        Options o = Options.parse(new String[] {"steady", "--agents", "40", "--cap=6", "--chats", "200", "--msg-rate", "200",
            "--duration", "20"}, REPO);
        assertThat(o.scenario).isEqualTo("steady");
        assertThat(o.agents).isEqualTo(40);
        assertThat(o.cap).isEqualTo(6);
        assertThat(o.perVisitorRate()).isEqualTo(1.0);
        assertThat(o.out.toString()).startsWith("/repo/deploy/loadtest/target/results/");
        assertThat(o.privateKey).isEqualTo(Path.of("/repo/.local/keys/dev-private.pem"));

        Options soak = Options.parse(new String[] {"soak"}, REPO);
        assertThat(soak.durationSeconds).isEqualTo(600);
        assertThat(soak.handleMedianSeconds).isEqualTo(20);
    }

    @Test
    void burstRaisesTheMessageRateInTheMiddleFifthOnly() {
        Options o = Options.parse(new String[] {"burst", "--duration", "100"}, REPO);
        assertThat(o.messageFactorAt(10)).isEqualTo(1);
        assertThat(o.messageFactorAt(45)).isEqualTo(4);
        assertThat(o.messageFactorAt(70)).isEqualTo(1);
    }

    @Test
    void refusesTargetsThatAreNotLoopback() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--session-url", "http://example.com:8080"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("loopback");
        assertThatThrownBy(() -> Options.parse(new String[] {"--kafka", "10.0.0.5:9092"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--kafka");
        assertThatThrownBy(() -> Options.parse(new String[] {"--redis", "redis://192.168.1.2:6379"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--redis");
        Options ok = Options.parse(new String[] {"--session-url", "http://localhost:18080", "--kafka", "[::1]:9092",
            "--redis", "redis://[::1]:6379"}, REPO);
        assertThat(ok.sessionUrl).isEqualTo("http://localhost:18080");
    }

    @Test
    void everyRunIsBounded() {
        assertThatThrownBy(() -> Options.parse(new String[] {"--duration", "100000"}, REPO))
                .isInstanceOf(Options.UsageException.class);
        assertThatThrownBy(() -> Options.parse(new String[] {"--agents", "0"}, REPO))
                .isInstanceOf(Options.UsageException.class);
        assertThatThrownBy(() -> Options.parse(new String[] {"--cap", "7"}, REPO))
                .isInstanceOf(Options.UsageException.class);
        assertThatThrownBy(() -> Options.parse(new String[] {"--chats", "10", "--msg-rate", "1000"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("per visitor");
        assertThatThrownBy(() -> Options.parse(new String[] {"storm"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("unknown scenario");
        assertThat(Options.parse(new String[] {"--chats", "100"}, REPO).maxChats).isEqualTo(1000);
    }

    @Test
    void theDefaultMaxChatsCoversTheChatsThatChurnOverTheRun() {
        // soak: 150 chats of about 20 s over 600 s need about 4,650 starts; ten times --chats (1,500) stopped new chats
        // after about 200 s of the 600
        Options soak = Options.parse(new String[] {"soak"}, REPO);
        assertThat(soak.maxChats).isGreaterThanOrEqualTo(150 + 150 * 600 / 20);
        Options shortChats = Options.parse(new String[] {"steady", "--chats", "50", "--handle-median", "20", "--duration", "900"}, REPO);
        assertThat(shortChats.maxChats).isGreaterThanOrEqualTo(50 + 50 * 900 / 20);
        // long chats: ten times --chats, as before
        assertThat(Options.parse(new String[] {"--chats", "50", "--duration", "240"}, REPO).maxChats).isEqualTo(500);
    }

    @Test
    void hostOfHandlesEveryForm() {
        assertThat(Options.hostOf("127.0.0.1:9092")).isEqualTo("127.0.0.1");
        assertThat(Options.hostOf("[::1]:9092")).isEqualTo("[::1]");
        assertThat(Options.hostOf("localhost")).isEqualTo("localhost");
        assertThat(Options.hostOf("PLAINTEXT://localhost:9092")).isEqualTo("localhost");
    }

    @Test
    void killNamesStartedServicesAndSecondsWithinTheLoad() {
        Options o = Options.parse(new String[] {"--start", "--duration", "120", "--kill", "routing@40,knowledge-service@60",
            "--kill=history@90"}, REPO);
        assertThat(o.faults).containsExactly(new Options.Fault("routing-service", 40), new Options.Fault("knowledge-service", 60),
                new Options.Fault("history-service", 90));
        assertThat(Options.parse(new String[] {"--start"}, REPO).faults).isEmpty();

        assertThatThrownBy(() -> Options.parse(new String[] {"--kill", "routing@10"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--start");
        Options sessions = Options.parse(new String[] {"--start", "--sessions", "2", "--kill", "session-2@10,session@20"}, REPO);
        assertThat(sessions.faults).containsExactly(new Options.Fault("session-service", 2, 10), new Options.Fault("session-service", 20));
        assertThat(sessions.faults.getFirst().node()).isEqualTo("session-service-2");
        assertThat(sessions.faults.get(1).node()).isEqualTo("session-service");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "session-2@10"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--sessions");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "routing-2@10"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("only session-service");
        Options infra = Options.parse(new String[] {"--start", "--kill", "postgres@10,redis@20,kafka@30"}, REPO);
        assertThat(infra.faults).containsExactly(new Options.Fault("postgres", 10), new Options.Fault("redis", 20),
                new Options.Fault("kafka", 30));
        assertThat(infra.faults).allMatch(Options.Fault::infra);
        assertThat(infra.faults.getFirst().node()).isEqualTo("postgres");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "redis-2@10"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("only session-service");
        assertThatThrownBy(() -> Options.parse(new String[] {"--sessions", "2"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--start");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--sessions", "5"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--sessions");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "zookeeper@10"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("unknown service");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "routing"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("SERVICE@SECONDS");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--kill", "routing@soon"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("integer");
        assertThatThrownBy(() -> Options.parse(new String[] {"--start", "--duration", "60", "--kill", "routing@60"}, REPO))
                .isInstanceOf(Options.UsageException.class).hasMessageContaining("--kill routing-service@");
    }
}
