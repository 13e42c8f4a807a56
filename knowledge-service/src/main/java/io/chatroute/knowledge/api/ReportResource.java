package io.chatroute.knowledge.api;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.SuggestionStateStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

/** Where the knowledge base is thin: visitor questions that found no good article. */
@Path("/api/v1/kb/reports")
@Produces(MediaType.APPLICATION_JSON)
public class ReportResource {

    /** One normalised question: how often it was asked, an example as written, the best score it got, when. */
    public record UnansweredView(String question, String language, long count, String example, Double bestScore,
                                 Instant firstSeen, Instant lastSeen) {
    }

    private final SuggestionStateStore state;

    public ReportResource(SuggestionStateStore state) {
        this.state = state;
    }

    @GET
    @Path("unanswered")
    @RolesAllowed({Roles.ADMIN, Roles.SUPERVISOR})
    public Uni<List<UnansweredView>> unanswered(@QueryParam("language") String language, @QueryParam("limit") String limit) {
        Optional<Language> lang = SearchResource.language(language);
        int n = 50;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.strip());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 500) {
                throw ProblemException.invalid("limit", "must be a whole number from 1 to 500");
            }
        }
        return state.unanswered(lang.map(Language::code).orElse(null), n).map(rows -> rows.stream()
                .map(r -> new UnansweredView(r.getString("question"), r.getString("language").isEmpty() ? null : r.getString("language"),
                        r.getLong("count"), r.getString("example"), r.getDouble("best_score"),
                        r.getOffsetDateTime("first_seen").toInstant(), r.getOffsetDateTime("last_seen").toInstant()))
                .toList());
    }
}
