package io.chatroute.routing.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.chatroute.routing.domain.AgentSelector;
import io.chatroute.routing.domain.AgentSnapshot;
import io.chatroute.routing.domain.Presence;
import io.chatroute.routing.domain.Target;

/**
 * A contact centre for the decision benchmark: 1,000 agents and 100 queues (one routing target each), built from a
 * fixed seed so every run measures the same thing.
 * <ul>
 * <li>Skills: 20 topics {@code t00..t19} and 5 languages {@code lang:l0..l4}. Queue {@code q<i>} requires topic
 * {@code t<i mod 20>} at level 1..3 and, for every other queue, a language at level 1.</li>
 * <li>Agents: 4 topics (levels 1..10) and 2 languages (levels 1..10), cap 4..6, load 0..cap (a quarter full),
 * 80 % AVAILABLE, 15 % AWAY, 5 % OFFLINE, last assignment within the last hour.</li>
 * <li>Each queue's candidate index, as Redis keeps it (the AVAILABLE agents with a free slot who hold the target's
 * skills, by {@link AgentSelector#indexScore}), and the first page of it (16 entries, {@code candidate-page}) as the
 * raw agent rows the dispatcher reads back (HMGET status active max lastAssignedAt ver skills grace).</li>
 * <li>Per queue a waiting chat as its Redis hash: required skills (JSON), the request (visitor, form, message as JSON),
 * two agents who declined it (one still within the cool-down) and one who transferred it.</li>
 * </ul>
 */
public final class DecisionFixture {
    public static final int AGENTS = 1_000;
    public static final int QUEUES = 100;
    public static final int CANDIDATE_PAGE = 16;
    public static final long COOLDOWN_MS = 60_000;

    public static final ObjectMapper JSON = new ObjectMapper();
    static final TypeReference<TreeMap<String, Integer>> SKILLS = new TypeReference<>() { };
    static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() { };

    /** One queue: its target, its candidate page as raw rows, its waiting chat as a Redis hash. */
    public record Queue(String id, Target target, Map<String, Integer> required, List<AgentSnapshot> page, List<List<String>> pageRows,
                        List<String> pageIds, long indexSize, Map<String, String> chat) {
    }

    public final List<AgentSnapshot> agents = new ArrayList<>(AGENTS);
    public final List<Queue> queues = new ArrayList<>(QUEUES);
    public final List<Target> targets = new ArrayList<>(QUEUES);
    public final long now;

