package io.chatroute.session.api;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.domain.ChatRequest;
import io.chatroute.session.domain.ChatRequestValidator;
import io.chatroute.session.domain.ChatStatus;
import io.chatroute.session.domain.FieldError;
import io.chatroute.session.domain.IdempotencySeal;
import io.chatroute.session.domain.Limits;
import io.chatroute.session.domain.MessageRules;
import io.chatroute.session.domain.TextSafety;
import io.chatroute.session.domain.VisitorTokens;
import io.chatroute.session.messaging.CustomerContext;
import io.chatroute.session.messaging.OutboxRelay;
import io.chatroute.session.messaging.RoutingGateway;
import io.chatroute.session.persistence.ChatStore;
import io.chatroute.session.persistence.Scripts;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The chat use cases shared by REST and sockets. State changes come in two forms: {@code ...Async} never blocks
 * (the sockets call them on the event loop) and the plain form waits for it (REST, worker threads). Reads block.
 */
@ApplicationScoped
public class ChatService {

    /** A created chat's answer (and whether it was replayed from an Idempotency-Key). */
    public record Created(Map<String, Object> body, boolean replayed) {
    }

    /**
     * A posted message's sequence number, whether the clientMsgId was already known (then nothing was stored), and the
     * data of the {@code chat.message.posted} event committed with it (null for a duplicate).
     */
    public record Posted(long seq, boolean duplicate, String eventData) {
    }

    private final ChatStore store;
    private final RoutingGateway routing;
    private final WriteLocks locks;
    private final CustomerContext customers;
    private final SessionConfig config;
    private final ObjectMapper mapper;
    private final ObjectMapper canonical;
    private final Limits limits;
    private final ChatRequestValidator validator;

    public ChatService(ChatStore store, RoutingGateway routing, OutboxRelay relay, CustomerContext customers,
            SessionConfig config, ObjectMapper mapper) {
        this.store = store;
        this.customers = customers;
        this.routing = routing;
        this.locks = new WriteLocks(relay);
        this.config = config;
        this.mapper = mapper;
        this.canonical = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        this.limits = new Limits(config.limits().messageMaxChars(), config.limits().frameMaxBytes(),
                config.limits().formMaxFields(), config.limits().formMaxValueChars());
        this.validator = new ChatRequestValidator(limits);
    }

    public Limits limits() {
        return limits;
    }

    // ------------------------------------------------------------------ create

    public Created create(ChatRequest received, String idempotencyKey) {
        return create(received, idempotencyKey, () -> {
        });
    }

