package io.chatroute.session.api;

import org.eclipse.microprofile.rest.client.inject.RestClient;

import io.chatroute.session.domain.Caller;
import io.chatroute.session.domain.ChatRequestValidator;
import io.chatroute.session.messaging.KnowledgeClient;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * A pass-through to knowledge-service for the agent desktop, so the page talks to its own origin only (its CSP keeps
 * {@code connect-src 'self'}, and knowledge-service needs no CORS): canned responses by shortcut prefix and an
 * article's full text. The caller's token goes on unchanged; knowledge-service's answer (2xx or 4xx, problem bodies
 * included) comes back as it is; no answer is a 503 {@code knowledge-unavailable} with Retry-After ({@link PassThrough}).
 */
@Path("/api/v1/kb")
@Produces(MediaType.APPLICATION_JSON)
public class KnowledgeResource {

    private final KnowledgeClient knowledge;

    public KnowledgeResource(@RestClient KnowledgeClient knowledge) {
        this.knowledge = knowledge;
    }

    /** {@code GET /api/v1/kb/canned?prefix=/re&language=en}: knowledge-service's canned responses. */
    @GET
    @Path("/canned")
    @RolesAllowed({Caller.AGENT, Caller.SUPERVISOR, Caller.ADMIN})
    public Response canned(@HeaderParam("Authorization") String authorization, @QueryParam("prefix") String prefix,
                           @QueryParam("language") String language) {
        if (prefix != null && prefix.length() > 50) {
            throw ChatException.field("prefix", "must be at most 50 characters");
        }
        if (language != null && language.length() > 35) {
            throw ChatException.field("language", "must be a language code");
        }
        return PassThrough.relay("knowledge", "canned", () -> knowledge.canned(authorization, prefix, language));
    }

    /** {@code GET /api/v1/kb/articles/{id}}: one article (title, body, language, tags). */
    @GET
    @Path("/articles/{id}")
    @RolesAllowed({Caller.AGENT, Caller.SUPERVISOR, Caller.ADMIN})
    public Response article(@HeaderParam("Authorization") String authorization, @PathParam("id") String id) {
        if (!ChatRequestValidator.validFormId(id)) {
            throw ChatException.field("id", "must be 1..100 characters of A-Z a-z 0-9 . _ : -");
        }
        return PassThrough.relay("knowledge", "article", () -> knowledge.article(authorization, id));
    }
}
