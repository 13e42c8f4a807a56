package io.chatroute.knowledge.api;

import java.util.List;
import java.util.Optional;

import io.chatroute.knowledge.config.KnowledgeConfig;
import io.chatroute.knowledge.domain.KnowledgeSearchEngine;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Full-text search over the articles; runs on a worker thread (the engine may block briefly). */
@Path("/api/v1/kb/search")
@Produces(MediaType.APPLICATION_JSON)
public class SearchResource {

    private final KnowledgeSearchEngine engine;
    private final KnowledgeConfig config;

    public SearchResource(KnowledgeSearchEngine engine, KnowledgeConfig config) {
        this.engine = engine;
        this.config = config;
    }

    @GET
    @RolesAllowed({Roles.AGENT, Roles.SUPERVISOR, Roles.ADMIN, Roles.PLATFORM})
    public List<SearchHit> search(@QueryParam("q") String q, @QueryParam("language") String language,
                                  @QueryParam("limit") String limit, @QueryParam("publicOnly") String publicOnly) {
        KnowledgeConfig.Search s = config.search();
        if (q == null || q.isBlank()) {
            throw ProblemException.invalid("q", "must not be empty");
        }
        if (q.length() > s.maxQueryLength()) {
            throw ProblemException.invalid("q", "must be at most " + s.maxQueryLength() + " characters");
        }
        int n = s.defaultLimit();
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > s.maxLimit()) {
                throw ProblemException.invalid("limit", "must be a whole number from 1 to " + s.maxLimit());
            }
        }
        boolean onlyPublic = false;
        if (publicOnly != null && !publicOnly.isBlank()) {
            if (!publicOnly.equals("true") && !publicOnly.equals("false")) {
                throw ProblemException.invalid("publicOnly", "must be true or false");
            }
            onlyPublic = Boolean.parseBoolean(publicOnly);
        }
        return engine.search(new SearchRequest(q.strip(), language(language), n, onlyPublic));
    }

    /** An optional language query parameter: absent/blank = none; otherwise one of the supported codes. */
    static Optional<Language> language(String code) {
        if (code == null || code.isBlank()) {
            return Optional.empty();
        }
        if (!Language.isSupportedCode(code)) {
            throw ProblemException.invalid("language", "must be one of " + String.join(", ", Language.codes()));
        }
        return Language.fromCode(code);
    }
}