    /**
     * Starts a chat; {@code admit} (the caller's start limit) runs after the body was found valid and after a replay of
     * an earlier start with the same Idempotency-Key was answered, so a retry is never refused by the limit it passed.
     */
    public Created create(ChatRequest received, String idempotencyKey, Runnable admit) {
        ChatRequest request = received.sanitized();
        List<FieldError> errors = validator.validate(request);
        if (!errors.isEmpty()) {
            throw ChatException.validation(errors);
        }
        boolean idempotent = checkedKey(idempotencyKey);
        String recordId = idempotent ? IdempotencySeal.recordId(idempotencyKey) : null;
        String requestHash = idempotent ? VisitorTokens.sha256Hex(canonicalJson(request)) : null;
        if (idempotent) {
            Created replay = replay(store.idempotencyRecord(recordId), idempotencyKey, requestHash);
            if (replay != null) {
                return replay;
            }
        }
        admit.run();

        String chatId = ChatStore.newChatId(recordId);
        // the agent's view of the customer is looked up now, beside routing's evaluation, not when the offer is made
        customers.prefetch(request.visitor().customerId());
        RoutingGateway.Evaluation evaluation = routing.evaluate(chatId, request.formId(), request.form());
        // routing-service away: the chat is accepted as QUEUED with no position yet; routing places it on chat.requested
        ChatStatus status = !evaluation.pending() && (!evaluation.open() || evaluation.agentsAble() == 0)
                ? ChatStatus.OFFLINE : ChatStatus.QUEUED;
        String token = ChatStore.newVisitorToken(chatId);
        String now = now();
        String language = language(request);

        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("chatId", chatId);
        fields.put("status", status.name());
        fields.put("formId", request.formId());
        fields.put("queueId", nz(evaluation.queueId()));
        fields.put("visitorName", nz(request.visitor().name()));
        fields.put("visitorEmail", nz(request.visitor().email()));
        fields.put("visitorLocale", nz(request.visitor().locale()));
        fields.put("customerId", nz(request.visitor().customerId()));
        fields.put("form", json(request.form()));
        fields.put("language", nz(language));
        fields.put("createdAt", now);
        fields.put("seq", "0");
        fields.put("position", status == ChatStatus.QUEUED && evaluation.position() != null ? evaluation.position().toString() : "");
        fields.put("estimatedWaitSeconds", status == ChatStatus.QUEUED && evaluation.estimatedWaitSeconds() != null
                ? evaluation.estimatedWaitSeconds().toString() : "");
        fields.put("nextOpenAt", nz(evaluation.nextOpenAt()));
        if (status == ChatStatus.OFFLINE) {
            // the visitor is told the message is saved for later (closed queue, or nobody able): never closed because they
            // left, also once routing queues it (VisitorPresence)
            fields.put("leftForLater", "1");
        }

        ObjectNode requested = mapper.createObjectNode();
        requested.put("chatId", chatId);
        requested.put("formId", request.formId());
        requested.set("visitor", visitorNode(request.visitor()));
        requested.set("form", mapper.valueToTree(request.form()));
        requested.put("message", request.message());
        requested.put("queueId", evaluation.queueId());
        requested.put("requestedAt", now);

        ChatStore.NewEvent firstMessage = request.message() == null ? null : firstMessage(chatId, request, language, now);

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("chatId", chatId);
        body.put("visitorToken", token);
        body.put("status", status.name());
        body.put("queueId", evaluation.queueId());
        body.put("position", status == ChatStatus.QUEUED ? evaluation.position() : null);
        body.put("estimatedWaitSeconds", status == ChatStatus.QUEUED ? evaluation.estimatedWaitSeconds() : null);
        body.put("nextOpenAt", evaluation.nextOpenAt());
        if (evaluation.pending()) {
            body.put("routing", "pending");
        }

        String sealed = recordId == null ? null : IdempotencySeal.seal(idempotencyKey, json(body));
        ChatStore.NewEvent requestedEvent = new ChatStore.NewEvent(UUID.randomUUID().toString(), requested.toString());
        ChatStore.Outcome outcome = locks.write(chatId, () -> store.create(chatId, fields, VisitorTokens.sha256Hex(token),
                requestedEvent, firstMessage, null, now, recordId, sealed, config.idempotency().ttl(), requestHash,
                config.retention().visitorToken()))
                .await().indefinitely();
        if (outcome.is("dup")) {
            // another request with the same key won the race
            return replay(outcome.value(), idempotencyKey, requestHash);
        }
        return new Created(body, false);
    }

    /** The first message (from the start form) as its chat.message.posted data, seq 1. */
    private ChatStore.NewEvent firstMessage(String chatId, ChatRequest request, String language, String now) {
        ObjectNode msg = messageData(chatId, null, "visitor", request.visitor().customerId(), request.message(), language, now);
        msg.put("seq", 1);
        return new ChatStore.NewEvent(UUID.randomUUID().toString(), msg.toString());
    }

