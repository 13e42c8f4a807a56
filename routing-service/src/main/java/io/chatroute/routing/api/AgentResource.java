package io.chatroute.routing.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.chatroute.routing.domain.AgentProfile;
import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FieldError;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.messaging.NotFoundException;
import io.chatroute.routing.messaging.Router;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Agents: profile, skills, cap, presence. */
@Path("/api/v1/agents")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class AgentResource {
    private final RoutingStore store;
    private final Router router;
    private final SecurityIdentity identity;

    public AgentResource(RoutingStore store, Router router, SecurityIdentity identity) {
        this.store = store;
        this.router = router;
        this.identity = identity;
    }

    /** An agent as shown to admins and supervisors. */
    /** {@code graceUntil}: set while the agent is disconnected and keeps its chats (AWAY) until then (an addition). */
    public record AgentView(String id, String displayName, String title, String avatarUrl, Map<String, Integer> skills,
                            int maxConcurrentChats, String presence, int activeChats, String statusSince, String lastAssignedAt,
                            String graceUntil) {
        static AgentView of(AgentRecord a) {
            return new AgentView(a.id(), a.profile().displayName(), a.profile().title(), a.profile().avatarUrl(),
                    a.profile().skillsOrEmpty(), a.max(), a.status().name(), a.active(),
                    a.statusSince() == 0 ? null : Instant.ofEpochMilli(a.statusSince()).toString(),
                    a.lastAssignedAt() == 0 ? null : Instant.ofEpochMilli(a.lastAssignedAt()).toString(),
                    a.graceUntil() == 0 ? null : Instant.ofEpochMilli(a.graceUntil()).toString());
        }
    }


    @PUT
    @Path("/{agentId}")
    @RolesAllowed({"admin", "platform"})
    public AgentView put(@PathParam("agentId") String agentId, AgentProfile body) {
        Ids.check("agentId", agentId);
        AgentProfile profile = Ids.body(body);
        DomainValidationException.throwIfAny("invalid agent", profile.validate());
        AgentProfile stored = new AgentProfile(profile.displayName(), profile.title(), profile.avatarUrl(), profile.skillsOrEmpty(), profile.cap());
        router.upsertAgent(agentId, stored);
        return get(agentId);
    }

    @GET
    @RolesAllowed({"admin", "platform", "supervisor"})
    public List<AgentView> list() {
        return store.agents().stream().map(AgentView::of).toList();
    }

    @GET
    @Path("/{agentId}")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public AgentView get(@PathParam("agentId") String agentId) {
        return store.agent(agentId).map(AgentView::of).orElseThrow(() -> new NotFoundException("agent '" + agentId + "' does not exist"));
    }

}
