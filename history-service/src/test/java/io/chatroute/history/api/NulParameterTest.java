package io.chatroute.history.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;

/**
 * NUL (%00) in a path or query parameter of any endpoint is a 400 problem naming the parameter (PostgreSQL text
 * cannot hold NUL: it used to reach the database and end as a 500).
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "history"))
class NulParameterTest {

    /** Sent as written: %00 must reach the server percent-encoded, not re-encoded as %2500. */
    private static RequestSpecification as(String token) {
        RequestSpecification r = given().urlEncodingEnabled(false);
        return token == null ? r : r.auth().oauth2(token);
    }

    private static void refused(io.restassured.response.Response response, List<String> fields) {
        response.then()
                .statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("status", equalTo(400))
                .body("type", containsString("validation"))
                .body("errors.field", equalTo(fields))
                .body("errors[0].message", containsString("NUL"));
    }

    @Test
    void transcriptEndpoints() {
        String t = TestTokens.admin();
        refused(as(t).get("/api/v1/transcripts/%00"), List.of("chatId"));
        refused(as(t).get("/api/v1/transcripts/abc%00def"), List.of("chatId"));
        refused(as(t).get("/api/v1/transcripts/abc?format=%00"), List.of("format"));
        refused(as(t).get("/api/v1/transcripts/%00?format=text"), List.of("chatId"));
        refused(as(t).get("/api/v1/transcripts?customerId=%00"), List.of("customerId"));
        refused(as(t).get("/api/v1/transcripts?agentId=a%00&queueId=%00q"), List.of("agentId", "queueId"));
        refused(as(t).get("/api/v1/transcripts?from=%00&to=%00&page=%00&size=%00"), List.of("from", "page", "size", "to"));
        refused(as(t).get("/api/v1/transcripts?unknown=%00"), List.of("unknown"));
        refused(as(t).contentType("application/json").body("[\"vip\"]").put("/api/v1/transcripts/%00/tags"), List.of("chatId"));
        refused(as(t).contentType("application/json").body("[\"vip\"]").put("/api/v1/transcripts/abc/tags?x=%00"), List.of("x"));
    }

    @Test
    void customerEndpoints() {
        String t = TestTokens.admin();
        refused(as(t).get("/api/v1/customers/%00/history"), List.of("customerId"));
        refused(as(t).get("/api/v1/customers/c-1/history?limit=%00"), List.of("limit"));
        refused(as(t).contentType("application/json").body("{\"text\":\"x\"}").post("/api/v1/customers/c%00/notes"),
                List.of("customerId"));
        refused(as(t).contentType("application/json").body("{\"text\":\"x\"}").post("/api/v1/customers/c-1/notes?x=%00"),
                List.of("x"));
    }

    @Test
    void tagStats() {
        String t = TestTokens.supervisor();
        refused(as(t).get("/api/v1/tags/stats?from=%00&to=2025-01-02"), List.of("from"));
        refused(as(t).get("/api/v1/tags/stats?from=2025-01-01&to=2025-01-02&interval=day%00"), List.of("interval"));
    }

    @Test
    void searchExportMetricsAndRetentionEndpoints() {
        String admin = TestTokens.admin();
        refused(as(admin).get("/api/v1/transcripts?q=%00&tag=%00"), List.of("q", "tag"));
        refused(as(admin).accept("text/csv").get("/api/v1/transcripts?rows=%00&q=a%00"), List.of("q", "rows"));
        refused(as(admin).get("/api/v1/metrics?from=%00&to=2025-01-02&groupBy=%00"), List.of("from", "groupBy"));
        refused(as(admin).get("/api/v1/metrics/today?groupBy=%00"), List.of("groupBy"));
        refused(as(admin).delete("/api/v1/customers/c%00"), List.of("customerId"));
        refused(as(admin).post("/api/v1/retention/purge?x=%00"), List.of("x"));
    }

    @Test
    void theTokenIsCheckedFirst() {
        as(null).get("/api/v1/transcripts/%00").then().statusCode(401).contentType(containsString("application/problem+json"));
        as(null).get("/api/v1/customers/%00/history?limit=%00").then().statusCode(401);
        // a role the endpoint refuses (agents read tag statistics since 2026-12-05; a visitor token never does)
        as(TestTokens.mint("v-nul", "visitor")).get("/api/v1/tags/stats?from=%00").then().statusCode(403);
    }
}