    private Created replay(String record, String idempotencyKey, String requestHash) {
        if (record == null) {
            return null;
        }
        try {
            JsonNode r = mapper.readTree(record);
            if (!requestHash.equals(r.path("requestHash").asText())) {
                throw new ChatException(422, "idempotency-key-reused",
                        "this Idempotency-Key was used with a different request body");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> body = mapper.readValue(IdempotencySeal.open(idempotencyKey, r.path("answer").asText()), LinkedHashMap.class);
            return new Created(body, true);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt idempotency record", e);
        }
    }

    /** Counts a chat start from an address; 429 when the address started too many this minute. */
    public void admitStart(String address) {
        long n = store.countStart(address);
        if (n > config.limits().startsPerMinutePerAddress()) {
            throw ChatException.rateLimited("at most " + config.limits().startsPerMinutePerAddress()
                    + " chat starts a minute from one address", 60_000);
        }
    }

    /** A platform's own quota of chat starts (the token's subject), instead of the per-address limit. */
    public void admitPlatformStart(String subject) {
        long n = store.countPlatformStart(subject);
        if (n > config.limits().platformStartsPerMinute()) {
            throw ChatException.rateLimited("at most " + config.limits().platformStartsPerMinute()
                    + " chat starts a minute for one platform", 60_000);
        }
    }

    // ------------------------------------------------------------------ read

    public Map<String, String> chatOrThrow(String chatId) {
        Map<String, String> chat = store.chat(chatId);
        if (chat.isEmpty()) {
            throw new ChatException(404, "chat-not-found", "no chat " + chatId);
        }
        return chat;
    }

    public Map<String, Object> view(String chatId) {
        return view(chatId, chatOrThrow(chatId));
    }

    /** The REST view of a chat hash already read. */
    public Map<String, Object> view(String chatId, Map<String, String> chat) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("chatId", chatId);
        view.put("status", chat.get("status"));
        view.put("queueId", emptyToNull(chat.get("queueId")));
        view.put("agent", agentObject(chat));
        view.put("position", intOrNull(chat.get("position")));
        view.put("estimatedWaitSeconds", intOrNull(chat.get("estimatedWaitSeconds")));
        view.put("nextOpenAt", emptyToNull(chat.get("nextOpenAt")));
        view.put("createdAt", chat.get("createdAt"));
        view.put("lastSeq", intOrNull(chat.get("seq")));
        if ("CLOSED".equals(chat.get("status"))) {
            // additions: who closed it, and why when the system did (not-routed: no queue could take it)
            view.put("closedBy", emptyToNull(chat.get("closedBy")));
            view.put("closeReason", emptyToNull(chat.get("closeReason")));
        }
        return view;
    }

