package io.chatroute.session.api;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.domain.Caller;
import io.smallrye.mutiny.Uni;
import io.quarkus.websockets.next.OnBinaryMessage;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.security.RolesAllowed;

import org.jboss.logging.Logger;

/**
 * The agent's socket (JWT with role agent; the agent id is the token's subject). Frames of one connection are
 * handled one after another on the event loop: state changes are non-blocking script calls, what reads Redis
 * blocking (resume) runs on a worker thread. Open and close run on worker threads.
 */
@WebSocket(path = "/ws/agent", endpointId = AgentSocket.ID)
@RolesAllowed(Caller.AGENT)
public class AgentSocket {

    public static final String ID = "agent";

    private static final Logger LOG = Logger.getLogger(AgentSocket.class);

    private final ChatService chats;
    private final ChatDelivery delivery;
    private final AgentPresence presence;
    private final ObjectMapper mapper;

    private final Signals signals;
    private final CurrentPresence current;

    public AgentSocket(ChatService chats, ChatDelivery delivery, AgentPresence presence,
                       ObjectMapper mapper, Signals signals, CurrentPresence current) {
        this.signals = signals;
        this.current = current;
        this.chats = chats;
        this.delivery = delivery;
        this.presence = presence;
        this.mapper = mapper;
    }

    /**
     * Registered first, then told its open offers and active chats: nothing falls between the two. Then (without
     * waiting) its current presence and load, from routing-service (an addition, {@link CurrentPresence}).
     */
    @OnOpen
    public void open(WebSocketConnection connection) {
        String agentId = agentId(connection);
        presence.opened(agentId, connection); // registers and counts it, in one step against a recount
        if (!connection.isOpen()) {
            return; // closed before its open got here: not registered, nothing to tell
        }
        delivery.agentConnected(connection, agentId, resumeFrom(connection));
        current.tell(connection, agentId);
    }

    /** {@code ?resume=chatId:seq,chatId:seq} (an addition): the desktop's last seq per chat, at most 20 chats. */
    static Map<String, Long> resumeFrom(WebSocketConnection connection) {
        String query = connection.handshakeRequest().query();
        Map<String, Long> out = new java.util.HashMap<>();
        if (query == null) {
            return out;
        }
        for (String part : query.split("&")) {
            if (!part.startsWith("resume=")) {
                continue;
            }
            String value = java.net.URLDecoder.decode(part.substring("resume=".length()), java.nio.charset.StandardCharsets.UTF_8);
            for (String pair : value.split(",", 21)) {
                int colon = pair.lastIndexOf(':');
                if (colon > 0 && out.size() < 20 && pair.substring(colon + 1).matches("\\d{1,18}")) {
                    out.put(pair.substring(0, colon), Long.valueOf(pair.substring(colon + 1)));
                }
            }
        }
        return out;
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        String agentId = agentId(connection);
        try {
            presence.closed(agentId, connection); // unregisters it and takes it off the count, in one step
        } finally {
            delivery.disconnected(connection);
            signals.forget(connection.id());
        }
    }

    /** Binary frames are not part of the protocol: an error frame, the socket stays open. */
    @OnBinaryMessage
    public void onBinary(WebSocketConnection connection, io.vertx.core.buffer.Buffer data) {
        ConnectionRegistry.send(connection, Frames.error(mapper, "bad-frame", "binary frames are not accepted; send JSON text frames"));
    }

    /** A message over the transport's 64 KiB cap: closed with 1009 (too big), as the protocol says; no stack trace. */
    @OnError
    public void onError(WebSocketConnection connection, Throwable failure) {
        Frames.closeOnError(connection, failure);
    }

