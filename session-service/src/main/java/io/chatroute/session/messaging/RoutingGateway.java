package io.chatroute.session.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.session.api.ChatException;
import io.chatroute.session.config.SessionConfig;
import io.chatroute.session.domain.FieldError;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.Response;

/** Calls routing-service and turns its answers into an evaluation or a ChatException (blocking). */
@ApplicationScoped
public class RoutingGateway {

    private static final Logger LOG = Logger.getLogger(RoutingGateway.class);

    /** The part of routing's answer that the edge uses. */
    public record Evaluation(String queueId, boolean open, String nextOpenAt, Integer position,
                             Integer estimatedWaitSeconds, int agentsAble, boolean pending) {

        /** routing-service could not be asked: the chat is accepted and routed when it answers again. */
        static Evaluation unknown() {
            return new Evaluation(null, true, null, null, null, 0, true);
        }
    }

    private final RoutingClient client;
    private final SessionConfig config;
    private final ObjectMapper mapper;

    public RoutingGateway(@RestClient RoutingClient client, SessionConfig config, ObjectMapper mapper) {
        this.client = client;
        this.config = config;
        this.mapper = mapper;
    }

    /** Evaluates the start form; routing-service reserves the chat's place in its queue, so the position is its real rank. */
    public Evaluation evaluate(String chatId, String formId, Map<String, Object> form) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("formId", formId);
        body.put("form", form);
        body.put("chatId", chatId);
        String auth = "Bearer " + config.routing().token().orElse("");
        try (Response response = call(auth, body)) {
            int status = response.getStatus();
            String text = response.hasEntity() ? response.readEntity(String.class) : "";
            if (status == 200) {
                JsonNode n = mapper.readTree(text);
                return new Evaluation(textOrNull(n, "queueId"), n.path("open").asBoolean(true), textOrNull(n, "nextOpenAt"),
                        n.hasNonNull("position") ? n.get("position").asInt() : null,
                        n.hasNonNull("estimatedWaitSeconds") ? n.get("estimatedWaitSeconds").asInt() : null,
                        n.path("agentsAble").asInt(0), false);
            }
            if (status == 400) {
                throw ChatException.validation(fieldErrors(text));
            }
            if (status == 404) {
                throw ChatException.field("formId", "unknown form");
            }
            LOG.warnf("routing-service answered %d to evaluate; the chat is accepted and routed later", status);
            return Evaluation.unknown();
        } catch (ChatException e) {
            throw e;
        } catch (Exception e) {
            LOG.warnf("routing-service unreachable (%s); the chat is accepted and routed when it is back", e.toString());
            return Evaluation.unknown();
        }
    }

    /** routing-service's answer about a form's availability: the body (OK), an unknown form, or no answer. */
    public record Availability(Kind kind, JsonNode body) {
        public enum Kind { OK, UNKNOWN_FORM, UNAVAILABLE }
    }

    /**
     * The form and the hours of the queues it can reach ({@code GET /api/v1/forms/{formId}/availability}); anything
     * but a 200 or a 404 (unreachable, hung past 1.5 s, 5xx, a refused service token, the breaker open) is
     * UNAVAILABLE, and the caller falls back to what it cached.
     */
    public Availability availability(String formId) {
        String auth = "Bearer " + config.routing().token().orElse("");
        Response response;
        try {
            response = client.availability(auth, formId);
        } catch (jakarta.ws.rs.WebApplicationException e) {
            response = e.getResponse();
        } catch (Exception e) {
            LOG.warnf("routing-service unreachable for the availability of form %s (%s)", formId, e.toString());
            return new Availability(Availability.Kind.UNAVAILABLE, null);
        }
        try (Response r = response) {
            int status = r.getStatus();
            if (status == 200) {
                JsonNode n = mapper.readTree(r.readEntity(String.class));
                if (n != null && n.isObject() && n.path("fields").isArray()) {
                    return new Availability(Availability.Kind.OK, n);
                }
                LOG.warnf("routing-service answered the availability of form %s with an unexpected body", formId);
            } else if (status == 404) {
                return new Availability(Availability.Kind.UNKNOWN_FORM, null);
            } else {
                LOG.warnf("routing-service answered %d to the availability of form %s", status, formId);
            }
        } catch (Exception e) {
            LOG.warnf("routing-service's availability answer for form %s could not be read (%s)", formId, e.toString());
        }
        return new Availability(Availability.Kind.UNAVAILABLE, null);
    }

    private Response call(String auth, Map<String, Object> body) {
        try {
            return client.evaluate(auth, body);
        } catch (jakarta.ws.rs.WebApplicationException e) {
            return e.getResponse();
        }
    }

    private List<FieldError> fieldErrors(String text) {
        List<FieldError> errors = new ArrayList<>();
        try {
            JsonNode n = mapper.readTree(text);
            for (JsonNode e : n.path("errors")) {
                errors.add(new FieldError(e.path("field").asText("form"), e.path("message").asText("is not valid")));
            }
            if (errors.isEmpty()) {
                errors.add(new FieldError("form", n.path("detail").asText("does not fit the form")));
            }
        } catch (Exception e) {
            errors.add(new FieldError("form", "does not fit the form"));
        }
        return errors;
    }

    private static String textOrNull(JsonNode n, String field) {
        return n.hasNonNull(field) ? n.get(field).asText() : null;
    }
}