    /** The assigned agent's public profile, or null while nobody has the chat. */
    public Object agentObject(Map<String, String> chat) {
        if (!"ACTIVE".equals(chat.get("status")) && !"CLOSED".equals(chat.get("status"))) {
            return null;
        }
        String agent = chat.get("agent");
        if (agent == null || agent.isEmpty()) {
            return null;
        }
        try {
            return mapper.readTree(agent);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    public List<String> messagesAfter(String chatId, long afterSeq) {
        return store.messagesAfter(chatId, afterSeq);
    }

    // ------------------------------------------------------------------ write

    /**
     * Posts a message. {@code senderKind} is visitor, agent or platform (a bridge); {@code from} is what
     * the message shows (visitor, agent, bot, system).
     */
    public Posted post(String chatId, String clientMsgId, String text, String from, String senderKind, String senderId) {
        return postAsync(chatId, clientMsgId, text, from, senderKind, senderId).await().indefinitely();
    }

    /** {@link #post} without blocking: validation errors and outcomes arrive as the Uni's failure. */
    public Uni<Posted> postAsync(String chatId, String clientMsgId, String received, String from, String senderKind, String senderId) {
        List<FieldError> errors = new java.util.ArrayList<>();
        String cleaned = TextSafety.clean(received);
        MessageRules.checkClientMsgId(clientMsgId).ifPresent(m -> errors.add(new FieldError("clientMsgId", m)));
        MessageRules.checkText(cleaned, limits).ifPresent(m -> errors.add(new FieldError("text", m)));
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(ChatException.validation(errors));
        }
        // what is stored, published and shown everywhere: no card number in clear
        String text = TextSafety.maskCards(cleaned);
        String now = now();
        // the script fills in seq and the chat's language: one round trip
        ObjectNode data = messageData(chatId, clientMsgId, from, senderId, text, null, now);
        return locks.write(chatId, () -> store.postMessage(chatId, clientMsgId, data.toString(),
                UUID.randomUUID().toString(), senderKind, senderId, now, System.currentTimeMillis(),
                config.limits().visitorMessagesPerSecond(), config.limits().visitorMessageBurst())).map(outcome -> switch (outcome.status()) {
                    case "ok" -> new Posted(Long.parseLong(outcome.value()), false, postedData(outcome.emitted()));
                    case "dup" -> new Posted(Long.parseLong(outcome.value()), true, null);
                    case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
                    case "closed" -> throw new ChatException(409, "chat-closed", "the chat is closed");
                    case "not_assigned" -> throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
                    case "rate_limited" -> throw ChatException.rateLimited("at most "
                            + config.limits().visitorMessagesPerSecond() + " messages a second (bursts of "
                            + config.limits().visitorMessageBurst() + "); try again in " + outcome.value() + " ms",
                            Long.parseLong(outcome.value()));
                    default -> throw new IllegalStateException("unexpected outcome " + outcome);
                });
    }

    /** Closes the chat; false when it was already closed. */
    public boolean close(String chatId, String by, String agentId) {
        return closeAsync(chatId, by, agentId).await().indefinitely();
    }

    public Uni<Boolean> closeAsync(String chatId, String by, String agentId) {
        return locks.write(chatId, () -> store.close(chatId, by, agentId, UUID.randomUUID().toString(), now(),
                config.retention().closedChat()))
                .map(outcome -> switch (outcome.status()) {
                    case "ok" -> true;
                    case "already" -> false;
                    case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
                    case "not_assigned" -> throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
                    default -> throw new IllegalStateException("unexpected outcome " + outcome);
                });
    }

    /**
     * Closes a waiting chat whose visitor was last seen at or before {@code cutoffMillis} (VisitorPresence): the
     * script's answer (ok, back, not_waiting, already, not_found).
     */
    public Uni<String> closeIfVisitorGone(String chatId, long cutoffMillis) {
        return locks.write(chatId, () -> store.closeIfVisitorGone(chatId, UUID.randomUUID().toString(), now(),
                config.retention().closedChat(), cutoffMillis, System.currentTimeMillis())).map(ChatStore.Outcome::status);
    }

    public String answerOffer(String chatId, String agentId, boolean accept, String reason) {
        return answerOfferAsync(chatId, agentId, accept, reason).await().indefinitely();
    }

    public Uni<String> answerOfferAsync(String chatId, String agentId, boolean accept, String reason) {
        String cleanedReason = reason == null ? null : TextSafety.cleanLine(reason);
        if (cleanedReason != null && cleanedReason.length() > 500) {
            return Uni.createFrom().failure(ChatException.field("reason", "must be at most 500 characters"));
        }
        return locks.write(chatId, () -> store.answerOffer(chatId, accept, agentId, UUID.randomUUID().toString(), now(), cleanedReason))
                .map(outcome -> switch (outcome.status()) {
                    case "ok" -> outcome.value();
                    case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
                    case "no_offer" -> throw new ChatException(409, "no-offer", "there is no open offer of this chat for you");
                    default -> throw new IllegalStateException("unexpected outcome " + outcome);
                });
    }

    /** The visitor's survey after the chat closed (once): chat.surveyed. */
    public Uni<Void> surveyAsync(String chatId, Integer csat, Integer ces, String comment) {
        return surveyAsync(chatId, csat, ces, comment, null);
    }

    /**
     * The same, with the request's Idempotency-Key field ({@link #idempotencyField}, or null): the same key and body again
     * are answered as the first time, with no second event (without a key a second survey is 409 already-surveyed).
     */
    public Uni<Void> surveyAsync(String chatId, Integer csat, Integer ces, String comment, String idempotencyField) {
        String cleaned = TextSafety.maskCards(TextSafety.clean(comment));
        List<FieldError> errors = io.chatroute.session.domain.Feedback.checkSurvey(csat, ces, cleaned);
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(ChatException.validation(errors));
        }
        String now = now();
        ObjectNode data = mapper.createObjectNode();
        data.put("chatId", chatId);
        data.put("csat", csat);
        data.put("ces", ces);
        data.put("comment", cleaned == null || cleaned.isBlank() ? null : cleaned);
        data.put("surveyedAt", now);
        return chatEvent(chatId, "survey", null, "chat.surveyed", now, data, idempotencyField, "RECEIVED").replaceWithVoid();
    }

