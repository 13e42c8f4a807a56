package io.chatroute.session.api;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * A body announced larger than {@code quarkus.http.limits.max-body-size} is refused with 413 and a problem body
 * (the contract: "400/413/429 with a problem body"), before anything reads it. Quarkus' own check (a route of order -2)
 * answers a bare 413; this one runs just before it. A chunked body without a length is still cut off by Quarkus.
 */
@ApplicationScoped
public class BodyLimit {

    private final long limit;
    private final String problem;

    public BodyLimit(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize limit) {
        this.limit = limit.asLongValue();
        this.problem = "{\"type\":\"" + Problem.typeOf(413) + "\",\"title\":\"Content Too Large\",\"status\":413,"
                + "\"detail\":\"a request body may hold at most " + this.limit + " bytes\",\"errors\":[]}";
    }

    void install(@Observes Router router) {
        router.route().order(-3).handler(ctx -> {
            if (declaredLength(ctx.request().getHeader("Content-Length")) > limit) {
                // the body is not read: the connection closes after the answer
                ctx.response().setStatusCode(413).putHeader("Content-Type", Problem.MEDIA_TYPE).putHeader("Connection", "close")
                        .end(problem);
                return;
            }
            ctx.next();
        });
    }

    private static long declaredLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1; // the transport refuses a malformed length itself
        }
    }
}
