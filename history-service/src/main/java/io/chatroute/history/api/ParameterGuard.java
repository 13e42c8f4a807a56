package io.chatroute.history.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

/**
 * Refuses NUL in every path and query parameter of every endpoint, before a resource sees it: PostgreSQL text
 * cannot hold NUL, so such a value used to reach the database and end as a 500. Answers 400 problem+json with one
 * field error per parameter (path parameters, then query parameters, each by name; query parameters are checked whether the endpoint reads them or not). Runs after
 * the match (path parameters have their names) and after the security checks (401/403 come first).
 */
public class ParameterGuard {

    @ServerRequestFilter
    public Response refuseNul(UriInfo uri) {
        List<Problem.FieldError> errors = new ArrayList<>();
        check(uri.getPathParameters(), errors);
        check(uri.getQueryParameters(), errors);
        if (errors.isEmpty()) {
            return null;
        }
        return Problem.validation("Parameters must not contain NUL.", errors).toResponse();
    }

    private static void check(MultivaluedMap<String, String> params, List<Problem.FieldError> errors) {
        // by name: the map's own order is a hash order
        for (Map.Entry<String, List<String>> e : new TreeMap<>(params).entrySet()) {
            boolean nul = e.getKey().indexOf('\u0000') >= 0
                    || e.getValue().stream().anyMatch(v -> v != null && v.indexOf('\u0000') >= 0);
            if (nul) {
                errors.add(new Problem.FieldError(e.getKey().replace("\u0000", "\\u0000"), "must not contain NUL (%00)"));
            }
        }
    }
}
