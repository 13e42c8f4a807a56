package io.chatroute.routing.api;

import java.util.List;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FieldError;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.messaging.NotFoundException;
import io.chatroute.routing.messaging.Router;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** An agent's presence: admin/platform, or the agent themself (token subject == agentId). */
@Path("/api/v1/agents/{agentId}/presence")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class PresenceResource {
    private final RoutingStore store;
    private final Router router;
    private final SecurityIdentity identity;

    public PresenceResource(RoutingStore store, Router router, SecurityIdentity identity) {
        this.store = store;
        this.router = router;
        this.identity = identity;
    }

    public record PresenceRequest(String status) {
    }

    @PUT
    @RolesAllowed({"admin", "platform", "agent"})
    public AgentResource.AgentView presence(@PathParam("agentId") String agentId, PresenceRequest body) {
        if (!identity.hasRole("admin") && !identity.hasRole("platform")) {
            String sub = identity.getPrincipal() instanceof JsonWebToken t && t.getSubject() != null ? t.getSubject()
                    : identity.getPrincipal().getName();
            if (!agentId.equals(sub)) {
                throw new ForbiddenException("an agent may only set their own presence");
            }
        }
        Presence status = Presence.parse(Ids.body(body).status());
        if (status == null) {
            throw new DomainValidationException("invalid presence", List.of(new FieldError("status", "must be AVAILABLE, AWAY or OFFLINE")));
        }
        if (store.agent(agentId).isEmpty()) {
            throw new NotFoundException("agent '" + agentId + "' does not exist");
        }
        router.setPresence(agentId, status);
        return store.agent(agentId).map(AgentResource.AgentView::of).orElseThrow();
    }
}
