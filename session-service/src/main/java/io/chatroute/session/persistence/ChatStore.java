package io.chatroute.session.persistence;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.redis.datasource.hash.HashCommands;
import io.quarkus.redis.datasource.list.ListCommands;
import io.quarkus.redis.datasource.value.ValueCommands;
import io.vertx.mutiny.redis.client.Response;
import jakarta.enterprise.context.ApplicationScoped;

/** The chat state in Redis. Every state change is one Lua script that also appends its event to the outbox. */
@ApplicationScoped
public class ChatStore {

    /** Result of a script that returns a status and a value. */
    public record Outcome(String status, String value) {
        public boolean is(String s) {
            return s.equals(status);
        }
    }

    /** An outbox entry to append with a chat creation. */
    public record NewEvent(String id, String data) {
    }

    private final Scripts scripts;
    private final HashCommands<String, String, String> hashes;
    private final ListCommands<String, String> lists;
    private final ValueCommands<String, String> values;

    public ChatStore(RedisDataSource redis, Scripts scripts) {
        this.scripts = scripts;
        this.hashes = redis.hash(String.class);
        this.lists = redis.list(String.class);
        this.values = redis.value(String.class);
    }

    public Outcome create(String chatId, Map<String, String> fields, String tokenHash, NewEvent requested,
                          NewEvent firstMessage, String clientMsgId, String time,
                          String idempotencyRecordId, String sealedAnswer, Duration idempotencyTtl, String requestHash) {
        boolean idem = idempotencyRecordId != null;
        Response r = scripts.eval(Scripts.CREATE_CHAT,
                List.of(Keys.chat(chatId), Keys.visitorToken(tokenHash), Keys.messages(chatId), Keys.clientMsgs(chatId),
                        Keys.OUTBOX, idem ? Keys.idempotency(idempotencyRecordId) : Keys.idempotency("none")),
                List.of(io.vertx.core.json.Json.encode(fields), chatId, requested.id(), requested.data(), time,
                        firstMessage == null ? "" : firstMessage.id(), firstMessage == null ? "" : firstMessage.data(),
                        clientMsgId == null ? "" : clientMsgId,
                        idem ? "1" : "0", idem ? sealedAnswer : "", Long.toString(idempotencyTtl.toSeconds()),
                        requestHash == null ? "" : requestHash));
        return new Outcome(r.get(0).toString(), r.get(1).toString());
    }

    /** The stored idempotency record ({requestHash, answer}) or null. */
    public String idempotencyRecord(String recordId) {
        return values.get(Keys.idempotency(recordId));
    }

    public Outcome postMessage(String chatId, String clientMsgId, String dataWithoutSeq, String eventId, String senderKind,
                               String senderId, String time) {
        Response r = scripts.eval(Scripts.POST_MESSAGE,
                List.of(Keys.chat(chatId), Keys.messages(chatId), Keys.clientMsgs(chatId), Keys.OUTBOX),
                List.of(clientMsgId, dataWithoutSeq, eventId, senderKind, senderId == null ? "" : senderId, time));
        return new Outcome(r.get(0).toString(), r.get(1).toString());
    }

    public String close(String chatId, String by, String agentId, String eventId, String time) {
        return scripts.eval(Scripts.CLOSE_CHAT, List.of(Keys.chat(chatId), Keys.OUTBOX),
                List.of(by, agentId == null ? "" : agentId, eventId, time)).toString();
    }

    public Outcome answerOffer(String chatId, boolean accept, String agentId, String eventId, String time, String reason) {
        Response r = scripts.eval(Scripts.ANSWER_OFFER, List.of(Keys.chat(chatId), Keys.OUTBOX),
                List.of(accept ? "accept" : "decline", agentId, eventId, time, reason == null ? "" : reason));
        return new Outcome(r.get(0).toString(), r.get(1).toString());
    }

    /** Applies a consumed event once: 1 applied, 0 already processed, 2 skipped. */
    public long project(String eventId, String chatId, Duration markerTtl, String statuses, String offerId, Map<String, String> fields) {
        List<String> args = new ArrayList<>();
        args.add(Long.toString(markerTtl.toSeconds()));
        args.add(statuses);
        args.add(offerId == null ? "" : offerId);
        fields.forEach((k, v) -> {
            args.add(k);
            args.add(v == null ? "" : v);
        });
        return scripts.eval(Scripts.PROJECT, List.of(Keys.processed(eventId), Keys.chat(chatId)), args).toLong();
    }

    /** The chat hash, empty when unknown. */
    public Map<String, String> chat(String chatId) {
        return hashes.hgetall(Keys.chat(chatId));
    }

    /** Stored message JSONs with seq > afterSeq, in order. */
    public List<String> messagesAfter(String chatId, long afterSeq) {
        return lists.lrange(Keys.messages(chatId), Math.max(0, afterSeq), -1);
    }

    /** Appends an event that changes no state (agent.presence.requested) to the outbox. */
    public void appendEvent(String id, String type, String key, String topic, String time, String data) {
        scripts.eval("append_event", List.of(Keys.OUTBOX), List.of(id, type, key, topic, time, data));
    }
}
