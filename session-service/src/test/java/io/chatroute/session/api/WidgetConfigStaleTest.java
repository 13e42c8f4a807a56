package io.chatroute.session.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.chatroute.infra.test.InfraTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/** With nothing fresh (fresh time 0), every request asks routing-service; while it is away, the kept answer is served, marked stale. */
@QuarkusTest
@TestProfile(WidgetConfigStaleTest.NeverFresh.class)
@QuarkusTestResource(value = InfraTestResource.class, initArgs = @ResourceArg(name = "database", value = "session"))
@QuarkusTestResource(RoutingStub.class)
@QuarkusTestResource(KnowledgeStub.class)
class WidgetConfigStaleTest {

    public static class NeverFresh implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("chatroute.widget.config-fresh-seconds", "0");
        }
    }

    @Test
    void routingAwayServesTheLastAnswerMarkedStale() {
        String formId = "s-" + UUID.randomUUID().toString().substring(0, 8);
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200).body("stale", equalTo(false))
                .header("Cache-Control", "public, max-age=0");
        RoutingStub.AVAILABILITY_DOWN.set(true);
        try {
            given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200)
                    .body("stale", equalTo(true)).body("formId", equalTo(formId)).body("fields[0].name", equalTo("topic"))
                    .body("open", equalTo(true));
        } finally {
            RoutingStub.AVAILABILITY_DOWN.set(false);
        }
        given().queryParam("formId", formId).get("/api/v1/widget/config").then().statusCode(200).body("stale", equalTo(false));
        org.assertj.core.api.Assertions.assertThat(RoutingStub.AVAILABILITY_CALLS.get(formId).get())
                .as("never fresh: asked every time").isEqualTo(3);
    }
}
