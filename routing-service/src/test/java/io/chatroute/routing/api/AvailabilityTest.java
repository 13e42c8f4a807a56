package io.chatroute.routing.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.TextStyle;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.TestTokens;
import io.chatroute.routing.domain.BusinessHours;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.FormField;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.RoutingRule;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;

/** GET /api/v1/forms/{formId}/availability: the form and the hours of the queues its answers can reach. */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class AvailabilityTest {

    private final String u = UUID.randomUUID().toString().substring(0, 8);

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).contentType(ContentType.JSON);
    }

    @Test
    void answersTheFormAndTheHoursOfTheQueuesItCanReach() throws Exception {
        // a queue closed now: its only window is the day after tomorrow (UTC), 00:00-00:01
        LocalDate later = LocalDate.now(ZoneOffset.UTC).plusDays(2);
        String day = later.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT);
        as(TestTokens.admin()).body("""
                {"fields":[{"name":"topic","type":"select","required":true,"options":["billing-%1$s","tech-%1$s"]},
                 {"name":"language","type":"select","options":["en","ru"]}]}""".formatted(u)).put("/api/v1/forms/av-" + u)
                .then().statusCode(200);
        as(TestTokens.admin()).body("""
                {"name":"Tech","businessHours":{"timezone":"UTC","weekly":[{"days":["%s"],"from":"00:00","to":"00:01"}]}}"""
                .formatted(day)).put("/api/v1/queues/tech-" + u).then().statusCode(200);
        as(TestTokens.admin()).body("{\"name\":\"General\"}").put("/api/v1/queues/gen-" + u).then().statusCode(200);
        as(TestTokens.admin()).body("{\"name\":\"Never\"}").put("/api/v1/queues/never-" + u).then().statusCode(200);
        as(TestTokens.admin()).body("""
                [{"id":"tech-%1$s","when":{"topic":"tech-%1$s"},"queueId":"tech-%1$s"},
                 {"id":"default-%1$s","when":{},"queueId":"gen-%1$s"}]""".formatted(u)).put("/api/v1/routing/rules")
                .then().statusCode(200);

        String body = as(TestTokens.platform()).get("/api/v1/forms/av-" + u + "/availability").then().statusCode(200)
                .body("formId", equalTo("av-" + u))
                .body("fields.name", contains("topic", "language"))
                .body("open", equalTo(true)).body("nextOpenAt", nullValue())
                .body("hours.queueId", contains("tech-" + u, "gen-" + u))
                .body("hours[0].open", equalTo(false)).body("hours[0].alwaysOpen", equalTo(false))
                .body("hours[0].timezone", equalTo("UTC"))
                .body("hours[0].nextOpenAt", equalTo(later.atStartOfDay().toInstant(ZoneOffset.UTC).toString()))
                .body("hours[1].alwaysOpen", equalTo(true)).body("hours[1].open", equalTo(true))
                .body("hours[1].name", equalTo("General"))
                .extract().asString();
        var schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(Path.of("src/main/resources/schemas/api/availability.json")));
        Set<ValidationMessage> errors = schema.validate(new ObjectMapper().readTree(body));
        assertThat(errors).as("availability answer against its schema").isEmpty();

        // only the closed queue reachable: closed, with its next opening
        as(TestTokens.admin()).body("""
                [{"id":"tech-%1$s","when":{"topic":"tech-%1$s"},"queueId":"tech-%1$s"}]""".formatted(u))
                .put("/api/v1/routing/rules").then().statusCode(200);
        as(TestTokens.supervisor()).get("/api/v1/forms/av-" + u + "/availability").then().statusCode(200)
                .body("open", equalTo(false))
                .body("nextOpenAt", equalTo(later.atStartOfDay().toInstant(ZoneOffset.UTC).toString()));
    }

    @Test
    void rolesIdsAndUnknownForms() {
        given().get("/api/v1/forms/default/availability").then().statusCode(401);
        as(TestTokens.agent("ag-" + u)).get("/api/v1/forms/default/availability").then().statusCode(403);
        as(TestTokens.platform()).get("/api/v1/forms/none-" + u + "/availability").then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        as(TestTokens.platform()).get("/api/v1/forms/bad%20id/availability").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("formId"));
    }

    // ------------------------------------------------------------------ the pure part, at fixed instants

    private static final FormDefinition FORM = new FormDefinition(List.of(
            new FormField("topic", "select", true, List.of("billing", "technical")),
            new FormField("vip", "boolean", null, null),
            new FormField("email", "email", null, null)));

    private static RoutingRule rule(String id, Map<String, Object> when, String queueId) {
        return new RoutingRule(id, when, queueId, null, null);
    }

    @Test
    void reachableQueuesFollowTheRulesAndStopAtTheDefault() {
        List<RoutingRule> rules = List.of(
                rule("other-form", Map.of("colour", "red"), "q-colour"),          // a field this form lacks
                rule("no-option", Map.of("topic", "returns"), "q-returns"),        // an option this form lacks
                rule("billing", Map.of("topic", List.of("returns", "BILLING")), "q-billing"),
                rule("vip", Map.of("vip", "true", "email", "*"), "q-vip"),
                rule("default", Map.of(), "q-general"),
                rule("after-default", Map.of("topic", "technical"), "q-tech"));     // never reached
        assertThat(AvailabilityResource.reachableQueues(FORM, rules)).containsExactly("q-billing", "q-vip", "q-general");
        assertThat(AvailabilityResource.reachableQueues(FORM, List.of())).isEmpty();
    }

    @Test
    void openIfAnyReachableQueueIsOpenElseTheEarliestOpening() {
        // Wednesday 2030-01-02 12:00 UTC
        Instant now = Instant.parse("2030-01-02T12:00:00Z");
        assertThat(now.atZone(ZoneOffset.UTC).getDayOfWeek()).isEqualTo(DayOfWeek.WEDNESDAY);
        QueueDefinition mornings = new QueueDefinition("mornings", "Mornings", Map.of(), 0, 20,
                new BusinessHours("UTC", List.of(new BusinessHours.Window(List.of("MON", "TUE", "WED", "THU", "FRI"), "08:00", "11:00"))),
                null, null);
        QueueDefinition moscow = new QueueDefinition("moscow", "Moscow", Map.of(), 0, 20,
                new BusinessHours("Europe/Moscow", List.of(new BusinessHours.Window(List.of("WED"), "18:00", "20:00"))), null, null);
        Map<String, QueueDefinition> queues = Map.of("mornings", mornings, "moscow", moscow);
        List<RoutingRule> rules = List.of(rule("a", Map.of("topic", "billing"), "mornings"), rule("b", Map.of(), "moscow"),
                rule("c", Map.of("topic", "technical"), "missing"));

        AvailabilityResource.Availability a = AvailabilityResource.availability("f", FORM, rules, queues, now);
        assertThat(a.open()).isFalse();
        // Moscow is UTC+3: 18:00 there is 15:00 UTC today, before tomorrow's 08:00 UTC
        assertThat(a.nextOpenAt()).isEqualTo(Instant.parse("2030-01-02T15:00:00Z"));
        assertThat(a.hours()).extracting(AvailabilityResource.QueueHours::queueId).containsExactly("mornings", "moscow");
        assertThat(a.hours().getFirst().nextOpenAt()).isEqualTo(Instant.parse("2030-01-03T08:00:00Z"));

        AvailabilityResource.Availability during = AvailabilityResource.availability("f", FORM, rules, queues,
                Instant.parse("2030-01-02T15:30:00Z"));
        assertThat(during.open()).isTrue();
        assertThat(during.nextOpenAt()).isNull();
        assertThat(during.hours()).extracting(AvailabilityResource.QueueHours::open).containsExactly(false, true);
    }
}
