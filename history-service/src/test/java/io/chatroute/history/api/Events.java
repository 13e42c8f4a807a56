package io.chatroute.history.api;

import java.time.Instant;
import java.util.UUID;



import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.KafkaTestClient;

/** Builds the events history consumes, checks each against its producer's schema and publishes it. */
final class Events {

    static final String TOPIC = "chat-events";
    static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");

    private final KafkaTestClient kafka;

    Events(KafkaTestClient kafka) {
        this.kafka = kafka;
    }

    static String requested(String chatId, String customerId, Instant at) {
        return """
                {"chatId":"%s","formId":"default","visitor":{"name":"Anna","email":"a@example.com","locale":"ru","customerId":"%s"},
                 "form":{"topic":"billing","language":"ru"},"message":"I was charged twice","queueId":"general","requestedAt":"%s"}"""
                .formatted(chatId, customerId, at);
    }

    static String queued(String chatId, String queueId, Instant at) {
        return """
                {"chatId":"%s","queueId":"%s","ruleId":"ru-billing","requiredSkills":{"lang:ru":1},"priority":1,
                 "position":1,"estimatedWaitSeconds":60,"queuedAt":"%s"}""".formatted(chatId, queueId, at);
    }

    static String assigned(String chatId, String agentId, String queueId, Instant at) {
        return """
                {"chatId":"%s","agentId":"%s","queueId":"%s","offerId":"o-1","assignedAt":"%s",
                 "agent":{"id":"%s","displayName":"Boris","title":"Billing","avatarUrl":null}}"""
                .formatted(chatId, agentId, queueId, at, agentId);
    }

    static String message(String chatId, int seq, String from, String senderId, String text, Instant at) {
        return """
                {"chatId":"%s","seq":%d,"messageId":"m-%s-%d","clientMsgId":"k-%d","from":"%s","senderId":%s,
                 "text":"%s","language":"en","sentAt":"%s"}"""
                .formatted(chatId, seq, chatId, seq, seq, from, senderId == null ? "null" : "\"" + senderId + "\"",
                        text, at);
    }

    static String closed(String chatId, String by, String agentId, Instant at) {
        return """
                {"chatId":"%s","by":"%s","agentId":"%s","closedAt":"%s"}""".formatted(chatId, by, agentId, at);
    }

    static String surveyed(String chatId, Integer csat, Integer ces, String comment, Instant at) {
        return """
                {"chatId":"%s","csat":%s,"ces":%s,"comment":%s,"surveyedAt":"%s"}"""
                .formatted(chatId, csat, ces, comment == null ? "null" : "\"" + comment + "\"", at);
    }

    static String offered(String chatId, String agentId, String queueId, String offerId, Instant at) {
        return """
                {"chatId":"%s","agentId":"%s","queueId":"%s","offerId":"%s","offeredAt":"%s","expiresAt":"%s",
                 "visitor":{"name":"Anna","customerId":null},"form":{"topic":"billing"},"message":"I was charged twice"}"""
                .formatted(chatId, agentId, queueId, offerId, at, at.plusSeconds(20));
    }

    static String transferred(String chatId, String requestId, String fromAgentId, String queueId, String agentId,
                              String note, Instant at) {
        return """
                {"chatId":"%s","requestId":"%s","fromAgentId":"%s","queueId":%s,"agentId":%s,"note":%s,"transferredAt":"%s"}"""
                .formatted(chatId, requestId, fromAgentId, queueId == null ? "null" : "\"" + queueId + "\"",
                        agentId == null ? "null" : "\"" + agentId + "\"", note == null ? "null" : "\"" + note + "\"", at);
    }

    /** Validates against the producer's schema. */
    static void assertValid(String producer, String type, String json) {
        EventSchemas.assertValid(producer, type, json);
    }

    /** Validates against the producer's schema, then publishes with a fresh id; returns the id. */
    String send(String producer, String type, String chatId, String json) {
        assertValid(producer, type, json);
        return kafka.send(TOPIC, chatId, type, "/" + producer, json);
    }

    /** Validates, then publishes with the given id. */
    String send(String producer, String type, String chatId, String id, String json) {
        assertValid(producer, type, json);
        return kafka.send(TOPIC, chatId, id, type, "/" + producer, json);
    }

    String session(String type, String chatId, String json) {
        return send("session-service", type, chatId, json);
    }

    String routing(String type, String chatId, String json) {
        return send("routing-service", type, chatId, json);
    }

    /** A routing event whose CloudEvents {@code time} (routing's commit) is {@code time}. */
    String routingAt(String type, String chatId, String json, Instant time) {
        assertValid("routing-service", type, json);
        return kafka.send(TOPIC, chatId, UUID.randomUUID().toString(), type, "/routing-service", json, time);
    }

    /** chat.queued that puts a held chat back in line because its agent went away (routing's reason agent-lost). */
    static String requeued(String chatId, String queueId, Instant queuedAt) {
        return """
                {"chatId":"%s","queueId":"%s","ruleId":"ru-billing","requiredSkills":{"lang:ru":1},"priority":1,
                 "position":1,"estimatedWaitSeconds":60,"queuedAt":"%s","reason":"agent-lost"}""".formatted(chatId, queueId, queuedAt);
    }
}
