package io.chatroute.session.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.domain.Caller;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
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
 * The visitor's socket. Frames of one connection are handled one after another; {@link #onFrame} runs on the event
 * loop: a message is one non-blocking script call (no worker thread), what reads Redis blocking (resume) is handed
 * to a worker thread. Open and close have blocking signatures, so they run on worker threads.
 */
@WebSocket(path = "/ws/visitor/{chatId}", endpointId = VisitorSocket.ID)
@RolesAllowed(Caller.VISITOR)
public class VisitorSocket {

    public static final String ID = "visitor";

    private static final Logger LOG = Logger.getLogger(VisitorSocket.class);

    private final ChatService chats;
    private final ConnectionRegistry registry;
    private final ChatDelivery delivery;
    private final ObjectMapper mapper;
    private final Signals signals;
    private final VisitorPresence visitors;

    public VisitorSocket(ChatService chats, ConnectionRegistry registry, ChatDelivery delivery, ObjectMapper mapper, Signals signals,
                         VisitorPresence visitors) {
        this.signals = signals;
        this.visitors = visitors;
        this.chats = chats;
        this.registry = registry;
        this.delivery = delivery;
        this.mapper = mapper;
    }

    /**
     * Live delivery starts at the chat's last seq (earlier messages by resume), or with {@code ?afterSeq=N} (an
     * addition) at N: every stored message above N first, then live, in seq order. The visitor is then told where the
     * chat stands.
     */
    @OnOpen
    public void open(WebSocketConnection connection) {
        String chatId = chatId(connection);
        visitors.opened(chatId); // first: a check that runs meanwhile sees the visitor back before the open tells where the chat stands
        delivery.visitorConnected(connection, chatId, afterSeq(connection), () -> registry.addVisitor(chatId, connection));
    }

    /** {@code ?afterSeq=N} on the socket URL: a non-negative number, else ignored (the socket starts live). */
    private static Long afterSeq(WebSocketConnection connection) {
        String query = connection.handshakeRequest().query();
        if (query == null) {
            return null;
        }
        for (String part : query.split("&")) {
            if (part.startsWith("afterSeq=")) {
                String v = part.substring("afterSeq=".length());
                return v.matches("\\d{1,18}") ? Long.valueOf(v) : null;
            }
        }
        return null;
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        registry.removeVisitor(chatId(connection), connection);
        visitors.closed(chatId(connection));
        delivery.disconnected(connection);
        signals.forget(connection.id());
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
        String chatId = chatId(connection);
        Uni<Void> handled;
        JsonNode[] answered = {null};
        try {
            JsonNode frame = Frames.parse(mapper, text, chats.limits());
            answered[0] = frame;
            handled = switch (frame.get("type").asText()) {
                case "message" -> {
                    String clientMsgId = Frames.text(frame, "clientMsgId");
                    yield chats.postAsync(chatId, clientMsgId, Frames.text(frame, "text"), "visitor", "visitor", null)
                            .invoke(posted -> {
                                ObjectNode ack = Frames.frame(mapper, "ack");
                                ack.put("clientMsgId", clientMsgId);
                                ack.put("seq", posted.seq());
                                ConnectionRegistry.send(connection, ack.toString());
                                delivery.committedHere(posted.eventData());
                            }).replaceWithVoid();
                }
                case "resume" -> {
                    long after = Frames.afterSeq(frame);
                    yield blocking(() -> delivery.resume(connection, chatId, after, false));
                }
                case "close" -> chats.closeAsync(chatId, "visitor", null).replaceWithVoid();
                case "typing" -> {
                    boolean on = Frames.flag(frame, "on");
                    yield !signals.admit(connection.id(), chatId, on) ? Uni.createFrom().voidItem()
                            : chats.typingAllowed(chatId, "visitor", null)
                                    .chain(ok -> ok ? signals.publish(chatId, "visitor", on) : Uni.createFrom().voidItem());
                }
                case "read" -> chats.readAsync(chatId, "visitor", null, Frames.seq(frame, "upToSeq"));
                case "survey" -> chats.surveyAsync(chatId, Frames.score(frame, "csat"), Frames.score(frame, "ces"),
                        Frames.text(frame, "comment")).invoke(() -> {
                            ObjectNode ack = Frames.frame(mapper, "survey.received");
                            ConnectionRegistry.send(connection, ack.toString());
                        });
                default -> throw new ChatException(400, "unknown-type", "unknown frame type " + frame.get("type").asText());
            };
        } catch (RuntimeException e) {
            handled = Uni.createFrom().failure(e);
        }
        return Frames.timed(handled, LOG, "visitor of chat", chatId, answered[0]).onFailure().recoverWithItem(e -> {
            if (e instanceof ChatException ce) {
                ConnectionRegistry.send(connection, Frames.error(mapper, ce, answered[0]));
            } else if (Busy.retry(e, Busy.repeatable(answered[0]))) {
                Busy.log(LOG, e);
                ConnectionRegistry.send(connection, Frames.error(mapper, "busy", "the service is busy: resend in a moment (same clientMsgId)",
                        answered[0]));
            } else {
                LOG.warnf(e, "chat %s: a visitor frame could not be handled", chatId);
                ConnectionRegistry.send(connection, Frames.error(mapper, "internal", "the frame could not be handled", answered[0]));
            }
            return null;
        });
    }

    /** Runs a blocking step on a worker thread. */
    static Uni<Void> blocking(Runnable step) {
        return Uni.createFrom().<Void>item(() -> {
            step.run();
            return null;
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    private static String chatId(WebSocketConnection connection) {
        String chatId = connection.userData().get(SocketUpgradeCheck.CHAT_ID);
        return chatId != null ? chatId : connection.pathParam("chatId");
    }
}
