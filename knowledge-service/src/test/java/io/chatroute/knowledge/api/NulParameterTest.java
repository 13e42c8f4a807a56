package io.chatroute.knowledge.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

/** NUL (%00) in a path or query parameter of any endpoint is a 400 problem naming the parameter, never a 500. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "knowledge"))
class NulParameterTest {

    /** Sent as written: %00 must reach the server percent-encoded, not re-encoded as %2500. */
    private static RequestSpecification as(String token) {
        RequestSpecification r = given().urlEncodingEnabled(false);
        return token == null ? r : r.auth().oauth2(token);
    }

    private static void refused(io.restassured.response.Response response, List<String> fields) {
        response.then().statusCode(400).contentType(containsString("application/problem+json"))
                .body("status", equalTo(400)).body("type", containsString("validation"))
                .body("errors.field", equalTo(fields)).body("errors[0].message", containsString("NUL"));
    }

    @Test
    void articlesAndSearch() {
        String t = TestTokens.admin();
        refused(as(t).get("/api/v1/kb/articles/%00"), List.of("id"));
        refused(as(t).get("/api/v1/kb/articles/a%00b"), List.of("id"));
        refused(as(t).delete("/api/v1/kb/articles/a%00b"), List.of("id"));
        refused(as(t).contentType("application/json").body("{\"title\":\"t\",\"body\":\"b\",\"language\":\"en\"}")
                .put("/api/v1/kb/articles/x%00"), List.of("id"));
        refused(as(t).get("/api/v1/kb/articles?language=%00"), List.of("language"));
        refused(as(t).get("/api/v1/kb/search?q=refund%00"), List.of("q"));
        refused(as(t).get("/api/v1/kb/search?q=refund&language=en%00&limit=%00"), List.of("language", "limit"));
        refused(as(t).get("/api/v1/kb/search?q=refund&unknown=%00"), List.of("unknown"));
    }

    @Test
    void cannedBotAndReports() {
        String t = TestTokens.admin();
        refused(as(t).get("/api/v1/kb/canned/%00"), List.of("id"));
        refused(as(t).get("/api/v1/kb/canned?prefix=/re%00"), List.of("prefix"));
        refused(as(t).delete("/api/v1/kb/canned/c%00"), List.of("id"));
    }

    @Test
    void theTokenIsCheckedFirst() {
        as(null).get("/api/v1/kb/articles/%00").then().statusCode(401).contentType(containsString("application/problem+json"));
        as(TestTokens.agent("a1")).delete("/api/v1/kb/articles/a%00").then().statusCode(403);
    }
}
