package io.chatroute.history.api;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.chatroute.history.persistence.RetentionJob;
import io.chatroute.history.persistence.RetentionStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Runs the retention purge now (it also runs on its own every chatroute.retention.purge-every). */
@Path("/api/v1/retention")
@RolesAllowed("admin")
public class RetentionResource {

    private final RetentionJob job;

    public RetentionResource(RetentionJob job) {
        this.job = job;
    }

    @POST
    @Path("/purge")
    @Produces(MediaType.APPLICATION_JSON)
    @RolesAllowed("admin")
    @Operation(summary = "Deletes the chats closed before now minus chatroute.retention.days (and everything attached);"
            + " answers the cutoff and what was deleted, or skipped: true when a purge is already running")
    public Uni<RetentionStore.Purged> purge() {
        return job.runNow();
    }
}
