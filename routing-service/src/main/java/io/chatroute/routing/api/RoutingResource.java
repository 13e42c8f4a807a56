package io.chatroute.routing.api;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.messaging.Evaluator;
import io.chatroute.routing.messaging.NotFoundException;
import io.chatroute.routing.persistence.RoutingStore;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

/** Evaluation (session-service's call at chat start), simulation, and how a chat was routed. */
@Path("/api/v1")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class RoutingResource {
    private final Evaluator evaluator;
    private final RoutingStore store;

    public RoutingResource(Evaluator evaluator, RoutingStore store) {
        this.evaluator = evaluator;
        this.store = store;
    }

    /** Body of evaluate and simulate; {@code chatId} (evaluate only, optional) reserves the chat's place in its queue. */
    public record FormSubmission(String formId, Map<String, Object> form, String chatId) {
    }

    /** The contract with session-service: schemas/api/evaluation.json. */
    public record Evaluation(String formId, String ruleId, String queueId, Map<String, Integer> requiredSkills, int priority,
                             boolean open, Instant nextOpenAt, long position, long estimatedWaitSeconds, int agentsAble) {
    }

    public record Simulation(String formId, String ruleId, String queueId, Map<String, Integer> requiredSkills, int priority,
                             boolean open, Instant nextOpenAt, long position, long estimatedWaitSeconds, int agentsAble,
                             String agentId, String tieBreak, List<Rules.RuleCheck> rules, List<AgentSelector.Candidate> candidates,
                             List<String> reasons) {
    }

    @POST
    @Path("/routing/evaluate")
    @RolesAllowed({"platform", "admin"})
    public Uni<Evaluation> evaluate(FormSubmission body) {
        FormSubmission s = Ids.body(body);
        if (s.chatId() != null) {
            Ids.check("chatId", s.chatId());
        }
        // non-blocking: on the event loop, every Redis call answered there (the chat start's path)
        return evaluator.evaluateAsync(s.formId(), s.form(), s.chatId()).map(r -> new Evaluation(r.formId(), r.evaluation().rule().id(),
                r.evaluation().queue().id(), r.evaluation().requiredSkills(), r.evaluation().priority(), r.open(), r.nextOpenAt(),
                r.position(), r.estimatedWaitSeconds(), r.agentsAble()));
    }

    @POST
    @Path("/routing/simulate")
    @RolesAllowed({"admin", "platform"})
    public Simulation simulate(FormSubmission body) {
        FormSubmission s = Ids.body(body);
        Evaluator.Result r = evaluator.evaluate(s.formId(), s.form());
        Rules.Evaluation ev = r.evaluation();
        // a diagnostic for admins: every agent, eligible or why not (the routing path itself reads only the index)
        List<io.chatroute.routing.domain.AgentSnapshot> agents = store.agents().stream()
                .map(io.chatroute.routing.persistence.AgentRecord::snapshot).toList();
        AgentSelector.Selection sel = AgentSelector.select(ev.requiredSkills(), agents, java.util.Set.of());
        List<String> reasons = new ArrayList<>();
        reasons.add("rule '" + ev.rule().id() + "' is the first that matches (" + ev.checks().getLast().reason() + ")");
        reasons.add("queue '" + ev.queue().id() + "' requires " + ev.requiredSkills() + " (queue and rule skills merged, higher level wins)");
        if (!r.open()) {
            reasons.add("the queue is closed now" + (r.nextOpenAt() == null ? "" : "; it opens at " + r.nextOpenAt()));
        }
        reasons.add(sel.found() ? "agent '" + sel.agentId() + "' chosen by " + sel.tieBreak() : "no eligible agent now: the chat would wait");
        return new Simulation(r.formId(), ev.rule().id(), ev.queue().id(), ev.requiredSkills(), ev.priority(), r.open(), r.nextOpenAt(),
                r.position(), r.estimatedWaitSeconds(), r.agentsAble(), r.open() ? sel.agentId() : null, sel.tieBreak(), ev.checks(),
                sel.candidates(), reasons);
    }

    @GET
    @Path("/chats/{chatId}/routing")
    @RolesAllowed({"admin", "platform", "supervisor"})
    public Map<String, Object> chatRouting(@PathParam("chatId") String chatId) {
        Map<String, String> chat = store.chat(chatId);
        if (chat.isEmpty()) {
            throw new NotFoundException("chat '" + chatId + "' has no routing record");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("chatId", chatId);
        out.put("state", chat.get("state"));
        out.put("queueId", chat.get("queueId"));
        out.put("ruleId", chat.get("ruleId"));
        out.put("agentId", chat.get("agentId"));
        out.put("offerId", chat.get("offerId"));
        out.put("steps", store.decisions(chatId).stream().map(store::readMap).toList());
        // bounded record: the latest steps in full, the rest summarised (how many of each kind, from when to when)
        Map<String, Object> earlier = new LinkedHashMap<>();
        long count = 0;
        Map<String, Long> byStep = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : chat.entrySet()) {
            if (e.getKey().startsWith("earlier:")) {
                long n = Long.parseLong(e.getValue());
                byStep.put(e.getKey().substring("earlier:".length()), n);
                count += n;
            }
        }
        earlier.put("count", count);
        earlier.put("byStep", byStep);
        earlier.put("from", chat.get("earlierFrom"));
        earlier.put("to", chat.get("earlierTo"));
        out.put("earlier", earlier);
        out.put("decisionCount", Long.parseLong(chat.getOrDefault("decisionCount", "0")));
        return out;
    }
}
