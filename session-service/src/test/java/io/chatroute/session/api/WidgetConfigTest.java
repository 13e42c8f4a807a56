package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;

/** GET /api/v1/widget/config: public, from routing-service's availability, cached per form. */
@QuarkusTest
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(KnowledgeStub.class)
class WidgetConfigTest {

    private static int calls(String formId) {
        var n = RoutingStub.AVAILABILITY_CALLS.get(formId);
        return n == null ? 0 : n.get();
    }

    @Test
    void publicWithTheFormTheHoursAndTheLimits() {
        String formId = "w-" + UUID.randomUUID().toString().substring(0, 8);
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200)
                .header("Cache-Control", "public, max-age=30")
                .header("Access-Control-Allow-Origin", nullValue())
                .body("formId", equalTo(formId))
                .body("fields.name", contains("topic", "email"))
                .body("fields[0].options", contains("billing", "delivery"))
                .body("open", equalTo(true)).body("nextOpenAt", nullValue())
                .body("hours[0].queueId", equalTo("general")).body("hours[0].timezone", equalTo("Europe/Moscow"))
                .body("hours[0].weekly[0].from", equalTo("09:00"))
                .body("stale", equalTo(false))
                .body("limits.messageMaxChars", equalTo(4000)).body("limits.formMaxValueChars", equalTo(500));
        assertThat(RoutingStub.AVAILABILITY_AUTHORIZATIONS).as("session-service's own platform token")
                .contains("Bearer " + RoutingStub.TOKEN);

        // the next widgets are served from the cache: routing-service was asked once
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200).body("formId", equalTo(formId));
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200);
        assertThat(calls(formId)).isEqualTo(1);
    }

    @Test
    void closedFormsSayWhenTheyOpen() {
        given().queryParam("formId", "closed").get("/api/v1/widget/config").then().statusCode(200)
                .body("open", equalTo(false)).body("nextOpenAt", equalTo("2030-01-02T06:00:00Z"))
                .body("hours[0].open", equalTo(false));
    }

    @Test
    void withoutFormIdTheDefaultForm() {
        given().get("/api/v1/widget/config").then().statusCode(200).body("formId", equalTo("default"));
    }

    @Test
    void unknownAndInvalidForms() {
        given().queryParam("formId", "missing").get("/api/v1/widget/config").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404)).body("errors.field", hasItem("formId"));
        int before = calls("missing");
        given().queryParam("formId", "missing").get("/api/v1/widget/config").then().statusCode(404);
        assertThat(calls("missing")).as("an unknown form is remembered for a while").isEqualTo(before);

        given().queryParam("formId", "bad id/../x").get("/api/v1/widget/config").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("formId"));
        given().queryParam("formId", "x".repeat(101)).get("/api/v1/widget/config").then().statusCode(400);
        given().queryParam("formId", "a\u0000b").get("/api/v1/widget/config").then().statusCode(400);
        assertThat(RoutingStub.AVAILABILITY_CALLS).doesNotContainKey("bad id/../x");
    }

    @Test
    void routingAwayWithNothingCachedIs503() {
        String formId = "never-seen-" + UUID.randomUUID().toString().substring(0, 8);
        RoutingStub.AVAILABILITY_DOWN.set(true);
        try {
            given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", "5").header("Cache-Control", "no-store");
        } finally {
            RoutingStub.AVAILABILITY_DOWN.set(false);
        }
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200).body("stale", equalTo(false));
    }

    @Test
    void corsForTheWidgetOriginsOnly() {
        given().header("Origin", "http://localhost:8080").queryParam("formId", "default").get("/api/v1/widget/config")
                .then().statusCode(200).header("Access-Control-Allow-Origin", "http://localhost:8080");
        given().header("Origin", "https://evil.example").queryParam("formId", "default").get("/api/v1/widget/config")
                .then().header("Access-Control-Allow-Origin", nullValue());
    }
}
