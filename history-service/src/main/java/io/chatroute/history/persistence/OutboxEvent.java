package io.chatroute.history.persistence;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An event history-service publishes, as kept in its outbox ({@code outbox_event}) until the broker acknowledged it.
 * {@code data} is the CloudEvents data (JSON); the record key is the chat id.
 */
public record OutboxEvent(UUID id, String type, String chatId, Instant occurredAt, String data) {

    public static final String TAGGED = "transcript.tagged";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The tags of a chat replaced over REST (schemas/events/transcript.tagged.json). */
    static OutboxEvent tagged(String chatId, List<String> tags, Instant at, String taggedBy) {
        ObjectNode data = JSON.createObjectNode();
        data.put("chatId", chatId);
        ArrayNode list = data.putArray("tags");
        tags.forEach(list::add);
        data.put("taggedAt", DateTimeFormatter.ISO_INSTANT.format(at));
        data.put("taggedBy", taggedBy == null || taggedBy.isBlank() ? "unknown" : taggedBy);
        return new OutboxEvent(UUID.randomUUID(), TAGGED, chatId, at, data.toString());
    }
}
