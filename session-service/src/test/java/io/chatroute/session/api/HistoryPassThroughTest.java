package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The supervisor dashboard reads history-service's figures through session-service (the page talks to its own origin
 * only): the caller's token goes on, the answer comes back as it is, supervisors and admins only.
 */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(KnowledgeStub.class)
@QuarkusTestResource(HistoryStub.class)
class HistoryPassThroughTest {

    @Test
    void todaysFiguresWithTheSupervisorsOwnToken() {
        String supervisor = TestTokens.supervisor();
        given().auth().oauth2(supervisor).queryParam("groupBy", "hour").get("/api/v1/metrics/today").then().statusCode(200)
                .header("Cache-Control", "private, no-store")
                .body("total.chats", equalTo(6)).body("total.csatByConcurrency[0].csat", equalTo(4.5f));
        assertThat(HistoryStub.REQUESTS).contains("/api/v1/metrics/today?groupBy=hour Bearer " + supervisor);

        String admin = TestTokens.admin();
        given().auth().oauth2(admin).queryParam("from", "2030-01-01").queryParam("to", "2030-01-08").queryParam("groupBy", "queue")
                .get("/api/v1/metrics").then().statusCode(200).body("total.abandoned", equalTo(1));
        assertThat(HistoryStub.REQUESTS).contains("/api/v1/metrics?from=2030-01-01&to=2030-01-08&groupBy=queue Bearer " + admin);
    }

    @Test
    void tagStatisticsComeBackAsTheyAre() {
        // a tag holding markup is data: the same characters come back (the page shows it as text)
        given().auth().oauth2(TestTokens.supervisor()).queryParam("from", "2030-01-01").queryParam("to", "2030-01-02")
                .queryParam("interval", "day").get("/api/v1/tags/stats").then().statusCode(200)
                .body("buckets[0].tags.'late-shipper'", equalTo(2))
                .body("buckets[0].tags.'<img src=x onerror=alert(1)>'", equalTo(1));
    }

    @Test
    void historyServicesRefusalsAndFailures() {
        String supervisor = TestTokens.supervisor();
        // its 400 with field errors comes back as it is
        given().auth().oauth2(supervisor).queryParam("from", "yesterday").queryParam("to", "2030-01-02").get("/api/v1/tags/stats")
                .then().statusCode(400).contentType("application/problem+json").body("errors.field", hasItem("from"));
        // a 5xx is no answer: 503 with Retry-After
        given().auth().oauth2(supervisor).queryParam("groupBy", "boom").get("/api/v1/metrics/today").then().statusCode(503)
                .contentType("application/problem+json").header("Retry-After", "5")
                .body("type", equalTo("https://chatroute.dev/problems/history-unavailable"));
    }

    @Test
    void rolesAndInput() {
        given().get("/api/v1/metrics/today").then().statusCode(401);
        given().auth().oauth2(TestTokens.agent("history-agent")).get("/api/v1/metrics/today").then().statusCode(403);
        given().auth().oauth2(TestTokens.platform()).get("/api/v1/tags/stats").then().statusCode(403);
        given().auth().oauth2(TestTokens.agent("history-agent")).get("/api/v1/metrics").then().statusCode(403);
        int before = HistoryStub.REQUESTS.size();
        given().auth().oauth2(TestTokens.supervisor()).queryParam("groupBy", "x".repeat(41)).get("/api/v1/metrics/today")
                .then().statusCode(400).body("errors.field", hasItem("groupBy"));
        given().auth().oauth2(TestTokens.supervisor()).queryParam("from", "2".repeat(41)).get("/api/v1/metrics")
                .then().statusCode(400).body("errors.field", hasItem("from"));
        assertThat(HistoryStub.REQUESTS).as("refused requests are not passed on").hasSize(before);
    }
}
