package io.chatroute.session.messaging;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The CloudEvents binary-mode attributes of a consumed record. */
record IncomingEvent(String id, String type, String key, String data) {

    static IncomingEvent of(ConsumerRecord<String, String> record) {
        return new IncomingEvent(header(record, "ce_id"), header(record, "ce_type"), record.key(), record.value());
    }

    /**
     * The data as a JSON object with a chatId (for chat.* and kb.* events) and what its producer's schema requires of
     * the types other services produce ({@link EventShapes}), or a poison record.
     */
    JsonNode json(ObjectMapper mapper) {
        if (id == null || id.isBlank()) {
            throw new PoisonEventException(type + " without a ce_id");
        }
        JsonNode n;
        try {
            n = data == null ? null : mapper.readTree(data);
        } catch (Exception e) {
            throw new PoisonEventException(type + " " + id + ": the data is not JSON", e);
        }
        if (n == null || !n.isObject()) {
            throw new PoisonEventException(type + " " + id + ": the data is not a JSON object");
        }
        if (!type.startsWith("agent.") && !type.startsWith("stats.") && !n.path("chatId").isTextual()) {
            throw new PoisonEventException(type + " " + id + ": no chatId");
        }
        EventShapes.check(type, id, n);
        return n;
    }

    String describe() {
        return type + " " + id;
    }

    private static String header(ConsumerRecord<String, String> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
