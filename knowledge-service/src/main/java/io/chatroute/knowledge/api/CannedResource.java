package io.chatroute.knowledge.api;

import java.net.URI;
import java.util.List;

import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.persistence.CannedResponseStore;
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

@Path("/api/v1/kb/canned")
@Produces(MediaType.APPLICATION_JSON)
public class CannedResource {

    static final int MAX_RESULTS = 100;

    private final CannedResponseStore store;

    public CannedResource(CannedResponseStore store) {
        this.store = store;
    }

    @PUT
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.ADMIN)
    public Uni<Response> put(@PathParam("id") String id, @Valid @NotNull CannedRequest body) {
        Ids.check(id);
        return store.put(id, body.shortcut(), body.text(), Language.fromCode(body.language()))
                .map(r -> r.created()
                        ? Response.created(URI.create("/api/v1/kb/canned/" + id)).entity(CannedView.of(r.value())).build()
                        : Response.ok(CannedView.of(r.value())).build());
    }

    @GET
    @RolesAllowed({Roles.AGENT, Roles.SUPERVISOR, Roles.ADMIN, Roles.PLATFORM})
    public Uni<List<CannedView>> list(@QueryParam("prefix") String prefix, @QueryParam("language") String language) {
        String p = prefix == null ? "" : prefix.strip();
        if (p.length() > 50) {
            throw ProblemException.invalid("prefix", "must be at most 50 characters");
        }
        return store.byPrefix(p, SearchResource.language(language), MAX_RESULTS)
                .map(list -> list.stream().map(CannedView::of).toList());
    }

    @GET
    @Path("{id}")
    @RolesAllowed({Roles.AGENT, Roles.SUPERVISOR, Roles.ADMIN, Roles.PLATFORM})
    public Uni<CannedView> get(@PathParam("id") String id) {
        return store.get(id).map(c -> c.map(CannedView::of).orElseThrow(() -> ProblemException.notFound("No canned response " + id)));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.ADMIN)
    public Uni<Response> delete(@PathParam("id") String id) {
        return store.delete(id).map(deleted -> {
            if (!deleted) {
                throw ProblemException.notFound("No canned response " + id);
            }
            return Response.noContent().build();
        });
    }
}
