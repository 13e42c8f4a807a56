package io.chatroute.knowledge.api;

import java.net.URI;
import java.util.List;
import java.util.Optional;

import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.ArticleStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

@Path("/api/v1/kb/articles")
@Produces(MediaType.APPLICATION_JSON)
public class ArticleResource {

    private final ArticleStore store;

    public ArticleResource(ArticleStore store) {
        this.store = store;
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Uni<Response> put(@PathParam("id") String id, @Valid @NotNull ArticleRequest body) {
        Ids.check(id);
        Language language = Language.fromCode(body.language()).orElseThrow();
        List<String> tags = body.tags() == null ? List.of() : body.tags().stream().map(String::strip).distinct().toList();
        boolean publicArticle = body.publicArticle() == null || body.publicArticle();
        List<String> questions = body.questions() == null ? List.of() : body.questions().stream().map(String::strip).distinct().toList();
        List<String> synonyms = body.synonyms() == null ? List.of() : body.synonyms().stream().map(String::strip).distinct().toList();
        return store.put(id, body.title().strip(), body.body(), language, tags, publicArticle, questions, synonyms)
                .map(r -> r.created()
                        ? Response.created(URI.create("/api/v1/kb/articles/" + id)).entity(ArticleView.of(r.value())).build()
                        : Response.ok(ArticleView.of(r.value())).build());
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.AGENT, Roles.SUPERVISOR, Roles.ADMIN, Roles.PLATFORM})
    public Uni<ArticleView> get(@PathParam("id") String id) {
        Ids.check(id);
        return store.get(id).map(a -> a.map(ArticleView::of).orElseThrow(() -> ProblemException.notFound("No article " + id)));
    }

    @GET
    @RolesAllowed({Roles.AGENT, Roles.SUPERVISOR, Roles.ADMIN, Roles.PLATFORM})
    public Uni<List<ArticleView>> list(@QueryParam("language") String language) {
        Optional<Language> lang = SearchResource.language(language);
        return store.list(lang).map(list -> list.stream().map(ArticleView::of).toList());
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.ADMIN)
    public Uni<Response> delete(@PathParam("id") String id) {
        return store.delete(id).map(deleted -> {
            if (!deleted) {
                throw ProblemException.notFound("No article " + id);
            }
            return Response.noContent().build();
        });
    }
}
