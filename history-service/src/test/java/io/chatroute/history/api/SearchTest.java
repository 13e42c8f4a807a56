package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.chatroute.history.persistence.TranscriptSearch;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;

/**
 * GET /api/v1/transcripts with q (full text in English, Russian, Chinese and Hebrew), tag, paging, and the CSV
 * export (Accept: text/csv), which streams: the first rows reach the client while the cursor is still open.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class SearchTest {

    private static final Duration WAIT = Duration.ofSeconds(45);
    private static KafkaTestClient kafka;
    private static Events events;
    private static String customer;
    private static String en, ru, zh, he, mixed;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void seed() {
        kafka = new KafkaTestClient();
        events = new Events(kafka);
        String run = UUID.randomUUID().toString().substring(0, 8);
        customer = "c-search-" + run;
        en = "s-en-" + run;
        ru = "s-ru-" + run;
        zh = "s-zh-" + run;
        he = "s-he-" + run;
        mixed = "s-mixed-" + run;
        Instant t0 = Instant.parse("2025-07-01T10:00:00Z");
        chat(en, t0, "I was charged twice for my order", "en", "=HYPERLINK(\\\"http://evil\\\")");
        chat(ru, t0.plusSeconds(60), "С меня дважды списали деньги за заказ", "ru", "Верните, пожалуйста, деньги на карту");
        chat(zh, t0.plusSeconds(120), "我的订单被扣了两次款，请问怎么退款？", "zh", "信用卡付款一直失败。");
        chat(he, t0.plusSeconds(180), "חייבו אותי פעמיים על ההזמנה", "he", "התשלום בכרטיס האשראי נכשל");
        chat(mixed, t0.plusSeconds(240), "Здравствуйте, where is my parcel?", "ru", "Посылка пришла, thanks");
        kafka.send(Events.TOPIC, en, "chat.tagged", "/session-service",
                "{\"chatId\":\"" + en + "\",\"tags\":[\"refund\",\"vip\"],\"agentId\":\"ag-s\",\"taggedAt\":\"2025-07-01T10:05:00Z\"}");
        kafka.send(Events.TOPIC, zh, "chat.tagged", "/session-service",
                "{\"chatId\":\"" + zh + "\",\"tags\":[\"refund\"],\"agentId\":\"ag-s\",\"taggedAt\":\"2025-07-01T10:05:00Z\"}");
    }

    private static volatile boolean consumed;

    /** Waits (once) until the chats are in; REST is not reachable from @BeforeAll (the port is set per test). */
    @org.junit.jupiter.api.BeforeEach
    void consumed() {
        if (!consumed) {
            await().atMost(WAIT).until(() -> given().auth().oauth2(TestTokens.supervisor())
                    .get("/api/v1/transcripts?customerId={c}&tag=refund", customer).then().extract().jsonPath().getInt("total") == 2
                    && List.of(en, ru, zh, he, mixed).stream().allMatch(SearchTest::messagesIn));
            consumed = true;
        }
    }

    private static void chat(String id, Instant at, String first, String language, String second) {
        events.session("chat.requested", id, Events.requested(id, customer, at));
        events.session("chat.message.posted", id, Events.message(id, 1, "visitor", null, first, at.plusSeconds(1))
                .replace("\"language\":\"en\"", "\"language\":\"" + language + "\""));
        events.session("chat.message.posted", id, Events.message(id, 2, "agent", "ag-s", second, at.plusSeconds(2))
                .replace("\"language\":\"en\"", "\"language\":\"" + language + "\""));
    }

    private static boolean messagesIn(String chat) {
        return given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts/{id}", chat).then().extract()
                .jsonPath().getList("messages").size() == 2;
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static List<String> search(String query) {
        return given().auth().oauth2(TestTokens.supervisor()).queryParam("customerId", customer).queryParam("q", query)
                .get("/api/v1/transcripts").then().statusCode(200).extract().jsonPath().getList("items.chatId", String.class);
    }

    @Test
    void fullTextInTheFourLanguages() {
        assertThat(search("refunds")).isEmpty(); // the English chat says "charged twice", not refund
        assertThat(search("charging orders")).containsExactly(en); // stemmed
        assertThat(search("заказы")).containsExactly(ru);
        assertThat(search("деньгами")).containsExactly(ru);
        assertThat(search("退款")).containsExactly(zh);
        assertThat(search("付款 失败")).containsExactly(zh);
        assertThat(search("הזמנה")).containsExactly(he);
        assertThat(search("כרטיס")).containsExactly(he);
        // every word in one message; words of two scripts in one message
        assertThat(search("parcel здравствуйте")).containsExactly(mixed);
        assertThat(search("parcel посылка")).isEmpty();
        assertThat(search("посылки")).containsExactly(mixed);
        // newest first
        assertThat(search("twice")).containsExactly(en);
    }

    @Test
    void tagsCombineWithTheOtherFiltersAndPages() {
        var sup = TestTokens.supervisor();
        given().auth().oauth2(sup).get("/api/v1/transcripts?customerId={c}&tag=Refund", customer).then()
                .statusCode(200).body("total", equalTo(2)).body("items.chatId", equalTo(List.of(zh, en)));
        given().auth().oauth2(sup).get("/api/v1/transcripts?customerId={c}&tag=refund&tag=vip", customer).then()
                .statusCode(200).body("items.chatId", equalTo(List.of(en)));
        given().auth().oauth2(sup).get("/api/v1/transcripts?customerId={c}&tag=refund&q=退款", customer).then()
                .statusCode(200).body("items.chatId", equalTo(List.of(zh)));
        given().auth().oauth2(sup).get("/api/v1/transcripts?customerId={c}&size=2&page=1", customer).then()
                .statusCode(200).body("total", equalTo(5)).body("page", equalTo(1)).body("size", equalTo(2))
                .body("items.chatId", equalTo(List.of(zh, ru))); // newest first: mixed, he | zh, ru | en
        given().auth().oauth2(sup).get("/api/v1/transcripts?customerId={c}&q=" + "a".repeat(201), customer).then()
                .statusCode(400).contentType(containsString("application/problem+json"))
                .body("errors.field", equalTo(List.of("q")));
        given().auth().oauth2(sup).get("/api/v1/transcripts?tag=a&tag=b&tag=c&tag=d&tag=e&tag=f").then()
                .statusCode(400).body("errors.field", equalTo(List.of("tag")));
    }

    @Test
    void theCsvExportHasOneLinePerChatOrMessageAndNeutralisesFormulas() {
        String chats = given().auth().oauth2(TestTokens.supervisor()).accept("text/csv")
                .get("/api/v1/transcripts?customerId={c}&tag=refund", customer).then()
                .statusCode(200).contentType(containsString("text/csv"))
                .header("Content-Disposition", containsString("transcripts.csv"))
                .extract().asString();
        List<String> lines = chats.lines().toList();
        assertThat(lines.get(0)).isEqualTo("chatId,status,customerId,visitorName,queueId,agentId,agentIds,tags,requestedAt,"
                + "closedAt,closedBy,messages,csat,ces");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).startsWith(zh + ",REQUESTED," + customer + ",Anna,general,,,refund,2025-07-01T10:02:00Z,,,2,,");
        assertThat(lines.get(2)).startsWith(en + ",REQUESTED," + customer + ",Anna,general,,,refund vip,");
        assertThat(chats).contains("\r\n");

        String messages = given().auth().oauth2(TestTokens.supervisor()).accept("text/csv")
                .get("/api/v1/transcripts?customerId={c}&q=charged&rows=messages", customer).then()
                .statusCode(200).header("Content-Disposition", containsString("transcripts-messages.csv"))
                .extract().asString();
        assertThat(messages.lines().toList()).containsExactly(
                "chatId,customerId,queueId,seq,sentAt,from,senderId,language,text",
                en + "," + customer + ",general,1,2025-07-01T10:00:01Z,visitor,,en,I was charged twice for my order",
                // a formula is neutralised (a leading ') and the quotes doubled
                en + "," + customer + ",general,2,2025-07-01T10:00:02Z,agent,ag-s,en,\"'=HYPERLINK(\"\"http://evil\"\")\"");
        given().auth().oauth2(TestTokens.supervisor()).accept("text/csv")
                .get("/api/v1/transcripts?rows=words").then().statusCode(400).body("errors.field", equalTo(List.of("rows")));
        // without Accept: text/csv the list is JSON as before
        given().auth().oauth2(TestTokens.supervisor()).get("/api/v1/transcripts?customerId={c}", customer).then()
                .statusCode(200).contentType(containsString("application/json"));
    }

    @Test
    void theExportStreamsThroughACursor() throws Exception {
        // 30,000 messages of 400 characters (about 13 MB of CSV): far more than socket buffers hold
        String chat = "s-stream-" + UUID.randomUUID();
        String streamCustomer = "c-stream-" + UUID.randomUUID();
        int rows = 30_000;
        String text = "Streaming row, padded to four hundred characters. ".repeat(8);
        try (Connection c = dataSource.getConnection()) {
            try (PreparedStatement st = c.prepareStatement("INSERT INTO chat (id, customer_id, status, placeholder,"
                    + " requested_at, created_at, updated_at) VALUES (?, ?, 'CLOSED', false, now(), now(), now())")) {
                st.setString(1, chat);
                st.setString(2, streamCustomer);
                st.executeUpdate();
            }
            try (PreparedStatement st = c.prepareStatement("INSERT INTO message (chat_id, seq, message_id, sender_kind,"
                    + " text, sent_at) VALUES (?, ?, ?, 'visitor', ?, ?)")) {
                for (int i = 1; i <= rows; i++) {
                    st.setString(1, chat);
                    st.setInt(2, i);
                    st.setString(3, "m-" + i);
                    st.setString(4, text);
                    st.setTimestamp(5, Timestamp.from(Instant.parse("2025-07-02T10:00:00Z").plusSeconds(i)));
                    st.addBatch();
                    if (i % 2000 == 0) {
                        st.executeBatch();
                    }
                }
                st.executeBatch();
            }
        }
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port
                        + "/api/v1/transcripts?rows=messages&customerId=" + streamCustomer))
                .header("Authorization", "Bearer " + TestTokens.supervisor()).header("Accept", "text/csv").build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(in.readLine()).startsWith("chatId,");
            assertThat(in.readLine()).startsWith(chat + "," + streamCustomer + ",,1,");
            // the client has read two lines and waits: the export's cursor is still open on the server
            await().atMost(WAIT).until(() -> openExports() > 0);
            int read = 1;
            String line;
            String last = null;
            while ((line = in.readLine()) != null) {
                read++;
                last = line;
            }
            assertThat(read).isEqualTo(rows);
            assertThat(last).startsWith(chat + "," + streamCustomer + ",," + rows + ",");
        }
        // and is closed once the last row was sent
        await().atMost(WAIT).until(() -> openExports() == 0);
    }

    /** Connections in the middle of an export (inside its transaction, the cursor open). */
    private long openExports() throws Exception {
        try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE ? AND state IN ('active', 'idle in transaction')"
                        + " AND pid <> pg_backend_pid()")) {
            st.setString(1, TranscriptSearch.EXPORT_MARK + "%");
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
