package io.chatroute.history.api;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.history.config.HistoryConfig;
import io.chatroute.history.domain.Tags;
import io.chatroute.history.domain.Transcript;
import io.chatroute.history.domain.TranscriptQuery;
import io.chatroute.history.domain.TranscriptText;
import io.chatroute.history.persistence.HistoryStore;
import io.chatroute.history.persistence.TagStore;
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

/** Transcripts: one chat's record, the list with simple filters, and the chat's tags. */
@Path("/api/v1/transcripts")
@RolesAllowed({"agent", "supervisor", "admin", "platform"})
public class TranscriptResource {

    static final String TEXT_UTF8 = "text/plain;charset=UTF-8";

    private final HistoryStore store;
    private final HistoryConfig config;
    private final TagStore tags;

    public TranscriptResource(HistoryStore store, HistoryConfig config, TagStore tags) {
        this.store = store;
        this.config = config;
        this.tags = tags;
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
        return store.transcript(chatId).map(t -> {
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
    @Operation(summary = "Transcripts, newest first, filtered by customer, agent, queue and start time")
    public Uni<TranscriptPage> list(@QueryParam("customerId") String customerId, @QueryParam("agentId") String agentId,
                                    @QueryParam("queueId") String queueId,
                                    @Parameter(description = "ISO-8601 UTC, inclusive") @QueryParam("from") String from,
                                    @Parameter(description = "ISO-8601 UTC, exclusive") @QueryParam("to") String to,
                                    @Parameter(description = "from 0") @QueryParam("page") String page,
                                    @QueryParam("size") String size,
                                    @Parameter(description = "full-text search: not available yet, rejected") @QueryParam("q") String text,
                                    @Parameter(description = "tag filter: not available yet, rejected") @QueryParam("tag") String tag) {
        List<Problem.FieldError> unsupported = new ArrayList<>();
        if (text != null) {
            unsupported.add(new Problem.FieldError("q", "full-text search is not available yet"));
        }
        if (tag != null) {
            unsupported.add(new Problem.FieldError("tag", "filtering by tag is not available yet"));
        }
        if (!unsupported.isEmpty()) {
            // rejected rather than ignored, so no client mistakes an unfiltered page for a filtered one
            throw new ProblemException(Problem.validation("These filters are not available yet.", unsupported));
        }
        TranscriptQuery q = TranscriptQuery.parse(customerId, agentId, queueId, from, to, page, size,
                config.transcripts().defaultPageSize(), config.transcripts().maxPageSize());
        return store.search(q).map(p -> new TranscriptPage(p.items(), q.page(), q.size(), p.total()));
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
        return tags.replace(chatId, normalised).map(stored -> {
            if (stored == null) {
                throw new ProblemException(Problem.of("not-found", "Not Found", 404, "No chat with this id."));
            }
            return new ChatTags(chatId, stored);
        });
    }

    /** The answer of the tags PUT: the chat's tags as stored, sorted. */
    public record ChatTags(String chatId, List<String> tags) {
    }
}
