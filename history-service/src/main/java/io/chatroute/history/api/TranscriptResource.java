package io.chatroute.history.api;

import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.history.config.HistoryConfig;
import io.chatroute.history.domain.Tags;
import io.chatroute.history.domain.Transcript;
import io.chatroute.history.domain.TranscriptQuery;
import io.chatroute.history.domain.TranscriptText;
import io.chatroute.history.domain.Viewer;
import io.chatroute.history.messaging.OutboxRelay;
import io.chatroute.history.persistence.AccessStore;
import io.chatroute.history.persistence.HistoryStore;
import io.chatroute.history.persistence.TagStore;
import io.chatroute.history.persistence.TranscriptSearch;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.ArrayList;
import java.util.List;

import org.jboss.resteasy.reactive.RestMulti;

/**
 * Transcripts: one chat's record, the list (filters, full-text search, tags) and its CSV export, and the chat's tags.
 * An agent sees only the chats offered, assigned or transferred to them ({@link AccessStore}).
 */
@Path("/api/v1/transcripts")
@RolesAllowed({"agent", "supervisor", "admin", "platform"})
public class TranscriptResource {

    static final String TEXT_UTF8 = "text/plain;charset=UTF-8";
    static final String TEXT_CSV = "text/csv";

    private final HistoryStore store;
    private final HistoryConfig config;
    private final TagStore tags;
    private final AccessStore access;
    private final TranscriptSearch search;
    private final JsonWebToken jwt;
    private final OutboxRelay relay;

    public TranscriptResource(HistoryStore store, HistoryConfig config, TagStore tags, AccessStore access,
                              TranscriptSearch search, JsonWebToken jwt, OutboxRelay relay) {
        this.store = store;
        this.config = config;
        this.tags = tags;
        this.access = access;
        this.search = search;
        this.jwt = jwt;
        this.relay = relay;
    }