    @OnTextMessage
    public Uni<Void> onFrame(WebSocketConnection connection, String text) {
        String agentId = agentId(connection);
        Uni<Void> handled;
        JsonNode[] answered = {null};
        try {
            JsonNode frame = Frames.parse(mapper, text, chats.limits());
            answered[0] = frame;
            handled = switch (frame.get("type").asText()) {
                case "presence" -> chats.requestPresenceAsync(agentId, Frames.text(frame, "status"), "requested");
                case "offer.accept" -> chats.answerOfferAsync(Frames.requiredText(frame, "chatId"), agentId, true, null).replaceWithVoid();
                case "offer.decline" -> chats.answerOfferAsync(Frames.requiredText(frame, "chatId"), agentId, false,
                        Frames.text(frame, "reason")).replaceWithVoid();
                case "message" -> {
                    String chatId = Frames.requiredText(frame, "chatId");
                    String clientMsgId = Frames.text(frame, "clientMsgId");
                    yield chats.postAsync(chatId, clientMsgId, Frames.text(frame, "text"), "agent", "agent", agentId)
                            .invoke(posted -> {
                                ObjectNode ack = Frames.frame(mapper, "ack");
                                ack.put("chatId", chatId);
                                ack.put("clientMsgId", clientMsgId);
                                ack.put("seq", posted.seq());
                                ConnectionRegistry.send(connection, ack.toString());
                                delivery.committedHere(posted.eventData());
                            }).replaceWithVoid();
                }
                case "close" -> chats.closeAsync(Frames.requiredText(frame, "chatId"), "agent", agentId).replaceWithVoid();
                case "tag" -> {
                    String chatId = Frames.requiredText(frame, "chatId");
                    yield chats.tagAsync(chatId, agentId, Frames.texts(frame, "tags")).invoke(() -> {
                        ObjectNode ack = Frames.frame(mapper, "tagged");
                        ack.put("chatId", chatId);
                        ConnectionRegistry.send(connection, ack.toString());
                    });
                }
                case "typing" -> {
                    String chatId = Frames.requiredText(frame, "chatId");
                    boolean on = Frames.flag(frame, "on");
                    yield !signals.admit(connection.id(), chatId, on) ? Uni.createFrom().voidItem()
                            : chats.typingAllowed(chatId, "agent", agentId)
                                    .chain(ok -> ok ? signals.publish(chatId, "agent", on) : Uni.createFrom().voidItem());
                }
                case "read" -> chats.readAsync(Frames.requiredText(frame, "chatId"), "agent", agentId, Frames.seq(frame, "upToSeq"));
                case "transfer" -> {
                    String chatId = Frames.requiredText(frame, "chatId");
                    io.chatroute.session.domain.Transfer t = io.chatroute.session.domain.Transfer.of(
                            Frames.text(frame, "queueId"), Frames.text(frame, "agentId"), Frames.text(frame, "note"));
                    yield chats.transferAsync(chatId, agentId, agentId, t).invoke(requestId -> {
                        ObjectNode ack = Frames.frame(mapper, "transfer.requested");
                        ack.put("chatId", chatId);
                        ack.put("requestId", requestId);
                        ConnectionRegistry.send(connection, ack.toString());
                    }).replaceWithVoid();
                }
                case "suggestion.used" -> chats.suggestionUsedAsync(Frames.requiredText(frame, "chatId"), agentId,
                        Frames.text(frame, "articleId"));
                case "resume" -> {
                    String chatId = Frames.requiredText(frame, "chatId");
                    long after = Frames.afterSeq(frame);
                    yield VisitorSocket.blocking(() -> {
                        Map<String, String> chat = chats.chatOrThrow(chatId);
                        if (!agentId.equals(chat.get("agentId"))) {
                            throw new ChatException(403, "not-assigned", "the chat is not assigned to you");
                        }
                        delivery.resume(connection, chatId, after, true);
                    });
                }
                default -> throw new ChatException(400, "unknown-type", "unknown frame type " + frame.get("type").asText());
            };
        } catch (RuntimeException e) {
            handled = Uni.createFrom().failure(e);
        }
        return Frames.timed(handled, LOG, "agent", agentId, answered[0]).onFailure().recoverWithItem(e -> {
            if (e instanceof ChatException ce) {
                ConnectionRegistry.send(connection, Frames.error(mapper, ce, answered[0]));
            } else if (Busy.retry(e, Busy.repeatable(answered[0]))) {
                Busy.log(LOG, e);
                ConnectionRegistry.send(connection, Frames.error(mapper, "busy", "the service is busy: resend in a moment (same clientMsgId)",
                        answered[0]));
            } else {
                LOG.warnf(e, "agent %s: a frame could not be handled", agentId);
                ConnectionRegistry.send(connection, Frames.error(mapper, "internal", "the frame could not be handled", answered[0]));
            }
            return null;
        });
    }

    private static String agentId(WebSocketConnection connection) {
        return connection.userData().get(SocketUpgradeCheck.AGENT_ID);
    }
}
