package io.chatroute.session.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.session.domain.Caller;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.security.RolesAllowed;

import org.jboss.logging.Logger;

/** The visitor's socket. Callbacks have blocking signatures, so they run on worker threads. */
@WebSocket(path = "/ws/visitor/{chatId}", endpointId = VisitorSocket.ID)
@RolesAllowed(Caller.VISITOR)
public class VisitorSocket {

    public static final String ID = "visitor";

    private static final Logger LOG = Logger.getLogger(VisitorSocket.class);

    private final ChatService chats;
    private final ConnectionRegistry registry;
    private final ChatDelivery delivery;
    private final ObjectMapper mapper;

    public VisitorSocket(ChatService chats, ConnectionRegistry registry, ChatDelivery delivery, ObjectMapper mapper) {
        this.chats = chats;
        this.registry = registry;
        this.delivery = delivery;
        this.mapper = mapper;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        registry.addVisitor(chatId(connection), connection);
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        registry.removeVisitor(chatId(connection), connection);
        delivery.disconnected(connection);
    }

    @OnTextMessage
    public void onFrame(WebSocketConnection connection, String text) {
        String chatId = chatId(connection);
        try {
            JsonNode frame = Frames.parse(mapper, text, chats.limits());
            switch (frame.get("type").asText()) {
                case "message" -> {
                    String clientMsgId = Frames.text(frame, "clientMsgId");
                    ChatService.Posted posted = chats.post(chatId, clientMsgId, Frames.text(frame, "text"), "visitor", "visitor", null);
                    ObjectNode ack = Frames.frame(mapper, "ack");
                    ack.put("clientMsgId", clientMsgId);
                    ack.put("seq", posted.seq());
                    ConnectionRegistry.send(connection, ack.toString());
                }
                case "resume" -> delivery.resume(connection, chatId, Frames.afterSeq(frame), false);
                case "close" -> chats.close(chatId, "visitor", null);
                default -> throw new ChatException(400, "unknown-type", "unknown frame type " + frame.get("type").asText());
            }
        } catch (ChatException e) {
            ConnectionRegistry.send(connection, Frames.error(mapper, e));
        } catch (Exception e) {
            LOG.warnf(e, "chat %s: a visitor frame could not be handled", chatId);
            ConnectionRegistry.send(connection, Frames.error(mapper, "internal", "the frame could not be handled"));
        }
    }

    private static String chatId(WebSocketConnection connection) {
        String chatId = connection.userData().get(SocketUpgradeCheck.CHAT_ID);
        return chatId != null ? chatId : connection.pathParam("chatId");
    }
}