    @GET
    @Path("/{chatId}")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "A chat's transcript: visitor, form, queue, agents, times, messages in seq order, tags, survey")
    public Uni<Response> transcript(@PathParam("chatId") String chatId,
                                    @Parameter(description = "json (default) or text") @QueryParam("format") String format) {
        boolean text;
        if (format == null || format.isBlank() || format.equalsIgnoreCase("json")) {
            text = false;
        } else if (format.equalsIgnoreCase("text")) {
            text = true;
        } else {
            throw new ProblemException(Problem.validation("Unknown format.",
                    List.of(new Problem.FieldError("format", "must be json or text"))));
        }
        return mayRead(chatId).chain(() -> store.transcript(chatId)).map(t -> {
            if (t == null) {
                throw new ProblemException(Problem.of("not-found", "Not Found", 404, "No transcript for this chat."));
            }
            return text ? textResponse(t) : Response.ok(t, MediaType.APPLICATION_JSON_TYPE).build();
        });
    }

    private static Response textResponse(Transcript t) {
        return Response.ok(TranscriptText.render(t), TEXT_UTF8)
                .header("X-Content-Type-Options", "nosniff")
                .header("Content-Disposition", "inline")
                .build();
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "Transcripts, newest first, filtered by customer, agent, queue, start time, tags and full text"
            + " (q: every word in one message; English, Russian, Chinese, Hebrew); an agent sees only their chats")
    public Uni<TranscriptPage> list(@QueryParam("customerId") String customerId, @QueryParam("agentId") String agentId,
                                    @QueryParam("queueId") String queueId,
                                    @Parameter(description = "ISO-8601 UTC, inclusive") @QueryParam("from") String from,
                                    @Parameter(description = "ISO-8601 UTC, exclusive") @QueryParam("to") String to,
                                    @Parameter(description = "from 0") @QueryParam("page") String page,
                                    @QueryParam("size") String size,
                                    @Parameter(description = "full-text search, at most 200 characters")
                                    @QueryParam("q") String text,
                                    @Parameter(description = "a tag the chat has (repeat for all of several)")
                                    @QueryParam("tag") List<String> tag) {
        TranscriptQuery q = query(customerId, agentId, queueId, from, to, page, size, text, tag);
        return search.page(q, viewer()).map(p -> new TranscriptPage(p.items(), q.page(), q.size(), p.total()));
    }

    @GET
    @Produces(TEXT_CSV + ";qs=0.5")
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "The same list as CSV (Accept: text/csv), every match (no paging), streamed as it is read:"
            + " one line per chat, or per message with rows=messages")
    public RestMulti<String> export(@QueryParam("customerId") String customerId, @QueryParam("agentId") String agentId,
                                    @QueryParam("queueId") String queueId, @QueryParam("from") String from,
                                    @QueryParam("to") String to, @QueryParam("q") String text,
                                    @QueryParam("tag") List<String> tag, @QueryParam("rows") String rows) {
        TranscriptQuery q = query(customerId, agentId, queueId, from, to, null, null, text, tag);
        TranscriptSearch.Rows kind;
        if (rows == null || rows.isBlank() || rows.equalsIgnoreCase("chats")) {
            kind = TranscriptSearch.Rows.CHATS;
        } else if (rows.equalsIgnoreCase("messages")) {
            kind = TranscriptSearch.Rows.MESSAGES;
        } else {
            throw new ProblemException(Problem.validation("Unknown rows.",
                    List.of(new Problem.FieldError("rows", "must be chats or messages"))));
        }
        String file = "transcripts" + (kind == TranscriptSearch.Rows.MESSAGES ? "-messages" : "") + ".csv";
        return RestMulti.fromMultiData(search.export(q, viewer(), kind))
                .header("Content-Disposition", "attachment; filename=\"" + file + "\"")
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store")
                .build();
    }

    private TranscriptQuery query(String customerId, String agentId, String queueId, String from, String to, String page,
                                  String size, String text, List<String> tag) {
        return TranscriptQuery.parse(customerId, agentId, queueId, from, to, page, size, text, tag,
                config.transcripts().defaultPageSize(), config.transcripts().maxPageSize());
    }

    @PUT
    @Path("/{chatId}/tags")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed({"agent", "supervisor", "admin", "platform"})
    @Operation(summary = "Replaces the chat's tags (normalised to lower case, duplicates merged, at most 20);"
            + " answers {chatId, tags}")
    public Uni<ChatTags> replaceTags(@PathParam("chatId") String chatId, JsonNode body) {
        List<Object> raw = null;
        if (body != null && body.isArray()) {
            raw = new ArrayList<>(body.size());
            for (JsonNode e : body) {
                raw.add(e.isTextual() ? e.asText() : e); // anything but a string is refused by Tags
            }
        }
        List<String> normalised = Tags.normalise(raw, "tags");
        return mayRead(chatId).chain(() -> tags.replace(chatId, normalised, jwt.getSubject(), config.outbox().sweepAfter())).map(replaced -> {
            if (replaced == null) {
                throw new ProblemException(Problem.of("not-found", "Not Found", 404, "No chat with this id."));
            }
            // committed with its transcript.tagged in the outbox: sent now, without holding the answer back (a send
            // that fails leaves it to the outbox sweep)
            relay.publish(replaced.event()).subscribe().with(v -> {
            });
            return new ChatTags(chatId, replaced.tags());
        });
    }

    /** The answer of the tags PUT: the chat's tags as stored, sorted. */
    public record ChatTags(String chatId, List<String> tags) {
    }

    private Viewer viewer() {
        return Viewers.of(jwt);
    }

    /** Fails with 403 unless the viewer may read the chat. */
    private Uni<Void> mayRead(String chatId) {
        return access.mayReadChat(viewer(), chatId).invoke(allowed -> {
            if (!allowed) {
                throw Viewers.notYours("chat");
            }
        }).replaceWithVoid();
    }
}
