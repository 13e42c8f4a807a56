package io.chatroute.routing.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class PingResourceTest {
    @Test
    void ping() {
        given().auth().oauth2(TestTokens.admin()).get("/api/v1/ping").then().statusCode(200).body(is("pong"));
        given().get("/api/v1/ping").then().statusCode(401);
    }
}