    public DecisionFixture(long seed, long now) {
        this.now = now;
        Random rnd = new Random(seed);
        for (int i = 0; i < AGENTS; i++) {
            Map<String, Integer> skills = new TreeMap<>();
            while (skills.size() < 4) {
                skills.put(String.format("t%02d", rnd.nextInt(20)), 1 + rnd.nextInt(10));
            }
            while (skills.size() < 6) {
                skills.put("lang:l" + rnd.nextInt(5), 1 + rnd.nextInt(10));
            }
            int max = 4 + rnd.nextInt(3);
            int active = rnd.nextInt(4) == 0 ? max : rnd.nextInt(max);
            int p = rnd.nextInt(100);
            Presence presence = p < 80 ? Presence.AVAILABLE : p < 95 ? Presence.AWAY : Presence.OFFLINE;
            long last = now - rnd.nextInt(3_600_000);
            agents.add(new AgentSnapshot(String.format("agent-%04d", i), presence, active, max, skills, last));
        }
        for (int q = 0; q < QUEUES; q++) {
            Map<String, Integer> required = new TreeMap<>();
            required.put(String.format("t%02d", q % 20), 1 + (q / 20) % 3);
            if (q % 2 == 0) {
                required.put("lang:l" + (q / 2) % 5, 1);
            }
            Target target = new Target("q" + q, required);
            targets.add(target);
            // the candidate index: offerable agents holding the skills, by index score then id (as Redis orders it)
            List<AgentSnapshot> index = agents.stream()
                    .filter(a -> a.status() == Presence.AVAILABLE && a.active() < a.max() && target.servedBy(a.skills()))
                    .sorted(Comparator.comparingLong((AgentSnapshot a) -> AgentSelector.indexScore(a.active(),
                            target.skillScore(a.skills()), a.lastAssignedAt())).thenComparing(AgentSnapshot::id))
                    .toList();
            List<AgentSnapshot> page = index.subList(0, Math.min(CANDIDATE_PAGE, index.size()));
            List<List<String>> rows = new ArrayList<>();
            for (AgentSnapshot a : page) {
                rows.add(List.of(a.status().name(), Integer.toString(a.active()), Integer.toString(a.max()),
                        Long.toString(a.lastAssignedAt()), Integer.toString(1 + rnd.nextInt(1000)), write(a.skills()), ""));
            }
            Map<String, String> chat = new LinkedHashMap<>();
            chat.put("state", "QUEUED");
            chat.put("epoch", "3");
            chat.put("queueId", target.queueId());
            chat.put("target", target.id());
            chat.put("requiredSkills", write(required));
            chat.put("priority", "0");
            chat.put("enqueuedAt", Long.toString(now - 45_000));
            Map<String, Object> visitor = new LinkedHashMap<>();
            visitor.put("name", "Vera Visitor " + q);
            visitor.put("email", "vera" + q + "@example.com");
            visitor.put("locale", "en");
            visitor.put("customerId", "c-" + q);
            Map<String, Object> request = new LinkedHashMap<>();
            request.put("visitor", visitor);
            request.put("form", Map.of("topic", "t" + (q % 20), "language", "l" + (q / 2) % 5));
            request.put("message", "Hello, I was charged twice for my order and would like the duplicate refunded, please.");
            chat.put("request", write(request));
            if (!page.isEmpty()) {
                // the best candidate declined within the cool-down (blocked); another declined long ago and one
                // handed the chat on (both avoided): the selector has to look past the top of the page
                chat.put("declined:" + page.getFirst().id(), Long.toString(now - 5_000));
                chat.put("declined:" + page.get(page.size() / 2).id(), Long.toString(now - 600_000));
                chat.put("avoid:" + page.getLast().id(), Long.toString(now - 900_000));
            }
            chat.put("decisionCount", "4");
            queues.add(new Queue(target.queueId(), target, required, List.copyOf(page), rows, page.stream().map(AgentSnapshot::id).toList(), index.size(),
                    chat));
        }
    }

    /** Who a chat avoids and who it may not be offered to now, read from its hash (as Dispatcher.avoidance does). */
    public static void avoidance(Map<String, String> chat, long now, Set<String> avoided, Set<String> blocked) {
        long cutoff = now - COOLDOWN_MS;
        chat.forEach((k, v) -> {
            if (k.startsWith("declined:")) {
                String id = k.substring("declined:".length());
                avoided.add(id);
                if (Long.parseLong(v) > cutoff) {
                    blocked.add(id);
                }
            } else if (k.startsWith("avoid:")) {
                avoided.add(k.substring("avoid:".length()));
            }
        });
    }

    /** An agent row as the dispatcher reads it (status active max lastAssignedAt ver skills grace) to a snapshot. */
    public static AgentSnapshot snapshot(String agentId, List<String> row) {
        Presence p = Presence.parse(row.get(0));
        boolean grace = !row.get(6).isEmpty();
        Presence status = p == null ? Presence.OFFLINE : p;
        return new AgentSnapshot(agentId, grace && status == Presence.AVAILABLE ? Presence.AWAY : status, (int) num(row.get(1)),
                (int) num(row.get(2)), readSkills(row.get(5)), num(row.get(3)));
    }

    public static Map<String, Integer> readSkills(String s) {
        try {
            return s == null || s.isEmpty() ? new TreeMap<>() : JSON.readValue(s, SKILLS);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> readMap(String s) {
        try {
            return s == null ? new LinkedHashMap<>() : JSON.readValue(s, MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long num(String s) {
        return s == null || s.isEmpty() ? 0 : (long) Double.parseDouble(s);
    }
}
