package io.chatroute.routing.messaging;

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
 * {@link EventShapes} against the producer's schema files (session-service's {@code schemas/events}): for every type
 * routing consumes, the same required fields with the same types, so an event valid by its schema is never refused and
 * one that breaks a required field never reaches a handler.
 */
class EventShapesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyConsumedTypeHasTheRequiredFieldsOfItsProducersSchema() throws IOException {
        for (Map.Entry<String, List<EventShapes.Field>> e : EventShapes.REQUIRED.entrySet()) {
            JsonNode schema = JSON.readTree(Files.readString(EventSchemas.schemaFile("session-service", e.getKey())));
            List<String> required = new ArrayList<>();
            schema.path("required").forEach(n -> required.add(n.asText()));
            assertThat(e.getValue()).extracting(EventShapes.Field::name).as(e.getKey()).containsExactlyInAnyOrderElementsOf(required);
            for (EventShapes.Field f : e.getValue()) {
                JsonNode p = schema.path("properties").path(f.name());
                String what = e.getKey() + "." + f.name();
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
                    case TIME -> assertThat(p.path("format").asText()).as(what).isEqualTo("date-time");
                    case OBJECT -> assertThat(p.path("type").asText()).as(what).isEqualTo("object");
                    case ONE_OF -> {
                        Set<String> values = new HashSet<>();
                        p.path("enum").forEach(n -> values.add(n.asText()));
                        assertThat(f.allowed()).as(what).isEqualTo(values);
                    }
                }
            }
        }
    }

    @Test
    void everyTypeRoutingAppliesHasItsShape() {
        for (String type : EventShapes.REQUIRED.keySet()) {
            assertThat(EventConsumer.known(type, "/session-service")).as(type).isTrue();
        }
        for (String type : List.of("chat.requested", "chat.offer.accepted", "chat.offer.declined", "chat.offer.delivered", "chat.closed",
                "chat.transfer.requested", "agent.presence.requested", "agent.connected", "chat.message.posted", "chat.queued",
                "chat.offered", "chat.assigned", "kb.suggested", "chat.read", "chat.surveyed", "chat.tagged", "suggestion.used")) {
            if (EventConsumer.known(type, "/session-service")) {
                assertThat(EventShapes.REQUIRED).as(type).containsKey(type);
            }
        }
    }

    @Test
    void anEventValidByItsSchemaPassesAndOneBreakingARequiredFieldIsPoison() throws IOException {
        String valid = """
                {"chatId":"c-1","agentId":"a-1","offerId":"o-1","acceptedAt":"2026-12-05T10:00:00.123+02:00"}""";
        EventSchemas.assertValid("session-service", "chat.offer.accepted", valid);
        EventShapes.check("chat.offer.accepted", "e-1", JSON.readTree(valid));

        Map<String, String> broken = Map.of(
                "agentId", """
                        {"chatId":"c-1","offerId":"o-1","acceptedAt":"2026-12-05T10:00:00Z"}""",
                "offerId", """
                        {"chatId":"c-1","agentId":"a-1","offerId":"","acceptedAt":"2026-12-05T10:00:00Z"}""",
                "acceptedAt", """
                        {"chatId":"c-1","agentId":"a-1","offerId":"o-1","acceptedAt":"yesterday"}""");
        for (Map.Entry<String, String> b : broken.entrySet()) {
            assertThatThrownBy(() -> EventShapes.check("chat.offer.accepted", "e-2", JSON.readTree(b.getValue())))
                    .isInstanceOf(PoisonEventException.class).hasMessageContaining(b.getKey());
        }
        assertThatThrownBy(() -> EventShapes.check("agent.presence.requested", "e-3",
                JSON.readTree("{\"agentId\":\"a-1\",\"status\":\"SLEEPING\",\"requestedAt\":\"2026-12-05T10:00:00Z\"}")))
                .isInstanceOf(PoisonEventException.class).hasMessageContaining("status");
        // null where the schema allows it, a transfer to an agent
        String transfer = """
                {"chatId":"c-1","requestId":"r-1","fromAgentId":"a-1","queueId":null,"agentId":"a-2","note":null,
                 "requestedBy":"a-1","requestedAt":"2026-12-05T10:00:00Z"}""";
        EventSchemas.assertValid("session-service", "chat.transfer.requested", transfer);
        EventShapes.check("chat.transfer.requested", "e-4", JSON.readTree(transfer));
    }

    private static Set<String> types(JsonNode p) {
        Set<String> out = new HashSet<>();
        p.path("type").forEach(n -> out.add(n.asText()));
        return out;
    }
}
