package io.chatroute.routing.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FieldError;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.Forms;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.persistence.AgentRecord;
import io.chatroute.routing.persistence.RoutingStore;
import jakarta.enterprise.context.ApplicationScoped;

/** Form in -> rule, queue, skills, hours and wait; shared by /evaluate, /simulate and chat.requested. Changes nothing. */
@ApplicationScoped
public class Evaluator {
    private final RoutingStore store;
    private final RoutingConfig config;
    private final Clock clock;

    public Evaluator(RoutingStore store, RoutingConfig config) {
        this.store = store;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /** The result of evaluating one submission now. */
    public record Result(String formId, Rules.Evaluation evaluation, boolean open, Instant nextOpenAt, long position,
                         long estimatedWaitSeconds, int agentsAble, List<AgentSnapshot> agents) {
    }

    public Result evaluate(String formId, Map<String, Object> form) {
        return evaluate(formId, form, null);
    }

    /**
     * Evaluates; with a chat id (session-service's call at chat start) a chat that will wait takes its place in the
     * queue now (RESERVED, see reserve.lua), so the position answered is its real rank. Without one it changes nothing.
     */
    public Result evaluate(String formId, Map<String, Object> form, String chatId) {
        if (formId == null || formId.isBlank()) {
            throw new DomainValidationException("formId is required", List.of(new FieldError("formId", "required")));
        }
        FormDefinition definition = store.form(formId).orElseThrow(() -> new NotFoundException("form '" + formId + "' does not exist"));
        DomainValidationException.throwIfAny("the form does not fit form '" + formId + "'",
                Forms.validateSubmission(definition, form, config.maxValueLength()));
        Rules.Evaluation ev = Rules.evaluate(store.rules(), store.queues(), form == null ? Map.of() : form);
        if (!ev.matched()) {
            throw new DomainValidationException("no routing rule matches this form",
                    List.of(new FieldError("form", "no routing rule matches this form")));
        }
        Instant now = clock.instant();
        boolean open = ev.queue().businessHours() == null || ev.queue().businessHours().isOpen(now);
        Instant next = open ? null : ev.queue().businessHours().nextOpening(now).orElse(null);
        List<AgentSnapshot> agents = store.agents().stream().map(AgentRecord::snapshot).toList();
        int able = AgentSelector.agentsAble(ev.requiredSkills(), agents);
        long position = store.waitingCount(ev.queue().id()) + 1;
        if (chatId != null && open && able > 0) {
            RoutingStore.Outcome reserved = store.reserve(chatId, ev.queue().id(), now);
            if (reserved.value(0) != null && !reserved.value(0).isEmpty()) {
                position = Long.parseLong(reserved.value(0));
            }
        }
        long est = AgentSelector.estimatedWaitSeconds(position, AgentSelector.freeSlots(ev.requiredSkills(), agents));
        return new Result(formId, ev, open, next, position, est, able, agents);
    }

    public static Map<String, Object> checks(Rules.Evaluation ev) {
        Map<String, Object> m = new LinkedHashMap<>();
        ev.checks().forEach(c -> m.put(c.ruleId(), (c.matched() ? "matched: " : "skipped: ") + c.reason()));
        return m;
    }
}
