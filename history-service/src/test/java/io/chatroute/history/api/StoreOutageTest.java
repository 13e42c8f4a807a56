package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * A real transient store failure: PostgreSQL stops accepting the service's connections (the database refuses
 * new connections and the service's open ones are terminated) while a chat's events arrive. The consumer
 * retries, holds the chat's later events back, turns not-ready, and once PostgreSQL is back applies every
 * event exactly once and in order. Nothing is skipped, parked or dead-lettered.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class StoreOutageTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static KafkaTestClient kafka;
    private static Events events;

    @Inject
    MeterRegistry registry;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    @Test
    void eventsArrivingWhilePostgresqlIsDownAreAppliedLaterOnceAndInOrder() throws Exception {
        List<KafkaTestClient.Event> dead = kafka.collect(TranscriptFlowTest.DEAD_LETTER_TOPIC);
        String chat = "chat-" + UUID.randomUUID();
        double retriesBefore = retries();
        // admin: on the maintenance database (a database cannot disallow connections to itself);
        // db: on history, opened before the outage (open connections survive ALLOW_CONNECTIONS false)
        try (Connection db = connection(null); Connection admin = connection("postgres")) {
            String database = single(db, "SELECT current_database()");
            exec(admin, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
            try {
                // the service's pooled connections (application_name=history-service) die; new ones are refused
                exec(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database
                        + "' AND application_name = 'history-service'");

                String requestedId = UUID.randomUUID().toString();
                String requested = Events.requested(chat, "c-outage", Events.T0);
                events.send("session-service", "chat.requested", chat, requestedId, requested);
                events.send("session-service", "chat.requested", chat, requestedId, requested); // redelivered
                String m1 = events.session("chat.message.posted", chat,
                        Events.message(chat, 1, "visitor", null, "sent during the outage", Events.T0.plusSeconds(1)));
                String m2 = events.session("chat.message.posted", chat,
                        Events.message(chat, 2, "agent", "ag-1", "also during it", Events.T0.plusSeconds(2)));

                // the consumer is retrying: retries counted, nothing applied, readiness DOWN after the threshold
                await().atMost(WAIT).until(() -> retries() >= retriesBefore + 3);
                await().atMost(WAIT).until(() -> "DOWN".equals(consumerReadiness()));
                assertThat(count(db, "SELECT count(*) FROM chat WHERE id = ?", chat)).isZero();
                assertThat(count(db, "SELECT count(*) FROM processed_event WHERE event_id IN (?, ?, ?)",
                        requestedId, m1, m2)).isZero();

                exec(admin, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");

                // a marker after everything else on the chat's partition
                events.session("chat.message.posted", chat,
                        Events.message(chat, 3, "visitor", null, "marker", Events.T0.plusSeconds(3)));
                await().atMost(WAIT).until(() -> status(chat) == 200 && transcript(chat).contains("marker"));

                assertThat(given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat)
                        .then().statusCode(200).extract().jsonPath().getList("messages.seq", Integer.class))
                        .containsExactly(1, 2, 3);
                assertThat(count(db, "SELECT count(*) FROM processed_event WHERE event_id = ?", requestedId)).isEqualTo(1);
                assertThat(count(db, "SELECT count(*) FROM message WHERE chat_id = ?", chat)).isEqualTo(3);
                // in the order published: the chat first, then message 1, then message 2
                Timestamp tRequested = processedAt(db, requestedId);
                Timestamp t1 = processedAt(db, m1);
                Timestamp t2 = processedAt(db, m2);
                assertThat(tRequested).isBefore(t1);
                assertThat(t1).isBefore(t2);
                assertThat(count(db, "SELECT count(*) FROM chat WHERE id = ? AND placeholder = false", chat))
                        .isEqualTo(1);
                await().atMost(WAIT).until(() -> "UP".equals(consumerReadiness()));
                // nothing was dead-lettered for a transient failure
                assertThat(dead).noneMatch(e -> chat.equals(e.key()));
            } finally {
                exec(admin, "ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
            }
        }
    }

    private double retries() {
        return registry.counter("chatroute.consumer.retries", "service", "history-service", "channel", "chat-events").count();
    }

    private static String consumerReadiness() {
        return given().get("/q/health/ready").then().extract().jsonPath()
                .getString("checks.find { it.name == 'chat-events consumer' }.status");
    }

    private static int status(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId).statusCode();
    }

    private static String transcript(String chatId) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chatId).asString();
    }

    /** A connection of the test's own, to the service's database or (when named) another one. */
    private static Connection connection(String otherDatabase) throws Exception {
        var config = ConfigProvider.getConfig();
        String url = config.getValue("quarkus.datasource.jdbc.url", String.class);
        if (otherDatabase != null) {
            url = url.replaceFirst("/[^/?]+(\\?|$)", "/" + otherDatabase + "$1");
        }
        Connection c = DriverManager.getConnection(url,
                config.getValue("quarkus.datasource.username", String.class),
                config.getValue("quarkus.datasource.password", String.class));
        c.setAutoCommit(true);
        return c;
    }

    private static void exec(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private static String single(Connection c, String sql) throws Exception {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static long count(Connection c, String sql, String... args) throws Exception {
        try (PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Timestamp processedAt(Connection c, String eventId) throws Exception {
        try (PreparedStatement st = c.prepareStatement("SELECT processed_at FROM processed_event WHERE event_id = ?")) {
            st.setString(1, eventId);
            try (ResultSet rs = st.executeQuery()) {
                assertThat(rs.next()).as("event %s applied", eventId).isTrue();
                return rs.getTimestamp(1);
            }
        }
    }
}
