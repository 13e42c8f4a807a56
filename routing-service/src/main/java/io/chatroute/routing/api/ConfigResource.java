package io.chatroute.routing.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.Forms;
import io.chatroute.routing.domain.QueueDefinition;
import io.chatroute.routing.domain.RoutingRule;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.messaging.NotFoundException;
import io.chatroute.routing.messaging.Dispatcher;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Forms, queues and routing rules (admin or platform; reads also supervisor). */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ConfigResource {
    private final RoutingStore store;
    private final RoutingConfig config;
    private final CandidateIndex index;
    private final Dispatcher dispatcher;

    public ConfigResource(RoutingStore store, RoutingConfig config, CandidateIndex index, Dispatcher dispatcher) {
        this.store = store;
        this.config = config;
        this.index = index;
        this.dispatcher = dispatcher;
    }

    public record FormView(String id, List<io.chatroute.routing.domain.FormField> fields) {
    }

    @PUT
    @Path("/forms/{formId}")
    @RolesAllowed({"admin", "platform"})
    public FormView putForm(@PathParam("formId") String formId, FormDefinition body) {
        Ids.check("formId", formId);
        FormDefinition form = Ids.body(body);
        DomainValidationException.throwIfAny("invalid form", Forms.validateDefinition(form, config.maxFormFields(), config.maxValueLength()));
        store.saveForm(formId, form);
        return new FormView(formId, form.fields());
    }

    @GET
    @Path("/forms/{formId}")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public FormView getForm(@PathParam("formId") String formId) {
        FormDefinition f = store.form(formId).orElseThrow(() -> new NotFoundException("form '" + formId + "' does not exist"));
        return new FormView(formId, f.fields());
    }

    @GET
    @Path("/forms")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public List<FormView> listForms() {
        List<FormView> out = new ArrayList<>();
        store.forms().forEach((id, f) -> out.add(new FormView(id, f.fields())));
        return out;
    }

    @PUT
    @Path("/queues/{queueId}")
    @RolesAllowed({"admin", "platform"})
    public QueueDefinition putQueue(@PathParam("queueId") String queueId, QueueDefinition body) {
        Ids.check("queueId", queueId);
        QueueDefinition q = Ids.body(body).withId(queueId);
        DomainValidationException.throwIfAny("invalid queue", q.validate());
        store.saveQueue(q);
        index.ensureConfigured(); // the queue's own routing target (skills may have changed)
        dispatcher.request(queueId); // opened, skills or hours changed: its chats may be offered now (or wait for the opening)
        return q;
    }

    @GET
    @Path("/queues/{queueId}")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public QueueDefinition getQueue(@PathParam("queueId") String queueId) {
        return store.queue(queueId).orElseThrow(() -> new NotFoundException("queue '" + queueId + "' does not exist"));
    }

    @GET
    @Path("/queues")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public List<QueueDefinition> listQueues() {
        return new ArrayList<>(store.queues().values());
    }

    @PUT
    @Path("/routing/rules")
    @RolesAllowed({"admin", "platform"})
    public List<RoutingRule> putRules(List<RoutingRule> body) {
        List<RoutingRule> rules = Ids.body(body);
        DomainValidationException.throwIfAny("invalid routing rules", Rules.validate(rules, store.forms().values(), store.queueIds()));
        List<RoutingRule> normalised = rules.stream().map(r -> new RoutingRule(r.id(), r.when() == null ? new LinkedHashMap<>() : r.when(),
                r.queueId(), r.priority(), r.requiredSkills() == null ? Map.of() : r.requiredSkills())).toList();
        store.saveRules(normalised);
        index.ensureConfigured(); // each rule's routing target, its candidate index built before the first chat needs it
        return normalised;
    }

    @GET
    @Path("/routing/rules")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public List<RoutingRule> getRules() {
        return store.rules();
    }
}
