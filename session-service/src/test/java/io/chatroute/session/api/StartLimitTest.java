package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

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

/** Anonymous chat starts are limited per client address; a platform's starts are not counted. */
@QuarkusTest
@TestProfile(StartLimitTest.ThreeStarts.class)
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
class StartLimitTest {

    public static class ThreeStarts implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chatroute.limits.starts-per-minute-per-address", "3");
        }
    }

    @Test
    void theFourthAnonymousStartInAMinuteIsRefused() {
        for (int i = 0; i < 3; i++) {
            given().contentType(ContentType.JSON).body("{\"form\":{}}").post("/api/v1/chats").then().statusCode(201);
        }
        String problem = given().contentType(ContentType.JSON).body("{\"form\":{}}").post("/api/v1/chats").then()
                .statusCode(429).contentType("application/problem+json").extract().asString();
        assertThat(problem).contains("rate-limited");
        // a platform (a bridge starting chats for many customers) is not limited by its address
        given().contentType(ContentType.JSON).auth().oauth2(TestTokens.platform()).body("{\"form\":{}}").post("/api/v1/chats")
                .then().statusCode(201);
    }
}
