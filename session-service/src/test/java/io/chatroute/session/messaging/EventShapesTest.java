package io.chatroute.session.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.infra.test.EventSchemas;

/**
 * {@link EventShapes} against the producers' schema files: for every type checked, the same required fields with the
 * same types as its producer's {@code schemas/events/<type>.json} (both producers' for chat.offer.declined), so an
 * event valid by its schema is never refused and one that breaks a required field never reaches the projection.
 */
class EventShapesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static final Map<String, List<String>> PRODUCERS = Map.of(
            "chat.queued", List.of("routing-service"),
            "chat.offline", List.of("routing-service"),
            "chat.offered", List.of("routing-service"),
            "chat.offer.declined", List.of("routing-service", "session-service"),
            "chat.assignment.failed", List.of("routing-service"),
            "chat.assigned", List.of("routing-service"),
            "chat.transferred", List.of("routing-service"),
            "chat.routing.failed", List.of("routing-service"),
            "chat.closed", List.of("session-service"),
            "kb.suggested", List.of("knowledge-service"));

    @Test
    void everyCheckedTypeHasTheRequiredFieldsOfItsProducersSchema() throws IOException {
        assertThat(EventShapes.REQUIRED.keySet()).isEqualTo(PRODUCERS.keySet());
        for (Map.Entry<String, List<EventShapes.Field>> e : EventShapes.REQUIRED.entrySet()) {
            for (String producer : PRODUCERS.get(e.getKey())) {
                JsonNode schema = JSON.readTree(Files.readString(EventSchemas.schemaFile(producer, e.getKey())));
                List<String> required = new ArrayList<>();
                schema.path("required").forEach(n -> required.add(n.asText()));
                assertThat(e.getValue()).extracting(EventShapes.Field::name).as(producer + " " + e.getKey())
                        .containsExactlyInAnyOrderElementsOf(required);
                for (EventShapes.Field f : e.getValue()) {
                    matches(producer + " " + e.getKey() + "." + f.name(), f, schema.path("properties").path(f.name()));
                }
            }
        }
    }

    private static void matches(String what, EventShapes.Field f, JsonNode p) {
        switch (f.kind()) {
            case TEXT -> {
                assertThat(p.path("type").asText()).as(what).isEqualTo("string");
                assertThat(p.path("minLength").asInt()).as(what).isGreaterThanOrEqualTo(1);
            }
            case TEXT_OR_NULL -> {
                assertThat(types(p)).as(what).isEqualTo(Set.of("string", "null"));
                assertThat(p.path("minLength").asInt()).as(what).isGreaterThanOrEqualTo(1);
            }
            case ANY_TEXT_OR_NULL -> {
                assertThat(types(p)).as(what).isEqualTo(Set.of("string", "null"));
                assertThat(p.has("minLength")).as(what).isFalse();
            }
            case TIME -> {
                assertThat(p.path("type").asText()).as(what).isEqualTo("string");
                assertThat(p.path("format").asText()).as(what).isEqualTo("date-time");
            }
            case TIME_OR_NULL -> {
                assertThat(types(p)).as(what).isEqualTo(Set.of("string", "null"));
                assertThat(p.path("format").asText()).as(what).isEqualTo("date-time");
            }
            case INTEGER -> {
                assertThat(p.path("type").asText()).as(what).isEqualTo("integer");
                assertThat(f.min()).as(what).isEqualTo(p.has("minimum") ? p.path("minimum").asLong() : Long.MIN_VALUE);
            }
            case OBJECT -> assertThat(p.path("type").asText()).as(what).isEqualTo("object");
            case ARRAY -> assertThat(p.path("type").asText()).as(what).isEqualTo("array");
            case ONE_OF -> {
                Set<String> values = new HashSet<>();
                p.path("enum").forEach(n -> values.add(n.asText()));
                if (p.has("const")) {
                    values.add(p.path("const").asText());
                }
                assertThat(f.allowed()).as(what).isEqualTo(values);
            }
        }
    }

    @Test
    void anEventValidByItsSchemaPassesAndOneBreakingARequiredFieldIsPoison() throws IOException {
        String offered = """
                {"chatId":"c-1","agentId":"a-1","queueId":"q","offerId":"o-1","offeredAt":"2026-12-05T10:00:00Z",
                 "expiresAt":"2026-12-05T12:00:20.5+02:00"}""";
        EventSchemas.assertValid("routing-service", "chat.offered", offered);
        EventShapes.check("chat.offered", "e-1", JSON.readTree(offered));
        String offline = """
                {"chatId":"c-1","queueId":"q","ruleId":"r","requiredSkills":{},"priority":-1,"status":"OFFLINE","reason":"closed",
                 "nextOpenAt":null,"queuedAt":"2026-12-05T10:00:00Z"}""";
        EventSchemas.assertValid("routing-service", "chat.offline", offline);
        EventShapes.check("chat.offline", "e-2", JSON.readTree(offline));

        Map<String, String> broken = Map.of(
                "agentId", """
                        {"chatId":"c-1","queueId":"q","offerId":"o-1","offeredAt":"2026-12-05T10:00:00Z","expiresAt":"2026-12-05T10:00:20Z"}""",
                "expiresAt", """
                        {"chatId":"c-1","agentId":"a-1","queueId":"q","offerId":"o-1","offeredAt":"2026-12-05T10:00:00Z","expiresAt":"soon"}""",
                "queueId", """
                        {"chatId":"c-1","agentId":"a-1","queueId":7,"offerId":"o-1","offeredAt":"2026-12-05T10:00:00Z","expiresAt":"2026-12-05T10:00:20Z"}""");
        for (Map.Entry<String, String> b : broken.entrySet()) {
            assertThatThrownBy(() -> EventShapes.check("chat.offered", "e-3", JSON.readTree(b.getValue())))
                    .isInstanceOf(PoisonEventException.class).hasMessageContaining(b.getKey());
        }
        assertThatThrownBy(() -> EventShapes.check("chat.queued", "e-4", JSON.readTree("""
                {"chatId":"c-1","queueId":"q","ruleId":"r","requiredSkills":{},"priority":0,"position":0,"estimatedWaitSeconds":5,
                 "queuedAt":"2026-12-05T10:00:00Z"}"""))).isInstanceOf(PoisonEventException.class).hasMessageContaining("position");
        // JSON Schema's integer: 1.0 is one
        EventShapes.check("kb.suggested", "e-6", JSON.readTree("""
                {"chatId":"c-1","forSeq":1.0,"items":[],"suggestedAt":"2026-12-05T10:00:00Z"}"""));
        // a type the check does not know is left to its reader
        EventShapes.check("chat.read", "e-5", JSON.readTree("{\"chatId\":\"c-1\"}"));
    }

    private static Set<String> types(JsonNode p) {
        Set<String> out = new HashSet<>();
        p.path("type").forEach(n -> out.add(n.asText()));
        return out;
    }
}
