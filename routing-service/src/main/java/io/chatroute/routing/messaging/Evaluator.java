package io.chatroute.routing.messaging;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.chatroute.routing.config.RoutingConfig;
import io.chatroute.routing.domain.DomainValidationException;
import io.chatroute.routing.domain.FieldError;
import io.chatroute.routing.domain.FormDefinition;
import io.chatroute.routing.domain.Forms;
import io.chatroute.routing.domain.Rules;
import io.chatroute.routing.domain.Target;
import io.chatroute.routing.domain.WaitEstimator;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Form in -> rule, queue, skills, hours and wait; shared by /evaluate, /simulate and chat.requested. Reads no agent:
 * the able agents and free slots come from the routing target's aggregates, the wait from {@link WaitEstimator}.
 */
@ApplicationScoped
public class Evaluator {
    private final RoutingStore store;
    private final CandidateIndex index;
    private final Router router;
    private final RoutingConfig config;
    private final Clock clock;

    public Evaluator(RoutingStore store, CandidateIndex index, Router router, RoutingConfig config) {
        this.store = store;
        this.index = index;
        this.router = router;
        this.config = config;
        this.clock = Clock.systemUTC();
    }

    /** The result of evaluating one submission now. */
    public record Result(String formId, Rules.Evaluation evaluation, Target target, boolean open, Instant nextOpenAt, long position,
                         long estimatedWaitSeconds, int agentsAble, String waitModel) {
    }

    public Result evaluate(String formId, Map<String, Object> form) {
        return evaluate(formId, form, null);
    }

    /**
     * Evaluates; with a chat id (session-service's call at chat start) a chat that will wait takes its place in the
     * queue now (RESERVED, see chat_reserve.lua), so the position answered is its real rank. Without one it changes
     * nothing (beyond building a routing target's index the first time it is met).
     */
    public Result evaluate(String formId, Map<String, Object> form, String chatId) {
        return store.await(evaluateAsync(formId, form, chatId));
    }

    /**
     * As {@link #evaluate(String, Map, String)}, without blocking: the form, rules and queues (cached), the target's
     * figures and the reservation, each a Redis call answered on the event loop. A routing target never seen is built
     * on a worker ({@link CandidateIndex#ensureAsync}).
     */
    public Uni<Result> evaluateAsync(String formId, Map<String, Object> form, String chatId) {
        if (formId == null || formId.isBlank()) {
            return Uni.createFrom().failure(new DomainValidationException("formId is required",
                    List.of(new FieldError("formId", "required"))));
        }
        Map<String, Object> submitted = form == null ? Map.of() : form;
        return store.formAsync(formId).chain(found -> {
            FormDefinition definition = found.orElseThrow(() -> new NotFoundException("form '" + formId + "' does not exist"));
            DomainValidationException.throwIfAny("the form does not fit form '" + formId + "'",
                    Forms.validateSubmission(definition, form, config.maxValueLength()));
            return store.rulesAsync();
        }).chain(rules -> store.queuesAsync().map(queues -> Rules.evaluate(rules, queues, submitted))).chain(ev -> {
            if (!ev.matched()) {
                throw new DomainValidationException("no routing rule matches this form",
                        List.of(new FieldError("form", "no routing rule matches this form")));
            }
            Instant now = clock.instant();
            boolean open = ev.queue().businessHours() == null || ev.queue().businessHours().isOpen(now);
            Instant next = open ? null : ev.queue().businessHours().nextOpening(now).orElse(null);
            return index.ensureAsync(CandidateIndex.target(ev.queue(), ev.rule().skillsOrEmpty()))
                    .chain(target -> store.signalsAsync(ev.queue().id(), List.of(target.id()), now).chain(sig -> {
                        int able = (int) sig.agg(target.id(), "able");
                        Uni<Long> position = chatId != null && open && able > 0
                                ? router.reserveAsync(chatId, ev.queue(), target, ev.priority(), now)
                                : Uni.createFrom().item(sig.waiting() + 1);
                        return position.map(p -> {
                            WaitEstimator.Curve curve = Announcer.curve(config, sig, target.id());
                            return new Result(formId, ev, target, open, next, p, curve.secondsAt(p), able, curve.model());
                        });
                    }));
        });
    }

    public static Map<String, Object> checks(Rules.Evaluation ev) {
        Map<String, Object> m = new LinkedHashMap<>();
        ev.checks().forEach(c -> m.put(c.ruleId(), (c.matched() ? "matched: " : "skipped: ") + c.reason()));
        return m;
    }
}
