package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** The agent desktop reads canned responses and articles through session-service; the caller's token goes on. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(KnowledgeStub.class)
@QuarkusTestResource(HistoryStub.class) // the same resources as HistoryPassThroughTest: one application for the three
class KnowledgePassThroughTest {

    @Test
    void cannedByPrefixWithTheAgentsOwnToken() {
        String agent = TestTokens.agent("kb-agent");
        given().auth().oauth2(agent).queryParam("prefix", "/ref").get("/api/v1/kb/canned").then().statusCode(200)
                .header("Cache-Control", "private, no-store")
                .body("shortcut", contains("/refund", "/refund")).body("language", contains("en", "ru"))
                .body("[0].text", equalTo("Your refund is on its way, {agent} here."));
        assertThat(KnowledgeStub.AUTHORIZATIONS).contains("Bearer " + agent);
        // the text is data: a canned response holding markup comes back as the same characters
        given().auth().oauth2(agent).queryParam("prefix", "/hel").get("/api/v1/kb/canned").then().statusCode(200)
                .body("[0].text", equalTo("Hello! <img src=x onerror=alert(1)>"));
        given().auth().oauth2(TestTokens.supervisor()).queryParam("prefix", "/").get("/api/v1/kb/canned").then().statusCode(200)
                .body("size()", equalTo(3));
    }

    @Test
    void articlesAndWhatKnowledgeServiceRefuses() {
        String agent = TestTokens.agent("kb-agent");
        given().auth().oauth2(agent).get("/api/v1/kb/articles/double-charge").then().statusCode(200)
                .body("id", equalTo("double-charge")).body("body", equalTo("The second charge is a hold."));
        given().auth().oauth2(agent).get("/api/v1/kb/articles/missing").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        given().auth().oauth2(agent).get("/api/v1/kb/articles/boom").then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", "5")
                .body("type", equalTo("https://chatroute.dev/problems/knowledge-unavailable"));
    }

    @Test
    void rolesAndInput() {
        given().queryParam("prefix", "/re").get("/api/v1/kb/canned").then().statusCode(401);
        given().auth().oauth2(TestTokens.platform()).queryParam("prefix", "/re").get("/api/v1/kb/canned").then().statusCode(403);
        given().auth().oauth2(TestTokens.agent("kb-agent")).queryParam("prefix", "/" + "x".repeat(60)).get("/api/v1/kb/canned")
                .then().statusCode(400).body("errors.field", hasItem("prefix"));
        given().auth().oauth2(TestTokens.agent("kb-agent")).get("/api/v1/kb/articles/a%20b").then().statusCode(400)
                .body("errors.field", hasItem("id"));
    }
}