    /**
     * Where a write's Idempotency-Key is kept on the chat: a hash of the kind of write, the caller, the key and the body,
     * so the same key with another body, or another caller's key, is a new request. Null without a key; 400 for a key
     * over 200 characters.
     */
    public static String idempotencyField(String kind, String callerId, String key, Object... body) {
        if (!checkedKey(key)) {
            return null;
        }
        StringBuilder material = new StringBuilder(kind).append('\u0000').append(callerId).append('\u0000').append(key);
        for (Object part : body) {
            material.append('\u0000').append(part);
        }
        return "idem:" + VisitorTokens.sha256Hex(material.toString());
    }

    /** Whether an Idempotency-Key was given; 400 for one over 200 characters. */
    private static boolean checkedKey(String key) {
        if (key == null || key.isBlank()) {
            return false;
        }
        if (key.length() > 200) {
            throw new ChatException(400, "validation", "Idempotency-Key is too long",
                    List.of(new FieldError("Idempotency-Key", "must be at most 200 characters")));
        }
        return true;
    }

    /** The answer kept for an earlier request with the same Idempotency-Key field, or null. */
    public String keptAnswer(String chatId, String idempotencyField) {
        return idempotencyField == null ? null : store.keptAnswer(chatId, idempotencyField);
    }

    /** The assigned agent's tags for the chat (they replace earlier ones): chat.tagged. */
    public Uni<Void> tagAsync(String chatId, String agentId, List<String> tags) {
        List<FieldError> errors = new java.util.ArrayList<>();
        List<String> clean = io.chatroute.session.domain.Feedback.normaliseTags(tags, errors);
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(ChatException.validation(errors));
        }
        String now = now();
        ObjectNode data = mapper.createObjectNode();
        data.put("chatId", chatId);
        data.set("tags", mapper.valueToTree(clean));
        data.put("agentId", agentId);
        data.put("taggedAt", now);
        return chatEvent(chatId, "tag", agentId, "chat.tagged", now, data, null, null).replaceWithVoid();
    }

    /** The assigned agent used a suggested article: suggestion.used (knowledge-service learns from it). */
    public Uni<Void> suggestionUsedAsync(String chatId, String agentId, String articleId) {
        if (!io.chatroute.session.domain.Feedback.validArticleId(articleId)) {
            return Uni.createFrom().failure(ChatException.field("articleId", "1 to 100 of A-Z a-z 0-9 . _ : -"));
        }
        String now = now();
        ObjectNode data = mapper.createObjectNode();
        data.put("chatId", chatId);
        data.put("articleId", articleId);
        data.put("agentId", agentId);
        data.put("usedAt", now);
        return chatEvent(chatId, "suggestion", agentId, "suggestion.used", now, data, null, null).replaceWithVoid();
    }

    /**
     * Asks routing-service to move the chat the agent holds to a queue or another agent: chat.transfer.requested.
     * Routing decides (chat.transferred or chat.transfer.failed); the answer is the request's id.
     */
    public Uni<String> transferAsync(String chatId, String fromAgentId, String requestedBy, io.chatroute.session.domain.Transfer t) {
        return transferAsync(chatId, fromAgentId, requestedBy, t, null);
    }

    /** The same, with the request's Idempotency-Key field (or null): a retry gets the first request's id, and no second event. */
    public Uni<String> transferAsync(String chatId, String fromAgentId, String requestedBy, io.chatroute.session.domain.Transfer t,
                                     String idempotencyField) {
        List<FieldError> errors = t.check(fromAgentId);
        if (!errors.isEmpty()) {
            return Uni.createFrom().failure(ChatException.validation(errors));
        }
        String now = now();
        String requestId = UUID.randomUUID().toString();
        ObjectNode data = mapper.createObjectNode();
        data.put("chatId", chatId);
        data.put("requestId", requestId);
        data.put("fromAgentId", fromAgentId);
        data.put("queueId", t.queueId());
        data.put("agentId", t.agentId());
        data.put("note", t.note());
        data.put("requestedBy", requestedBy);
        data.put("requestedAt", now);
        return chatEvent(chatId, "transfer", fromAgentId, "chat.transfer.requested", now, data, idempotencyField, requestId);
    }

    /** Answers the kept answer of a replay, or {@code answer} when the event was appended. */
    private Uni<String> chatEvent(String chatId, String kind, String agentId, String type, String now, ObjectNode data,
                                  String idempotencyField, String answer) {
        return locks.write(chatId, () -> store.chatEvent(chatId, kind, agentId, UUID.randomUUID().toString(), type, now, data.toString(),
                        idempotencyField, answer))
                .map(outcome -> switch (outcome.status()) {
                    case "ok" -> answer;
                    case "replay" -> outcome.value();
                    case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
                    case "not_closed" -> throw new ChatException(409, "chat-not-closed", "the survey comes after the chat is closed");
                    case "already" -> throw new ChatException(409, "already-surveyed", "this chat's survey was already answered");
                    case "not_assigned" -> throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
                    case "not_active" -> throw new ChatException(409, "chat-not-active", "only a chat an agent holds can be transferred");
                    default -> throw new IllegalStateException("unexpected outcome " + outcome);
                });
    }

    /** A typing signal: checked (the visitor of an open chat, or its agent), then relayed by {@link Signals}. */
    public Uni<Boolean> typingAllowed(String chatId, String side, String agentId) {
        return store.signal(chatId, "typing", side, agentId, "", now(), 0).map(outcome -> switch (outcome.status()) {
            case "ok" -> true;
            case "closed" -> false; // nobody to tell
            case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
            case "not_assigned" -> throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
            default -> throw new IllegalStateException("unexpected outcome " + outcome);
        });
    }

    /** A read receipt: the side has read up to upToSeq (only forward); chat.read tells the other side. */
    public Uni<Void> readAsync(String chatId, String side, String agentId, long upToSeq) {
        if (upToSeq < 1) {
            return Uni.createFrom().failure(ChatException.field("upToSeq", "must be a positive integer"));
        }
        return locks.write(chatId, () -> store.signal(chatId, "read", side, agentId, UUID.randomUUID().toString(), now(), upToSeq))
                .map(outcome -> switch (outcome.status()) {
                    case "ok" -> (Void) null;
                    case "not_found" -> throw new ChatException(404, "chat-not-found", "no chat " + chatId);
                    case "not_assigned" -> throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
                    case "bad_seq" -> throw ChatException.field("upToSeq", "is beyond the chat's last message");
                    default -> throw new IllegalStateException("unexpected outcome " + outcome);
                });
    }

    /** A disconnect's OFFLINE, with the socket count's version (routing ignores it when a newer open raced ahead). */
    public void requestPresence(String agentId, String status, String reason, long socketVersion) {
        presence(agentId, status, reason, socketVersion).await().indefinitely();
    }

    /**
     * agent.presence.requested; {@code reason} (an addition) tells routing whether the agent chose it ({@code requested})
     * or its last socket closed ({@code disconnected}: an OFFLINE then starts the grace period).
     */
    public Uni<Void> requestPresenceAsync(String agentId, String status, String reason) {
        return presence(agentId, status, reason, null);
    }

    private Uni<Void> presence(String agentId, String status, String reason, Long socketVersion) {
        if (status == null || !List.of("AVAILABLE", "AWAY", "OFFLINE").contains(status)) {
            return Uni.createFrom().failure(ChatException.field("status", "must be AVAILABLE, AWAY or OFFLINE"));
        }
        String now = now();
        ObjectNode data = mapper.createObjectNode();
        data.put("agentId", agentId);
        data.put("status", status);
        data.put("reason", reason);
        if (socketVersion != null) {
            data.put("socketVersion", socketVersion);
        }
        data.put("requestedAt", now);
        return locks.write(agentId, () -> store.appendEvent(UUID.randomUUID().toString(), "agent.presence.requested", agentId,
                "agent-events", now, data.toString())).replaceWithVoid();
    }

    /**
     * Releases the sockets a gone process counted for the agent; when none is left on a live process, OFFLINE (reason
     * disconnected) goes out in the same step. Answers {@code offline}, {@code live} or {@code none}.
     */
    public String releaseGoneInstance(String instanceId, String agentId) {
        return locks.write(agentId, () -> store.instanceGone(instanceId, agentId, UUID.randomUUID().toString(), now()))
                .await().atMost(WriteLocks.CHANGE_TIMEOUT.multipliedBy(2)).status();
    }

    /** agent.connected (an addition): one of the agent's sockets opened, which ends a disconnect's grace period. */
    public void agentConnected(String agentId, long socketVersion) {
        String now = now();
        ObjectNode data = mapper.createObjectNode();
        data.put("agentId", agentId);
        data.put("socketVersion", socketVersion);
        data.put("connectedAt", now);
        locks.write(agentId, () -> store.appendEvent(UUID.randomUUID().toString(), "agent.connected", agentId,
                "agent-events", now, data.toString())).await().indefinitely();
    }

    // ------------------------------------------------------------------ helpers

    private static String postedData(List<Scripts.Emitted> emitted) {
        for (Scripts.Emitted e : emitted) {
            if ("chat.message.posted".equals(e.type())) {
                return e.data();
            }
        }
        return null;
    }

    private ObjectNode messageData(String chatId, String clientMsgId, String from, String senderId, String text,
                                   String language, String sentAt) {
        ObjectNode data = mapper.createObjectNode();
        data.put("chatId", chatId);
        data.put("messageId", UUID.randomUUID().toString());
        data.put("clientMsgId", clientMsgId);
        data.put("from", from);
        data.put("senderId", senderId);
        data.put("text", text);
        data.put("language", language);
        data.put("sentAt", sentAt);
        return data;
    }

    private ObjectNode visitorNode(ChatRequest.Visitor v) {
        ObjectNode n = mapper.createObjectNode();
        n.put("name", v.name());
        n.put("email", v.email());
        n.put("locale", v.locale());
        n.put("customerId", v.customerId());
        return n;
    }

    /** The visitor part of a chat hash as the visitor object of frames. */
    public ObjectNode visitorOf(Map<String, String> chat) {
        ObjectNode n = mapper.createObjectNode();
        n.put("name", emptyToNull(chat.get("visitorName")));
        n.put("email", emptyToNull(chat.get("visitorEmail")));
        n.put("locale", emptyToNull(chat.get("visitorLocale")));
        n.put("customerId", emptyToNull(chat.get("customerId")));
        return n;
    }

    public JsonNode formOf(Map<String, String> chat) {
        try {
            return mapper.readTree(chat.getOrDefault("form", "{}"));
        } catch (JsonProcessingException e) {
            return mapper.createObjectNode();
        }
    }

    private static String language(ChatRequest r) {
        Object lang = r.form().get("language");
        if (lang instanceof String s && !s.isBlank()) {
            return s;
        }
        return r.visitor().locale();
    }

    private String canonicalJson(ChatRequest r) {
        Map<String, Object> m = new TreeMap<>();
        m.put("formId", r.formId());
        m.put("visitor", r.visitor());
        m.put("form", r.form());
        m.put("message", r.message());
        try {
            return canonical.writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private String json(Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }

    static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static Integer intOrNull(String s) {
        return s == null || s.isEmpty() ? null : Integer.valueOf(s);
    }
}
