package io.chatroute.knowledge.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses NUL in every path and query parameter of every endpoint before a resource sees it (PostgreSQL text
 * cannot hold NUL: such a value would reach the database and end as a 500). Answers 400 problem+json with one
 * field error per parameter (path parameters, then query parameters, each by name; query parameters are
 * checked whether the endpoint reads them or not). Runs after the match and after the security checks
 * (401/403 come first).
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
        Problem p = Problem.validation(errors);
        return ProblemMappers.respond(new Problem(p.type(), p.title(), 400, "Parameters must not contain NUL.", errors));
    }

    private static void check(MultivaluedMap<String, String> params, List<Problem.FieldError> errors) {
        for (Map.Entry<String, List<String>> e : new TreeMap<>(params).entrySet()) {
            boolean nul = e.getKey().indexOf('\u0000') >= 0
                    || e.getValue().stream().anyMatch(v -> v != null && v.indexOf('\u0000') >= 0);
            if (nul) {
                errors.add(new Problem.FieldError(e.getKey().replace("\u0000", "\\u0000"), "must not contain NUL (%00)"));
            }
        }
    }
}
