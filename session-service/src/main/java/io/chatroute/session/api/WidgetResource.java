package io.chatroute.session.api;

import io.chatroute.session.config.SessionConfig;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** The embeddable widget's configuration: public (the widget runs before anyone has a token), cacheable briefly. */
@Path("/api/v1/widget")
@Produces(MediaType.APPLICATION_JSON)
public class WidgetResource {

    private final WidgetConfigs configs;
    private final int maxAge;

    public WidgetResource(WidgetConfigs configs, SessionConfig config) {
        this.configs = configs;
        this.maxAge = config.widget().configFreshSeconds();
    }

    /**
     * {@code {formId, fields, open, nextOpenAt, hours, at, stale, limits}}. 404 for an unknown form, 400 for an invalid
     * id, 503 (Retry-After) when routing-service cannot answer and nothing is cached.
     */
    @GET
    @Path("/config")
    @PermitAll
    public Response config(@QueryParam("formId") @DefaultValue("default") String formId) {
        try {
            WidgetConfigs.Config c = configs.get(formId);
            // a stale copy is served only while routing-service is away: browsers ask again soon
            return Response.ok(c.body()).header("Cache-Control", "public, max-age=" + (c.stale() ? Math.min(5, maxAge) : maxAge)).build();
        } catch (ChatException e) {
            Response r = Problem.response(e.status(), e.code(), e.getMessage(), e.errors());
            Response.ResponseBuilder b = Response.fromResponse(r);
            if (e.status() == 503) {
                b.header("Retry-After", "5").header("Cache-Control", "no-store");
            } else if (e.status() == 404) {
                b.header("Cache-Control", "public, max-age=" + maxAge);
            }
            return b.build();
        }
    }
}
