package io.chatroute.routing.api;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.domain.BusinessHours;
import io.chatroute.routing.domain.Condition;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.FormField;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.RoutingRule;
import io.chatroute.routing.messaging.NotFoundException;
import io.chatroute.routing.persistence.RoutingStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/**
 * A form and when chat is open for it (session-service's {@code GET /api/v1/widget/config} asks this): the fields,
 * and the opening hours of the queues the routing rules can send that form to. Changes nothing.
 * Schema: {@code schemas/api/availability.json}.
 */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
public class AvailabilityResource {

    /** One queue the form can reach: {@code alwaysOpen} when it has no business hours. */
    public record QueueHours(String queueId, String name, boolean alwaysOpen, String timezone, List<BusinessHours.Window> weekly,
                             boolean open, Instant nextOpenAt) {
    }

    /**
     * {@code open}: at least one reachable queue is open now; {@code nextOpenAt}: when none is, the earliest next
     * opening among them (null when open, or when nothing can ever open).
     */
    public record Availability(String formId, List<FormField> fields, boolean open, Instant nextOpenAt, List<QueueHours> hours,
                               Instant at) {
    }

    private final RoutingStore store;
    private final Clock clock = Clock.systemUTC();

    public AvailabilityResource(RoutingStore store) {
        this.store = store;
    }

    @GET
    @Path("/forms/{formId}/availability")
    @RolesAllowed({"platform", "admin", "supervisor"})
    public Availability availability(@PathParam("formId") String formId) {
        Ids.check("formId", formId);
        FormDefinition form = store.form(formId).orElseThrow(() -> new NotFoundException("form '" + formId + "' does not exist"));
        return availability(formId, form, store.rules(), store.queues(), clock.instant());
    }

    /** Pure: the hours of the queues this form's answers can reach through the rules, evaluated at {@code now}. */
    static Availability availability(String formId, FormDefinition form, List<RoutingRule> rules, Map<String, QueueDefinition> queues,
                                     Instant now) {
        Map<String, QueueHours> hours = new LinkedHashMap<>();
        for (String queueId : reachableQueues(form, rules)) {
            QueueDefinition q = queues.get(queueId);
            if (q == null || hours.containsKey(queueId)) {
                continue;
            }
            BusinessHours bh = q.businessHours();
            boolean open = bh == null || bh.isOpen(now);
            Instant next = open ? null : bh.nextOpening(now).orElse(null);
            hours.put(queueId, new QueueHours(queueId, q.name(), bh == null, bh == null ? null : bh.timezone(),
                    bh == null ? List.of() : bh.weekly(), open, next));
        }
        boolean open = hours.values().stream().anyMatch(QueueHours::open);
        Instant next = open ? null : hours.values().stream().map(QueueHours::nextOpenAt).filter(java.util.Objects::nonNull)
                .min(Instant::compareTo).orElse(null);
        return new Availability(formId, form.fieldsOrEmpty(), open, next, new ArrayList<>(hours.values()), now);
    }

    /**
     * The queues of the rules that some answer to this form can match, in rule order. A rule naming a field the form
     * lacks, or only values the form's field cannot take, never matches it; a rule without conditions matches every
     * answer, so the rules after it are never reached.
     */
    static List<String> reachableQueues(FormDefinition form, List<RoutingRule> rules) {
        List<String> out = new ArrayList<>();
        for (RoutingRule rule : rules == null ? List.<RoutingRule>of() : rules) {
            Map<String, Condition> conditions = rule.conditions();
            if (conditions.entrySet().stream().allMatch(e -> satisfiable(form, e.getKey(), e.getValue()))) {
                out.add(rule.queueId());
            }
            if (rule.whenOrEmpty().isEmpty()) {
                break;
            }
        }
        return out;
    }

    private static boolean satisfiable(FormDefinition form, String field, Condition condition) {
        FormField f = form.field(field).orElse(null);
        if (f == null) {
            return false;
        }
        if (condition instanceof Condition.AnyOf any) {
            return any.values().stream().anyMatch(v -> switch (f.type() == null ? "" : f.type()) {
                case "select" -> f.optionsOrEmpty().stream().anyMatch(o -> o.equalsIgnoreCase(v));
                case "boolean" -> v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false");
                default -> true;
            });
        }
        return true;
    }
}
