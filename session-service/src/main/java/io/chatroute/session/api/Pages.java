package io.chatroute.session.api;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The browser pages are static files in the jar ({@code META-INF/resources}): {@code /widget.js}
 * (+ {@code widget.css}), {@code /demo/}, {@code /agent/} and {@code /dashboard/}. This only sends {@code /demo}, {@code /agent} and
 * {@code /dashboard} (no slash) to their pages, so the pages' relative links resolve.
 */
@ApplicationScoped
public class Pages {

    void routes(@Observes Router router) {
        router.getWithRegex("/(demo|agent|dashboard)").handler(rc -> rc.response().setStatusCode(301)
                .putHeader("Location", rc.normalizedPath() + "/").end());
    }
}
