package io.chatroute.session.api;

import java.util.LinkedHashMap;
import java.util.Map;

import io.chatroute.session.domain.Caller;
import io.chatroute.session.domain.ChatRequest;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** Chats at the edge. Methods return plain values, so they run on worker threads (blocking Redis). */
@Path("/api/v1/chats")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ChatResource {

    /** Body of POST /messages; {@code from} lets a platform bridge post as visitor (default), bot or system. */
    public record PostMessage(String clientMsgId, String text, String from) {
    }

    private final ChatService chats;
    private final SecurityIdentity identity;

    public ChatResource(ChatService chats, SecurityIdentity identity) {
        this.chats = chats;
        this.identity = identity;
    }

    /**
     * Starts a chat. Anonymous starts are limited per client address ({@code chatroute.limits.starts-per-minute-per-address};
     * behind a proxy enable {@code quarkus.http.proxy.proxy-address-forwarding}); a platform token has its own quota
     * ({@code chatroute.limits.platform-starts-per-minute}, per subject); admin tokens are not counted. A replay of an
     * earlier start with the same Idempotency-Key is not counted. The answer carries the visitor token: never cached.
     */
    @POST
    @PermitAll
    public Response create(@HeaderParam("Idempotency-Key") String idempotencyKey, ChatRequest request,
                           @Context HttpServerRequest http) {
        if (request == null) {
            throw ChatException.field("body", "a JSON body is required");
        }
        Runnable admit;
        if (identity.hasRole(Caller.ADMIN)) {
            admit = () -> {
            };
        } else if (identity.hasRole(Caller.PLATFORM)) {
            String subject = identity.getPrincipal().getName();
            admit = () -> chats.admitPlatformStart(subject);
        } else {
            String address = http.remoteAddress() == null ? "unknown" : http.remoteAddress().hostAddress();
            admit = () -> chats.admitStart(address);
        }
        ChatService.Created created = chats.create(request, idempotencyKey, admit);
        return Response.status(201).entity(created.body()).header("Cache-Control", "no-store").header("Pragma", "no-cache").build();
    }

    @GET
    @Path("/{chatId}")
    @RolesAllowed({Caller.VISITOR, Caller.PLATFORM, Caller.ADMIN, Caller.SUPERVISOR, Caller.AGENT})
    public Map<String, Object> get(@PathParam("chatId") String chatId) {
        Caller caller = caller();
        if (!caller.mayRead(chatId)) {
            throw forbidden();
        }
        Map<String, String> chat = chats.chatOrThrow(chatId);
        if (!caller.mayReadAnyChat() && !caller.isVisitor() && !caller.id().equals(chat.get("agentId"))) {
            // an agent reads only the chat offered or assigned to them
            throw forbidden();
        }
        return chats.view(chatId, chat);
    }

    @POST
    @Path("/{chatId}/messages")
    @RolesAllowed({Caller.VISITOR, Caller.PLATFORM})
    public Response post(@PathParam("chatId") String chatId, PostMessage body) {
        Caller caller = caller();
        if (!caller.mayPostViaRest(chatId)) {
            throw forbidden();
        }
        if (body == null) {
            throw ChatException.field("body", "a JSON body is required");
        }
        String from = "visitor";
        if (!caller.isVisitor() && body.from() != null) {
            if (!java.util.List.of("visitor", "bot", "system").contains(body.from())) {
                throw ChatException.field("from", "must be visitor, bot or system");
            }
            from = body.from();
        }
        ChatService.Posted posted = chats.post(chatId, body.clientMsgId(), body.text(), from,
                caller.isVisitor() ? "visitor" : "platform", caller.isVisitor() ? null : caller.id());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("clientMsgId", body.clientMsgId());
        answer.put("seq", posted.seq());
        return Response.status(posted.duplicate() ? 200 : 201).entity(answer).build();
    }

    @POST
    @Path("/{chatId}/close")
    @Consumes(MediaType.WILDCARD) // no body needed: a bare POST closes
    @RolesAllowed({Caller.VISITOR, Caller.PLATFORM, Caller.ADMIN, Caller.SUPERVISOR, Caller.AGENT})
    public Map<String, Object> close(@PathParam("chatId") String chatId) {
        Caller caller = caller();
        if (!caller.mayClose(chatId)) {
            throw forbidden();
        }
        boolean closed = chats.close(chatId, caller.closedBy(), caller.id());
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("chatId", chatId);
        answer.put("status", "CLOSED");
        answer.put("alreadyClosed", !closed);
        return answer;
    }

    /** Body of POST /transfer: exactly one of queueId and agentId, and an optional note for the next agent. */
    public record TransferBody(String queueId, String agentId, String note) {
    }

    /**
     * Moves a chat an agent holds to a queue or to another agent: the assigned agent for their own chat, or a
     * supervisor, admin or platform for any chat. 202: routing-service decides, and the sockets hear the outcome
     * ({@code chat.transferred} or an {@code error} frame {@code transfer-failed} to the agent, then {@code transferred}
     * to the visitor when the next agent takes it).
     */
    @POST
    @Path("/{chatId}/transfer")
    @RolesAllowed({Caller.AGENT, Caller.SUPERVISOR, Caller.ADMIN, Caller.PLATFORM})
    public Response transfer(@PathParam("chatId") String chatId, @HeaderParam("Idempotency-Key") String idempotencyKey,
                             TransferBody body) {
        Caller caller = caller();
        if (body == null) {
            throw ChatException.field("body", "a JSON body is required");
        }
        String idem = ChatService.idempotencyField("transfer", caller.id(), idempotencyKey, body.queueId(), body.agentId(), body.note());
        String kept = chats.keptAnswer(chatId, idem);
        if (kept != null) {
            return transferAnswer(chatId, kept); // a retry: the first request's id, whatever the chat did since
        }
        String fromAgentId = caller.id();
        if (caller.has(Caller.SUPERVISOR) || caller.has(Caller.ADMIN) || caller.has(Caller.PLATFORM)) {
            Map<String, String> chat = chats.chatOrThrow(chatId);
            fromAgentId = chat.getOrDefault("agentId", "");
            if (fromAgentId.isEmpty() || !"ACTIVE".equals(chat.get("status"))) {
                throw new ChatException(409, "chat-not-active", "only a chat an agent holds can be transferred");
            }
        }
        String requestId = chats.transferAsync(chatId, fromAgentId, caller.id(),
                io.chatroute.session.domain.Transfer.of(body.queueId(), body.agentId(), body.note()), idem).await().indefinitely();
        return transferAnswer(chatId, requestId);
    }

    private static Response transferAnswer(String chatId, String requestId) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("chatId", chatId);
        answer.put("requestId", requestId);
        answer.put("status", "REQUESTED");
        return Response.status(202).entity(answer).build();
    }

    /** Body of POST /survey. */
    public record Survey(Integer csat, Integer ces, String comment) {
    }

    /** The visitor's survey after the chat closed (CSAT and CES 1..5, a comment); once per chat. */
    @POST
    @Path("/{chatId}/survey")
    @RolesAllowed({Caller.VISITOR, Caller.PLATFORM})
    public Response survey(@PathParam("chatId") String chatId, @HeaderParam("Idempotency-Key") String idempotencyKey, Survey body) {
        Caller caller = caller();
        if (!caller.mayPostViaRest(chatId)) {
            throw forbidden();
        }
        if (body == null) {
            throw ChatException.field("body", "a JSON body is required");
        }
        String idem = ChatService.idempotencyField("survey", caller.id(), idempotencyKey, body.csat(), body.ces(), body.comment());
        chats.surveyAsync(chatId, body.csat(), body.ces(), body.comment(), idem).await().indefinitely();
        return Response.status(201).entity(Map.of("chatId", chatId, "status", "RECEIVED")).build();
    }

    private Caller caller() {
        return Callers.of(identity);
    }

    private static ChatException forbidden() {
        return new ChatException(403, "forbidden", "this token does not give access to this chat");
    }
}
