package io.chatroute.routing.bench;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Target;

/**
 * The in-process work of one routing decision as routing-service's {@code Dispatcher} does it for one waiting chat,
 * with the answers of its Redis round trips given (the page of the chat's target's candidate index, the chat's hash):
 * <ol>
 * <li>the chat's required skills read from its hash (JSON, as {@code RoutingStore.readSkills});</li>
 * <li>who it avoids and who is blocked, from its {@code declined:*} and {@code avoid:*} fields ({@code Dispatcher.avoidance});</li>
 * <li>the first page of the candidate index (16 agent rows) turned into snapshots, each agent's skills read from JSON
 * ({@code CandidateIndex.states} / {@code AgentState.fromTail});</li>
 * <li>{@link AgentSelector#select} over that page;</li>
 * <li>the {@code chat.offered} event and the decision record built and written as JSON, the request read back from
 * JSON ({@code Dispatcher.claim} / {@code decision});</li>
 * <li>the chosen agent's new candidate-index score computed for every target (of 100) its skills serve
 * ({@code CandidateIndex.refresh}, without sending it).</li>
 * </ol>
 * The code of {@code Dispatcher} and {@code CandidateIndex} is bound to Redis, so these steps are restated here with
 * routing-service's own pure classes ({@link AgentSelector}, {@link Target}, {@link io.chatroute.routing.domain.Skills})
 * and the same JSON library; what is left out is only the Redis round trips themselves.
 */
public final class DispatchDecision {

    /** What one decision produced (consumed by the benchmark so nothing is optimised away). */
    public record Result(String agentId, String offeredJson, String decisionJson, int targetsRefreshed, long scoreSum) {
    }

    private DispatchDecision() {
    }

    public static Result decide(DecisionFixture.Queue q, List<Target> targets, long nowMs) {
        Map<String, String> chat = q.chat();
        Map<String, Integer> required = DecisionFixture.readSkills(chat.get("requiredSkills"));
        Set<String> avoided = new HashSet<>();
        Set<String> blocked = new HashSet<>();
        DecisionFixture.avoidance(chat, nowMs, avoided, blocked);
        List<AgentSnapshot> page = new ArrayList<>(q.pageRows().size());
        for (int i = 0; i < q.pageRows().size(); i++) {
            page.add(DecisionFixture.snapshot(q.pageIds().get(i), q.pageRows().get(i)));
        }
        AgentSelector.Selection sel = AgentSelector.select(required, page, avoided, blocked);
        if (!sel.found()) {
            return new Result(null, null, null, 0, 0);
        }
        Instant now = Instant.ofEpochMilli(nowMs);
        Instant expires = now.plusSeconds(20);
        String offerId = UUID.randomUUID().toString();
        Map<String, Object> request = DecisionFixture.readMap(chat.get("request"));
        Map<String, Object> offered = new LinkedHashMap<>();
        offered.put("chatId", "chat-" + q.id());
        offered.put("agentId", sel.agentId());
        offered.put("queueId", q.id());
        offered.put("offerId", offerId);
        offered.put("offeredAt", now.toString());
        offered.put("expiresAt", expires.toString());
        offered.put("visitor", request.getOrDefault("visitor", Map.of()));
        offered.put("form", request.getOrDefault("form", Map.of()));
        offered.put("message", request.get("message"));
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("step", "offered");
        d.put("at", now.toString());
        d.put("queueId", q.id());
        d.put("target", chat.get("target"));
        d.put("requiredSkills", sel.requiredSkills());
        d.put("agentId", sel.agentId());
        d.put("offerId", offerId);
        d.put("expiresAt", expires.toString());
        d.put("tieBreak", sel.tieBreak());
        List<AgentSelector.Candidate> all = sel.candidates();
        d.put("candidates", all.size() > 10 ? all.subList(0, 10) : all);
        d.put("candidatesConsidered", all.size());
        d.put("candidateCount", Math.max(q.indexSize(), all.size()));
        String offeredJson = DecisionFixture.write(offered);
        String decisionJson = DecisionFixture.write(d);
        // the chosen agent's state after its hold: one more active chat, assigned now; its score in every target it serves
        AgentSnapshot chosen = page.stream().filter(a -> a.id().equals(sel.agentId())).findFirst().orElseThrow();
        int refreshed = 0;
        long sum = 0;
        for (Target t : targets) {
            if (t.servedBy(chosen.skills())) {
                sum += AgentSelector.indexScore(chosen.active() + 1, t.skillScore(chosen.skills()), nowMs);
                refreshed++;
            }
        }
        return new Result(sel.agentId(), offeredJson, decisionJson, refreshed, sum);
    }
}
