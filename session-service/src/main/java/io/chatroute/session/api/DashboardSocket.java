package io.chatroute.session.api;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.session.domain.Caller;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnError;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import jakarta.annotation.security.RolesAllowed;

/** The supervisors' live feed: {@code stats} at least once a second while anything changes, and {@code alert}s. Send-only. */
@WebSocket(path = "/ws/dashboard", endpointId = DashboardSocket.ID)
@RolesAllowed({Caller.SUPERVISOR, Caller.ADMIN})
public class DashboardSocket {

    public static final String ID = "dashboard";

    private final ConnectionRegistry registry;
    private final DashboardFeed feed;
    private final ObjectMapper mapper;

    public DashboardSocket(ConnectionRegistry registry, DashboardFeed feed, ObjectMapper mapper) {
        this.registry = registry;
        this.feed = feed;
        this.mapper = mapper;
    }

    @OnOpen
    public void open(WebSocketConnection connection) {
        registry.addDashboard(connection);
        String latest = feed.latest();
        if (latest != null) {
            ConnectionRegistry.send(connection, latest);
        }
    }

    @OnClose
    public void closed(WebSocketConnection connection) {
        registry.removeDashboard(connection);
    }

    /** A message over the transport's 64 KiB cap: closed with 1009 (too big), as the protocol says; no stack trace. */
    @OnError
    public void onError(WebSocketConnection connection, Throwable failure) {
        Frames.closeOnError(connection, failure);
    }

    @OnTextMessage
    public void onFrame(WebSocketConnection connection, String text) {
        ConnectionRegistry.send(connection, Frames.error(mapper, "read-only", "the dashboard socket only sends"));
    }
}
