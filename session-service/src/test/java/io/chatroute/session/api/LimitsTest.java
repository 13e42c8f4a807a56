package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;

/** Anonymous chat starts are limited per client address (a platform's are not counted); a visitor's messages by a token bucket. */
@QuarkusTest
@TestProfile(LimitsTest.LowLimits.class)
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class LimitsTest {

    /**
     * This class's own platform: the start counters live in Redis, shared by the whole test run, and other classes start
     * chats as the usual test platform within the same minute.
     */
    private static final String PLATFORM = TestTokens.mint("limits-platform-" + System.nanoTime(), "platform");

    /** Limits low enough that no machine is slow enough to refill the bucket during the test. */
    public static class LowLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chatroute.limits.starts-per-minute-per-address", "3",
                    "chatroute.limits.platform-starts-per-minute", "4",
                    "chatroute.limits.visitor-messages-per-second", "1",
                    "chatroute.limits.visitor-message-burst", "3");
        }
    }

    @Test
    void aVisitorsMessagesPassATokenBucketAndTheSocketStaysUsable() throws Exception {
        var chat = given().contentType(ContentType.JSON).auth().oauth2(PLATFORM).body("{\"form\":{}}").post("/api/v1/chats")
                .then().statusCode(201).extract();
        try (WsClient visitor = WsClient.connect("/ws/visitor/" + chat.path("chatId") + "?token=" + chat.path("visitorToken"))) {
            long t0 = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                visitor.send("{\"type\":\"message\",\"clientMsgId\":\"b" + i + "\",\"text\":\"burst " + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> visitor.ofType("ack").size() + visitor.ofType("error").size() == 10);
            double seconds = (System.nanoTime() - t0) / 1e9;
            // a burst of 3, then 1 a second: never all ten, and never more than the bucket could have refilled
            int acked = visitor.ofType("ack").size();
            assertThat(acked).isGreaterThanOrEqualTo(3).isLessThanOrEqualTo(3 + (int) Math.ceil(seconds)).isLessThan(10);
            assertThat(visitor.ofType("error")).allSatisfy(e -> assertThat(e.path("code").asText()).isEqualTo("rate-limited"));
            // a resent message is acked again without spending the budget
            visitor.send("{\"type\":\"message\",\"clientMsgId\":\"b0\",\"text\":\"burst 0\"}");
            await().atMost(Duration.ofSeconds(30)).until(() -> visitor.ofType("ack").size() == acked + 1);
            // and the socket works again once the bucket refilled
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
                visitor.send("{\"type\":\"message\",\"clientMsgId\":\"later\",\"text\":\"after the burst\"}");
                return visitor.ofType("ack").stream().anyMatch(a -> "later".equals(a.path("clientMsgId").asText()));
            });
        }
    }

    /**
     * A platform has its own quota (the contract), per token subject, whatever its address; a replay of an earlier
     * start with the same Idempotency-Key is answered again even once the quota is used (it used to be counted, and
     * refused, before the key was looked up).
     */
    @Test
    void aPlatformHasItsOwnQuotaAndAKeyedRetryIsNeverRefused() {
        String bridge = TestTokens.mint("quota-bridge-" + System.nanoTime(), "platform");
        String first = given().contentType(ContentType.JSON).auth().oauth2(bridge).header("Idempotency-Key", "start-1")
                .body("{\"form\":{}}").post("/api/v1/chats").then().statusCode(201).extract().path("chatId");
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).auth().oauth2(bridge).body("{\"form\":{}}").post("/api/v1/chats").then().statusCode(201);
        }
        io.restassured.response.Response refused = given().contentType(ContentType.JSON).auth().oauth2(bridge).body("{\"form\":{}}")
                .post("/api/v1/chats");
        refused.then().statusCode(429).contentType("application/problem+json");
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        // the retry of the first start: the same chat, not a refusal
        given().contentType(ContentType.JSON).auth().oauth2(bridge).header("Idempotency-Key", "start-1").body("{\"form\":{}}")
                .post("/api/v1/chats").then().statusCode(201).body("chatId", org.hamcrest.Matchers.equalTo(first));
        // another platform's quota is its own
        given().contentType(ContentType.JSON).auth().oauth2(TestTokens.mint("quota-other-" + System.nanoTime(), "platform"))
                .body("{\"form\":{}}").post("/api/v1/chats").then().statusCode(201);
    }

    /**
     * Quarkus reads up to 10 MB per request by default; the edge refuses more than 512 KiB before reading it, with a
     * problem body (the contract).
     */
    @Test
    void aBodyOverTheEdgesLimitIsRefused() {
        String over = "{\"form\":{},\"padding\":\"" + "x".repeat(600 * 1024) + "\"}";
        given().contentType(ContentType.JSON).auth().oauth2(PLATFORM).body(over).post("/api/v1/chats").then().statusCode(413)
                .contentType("application/problem+json").body("type", org.hamcrest.Matchers.equalTo("https://chatroute.dev/problems/payload-too-large"));
        // the largest article the contract allows is far below it, and passes
        String under = "{\"form\":{},\"padding\":\"" + "x".repeat(400 * 1024) + "\"}";
        given().contentType(ContentType.JSON).auth().oauth2(PLATFORM).body(under).post("/api/v1/chats").then().statusCode(201);
    }

    @Test
    void theFourthAnonymousStartInAMinuteIsRefused() {
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body("{\"form\":{}}").post("/api/v1/chats").then().statusCode(201);
        }
        io.restassured.response.Response refused = given().contentType(ContentType.JSON).body("{\"form\":{}}").post("/api/v1/chats");
        refused.then().statusCode(429).contentType("application/problem+json");
        assertThat(refused.asString()).contains("rate-limited");
        // when to come back: the window is a minute
        assertThat(Integer.parseInt(refused.header("Retry-After"))).isBetween(1, 60);
        // a platform (a bridge starting chats for many customers) is not limited by its address
        given().contentType(ContentType.JSON).auth().oauth2(PLATFORM).body("{\"form\":{}}").post("/api/v1/chats")
                .then().statusCode(201);
    }
}
