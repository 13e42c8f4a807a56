package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.chatroute.routing.domain.RoutingSimulation.AgentSpec;
import io.chatroute.routing.domain.RoutingSimulation.Figures;
import io.chatroute.routing.domain.RoutingSimulation.HandleTime;
import io.chatroute.routing.domain.RoutingSimulation.QueueSpec;
import io.chatroute.routing.domain.RoutingSimulation.Result;
import io.chatroute.routing.domain.RoutingSimulation.Scenario;

/**
 * The virtual-time simulation (routing's own selector, waiting order and estimator) against theory and against the
 * invariants the engine promises. Fixed seeds: each run is the same, the tolerances are about the model, not luck.
 */
class RoutingSimulationTest {
    private static final Map<String, Integer> CHAT = Map.of("chat", 1);

    /**
     * One queue, one skill, concurrency 1, exponential handle times: the simulated system is exactly M/M/N, so its
     * service level, average wait and occupancy must agree with Erlang C (routing's Staffing model) within the
     * sampling error of about 60,000 chats.
     */
    @Test
    void singleQueueConcurrencyOneAgreesWithErlangC() {
        // 10 agents, 180 s mean handle, 160 chats/h: A = 8 erlangs, occupancy 0.8, C ~ 0.41
        Result r = RoutingSimulation.run(new Scenario("mmn", List.of(new QueueSpec("chat", CHAT, 0, 160, HandleTime.exponential(180))),
                RoutingSimulation.agents("a", 10, CHAT, 1), 400, 1, 20, 11));
        RoutingSimulation.Prediction p = r.erlangC();
        assertThat(r.all().chats()).isGreaterThan(55_000);
        assertThat(p.servers()).isEqualTo(10);
        assertThat(p.trafficErlangs()).isCloseTo(8.0, within(1e-9));
        assertThat(p.probabilityOfWaiting()).isBetween(0.3, 0.5); // a regime where waiting is common: not a trivial match
        assertThat(r.all().serviceLevel()).isCloseTo(p.serviceLevel(), within(0.02));
        assertThat(r.all().averageWait()).isCloseTo(p.averageWait(), within(0.1 * p.averageWait()));
        assertThat(r.all().p90Wait()).isCloseTo(p.p90Wait(), within(0.1 * p.p90Wait()));
        assertThat(r.utilisation()).isCloseTo(p.occupancy(), within(0.01));
        assertThat(r.capViolations()).isZero();
    }

    /** With concurrency 4 (an agent is 4 servers) the same agreement holds: the Staffing model's premise, simulated. */
    @Test
    void concurrencyFourAgreesWithErlangCWithConcurrency() {
        // 8 agents x cap 4 = 32 servers, 600 s mean handle, 168 chats/h: A = 28 erlangs. Handle times of 10 minutes make
        // successive waits strongly correlated, so it takes a long run (2,000 h, about 336,000 chats) to average out
        Result r = RoutingSimulation.run(new Scenario("mmn-c4", List.of(new QueueSpec("chat", CHAT, 0, 168, HandleTime.exponential(600))),
                RoutingSimulation.agents("a", 8, CHAT, 4), 2000, 2, 30, 12));
        RoutingSimulation.Prediction p = r.erlangC();
        assertThat(p.servers()).isEqualTo(32);
        assertThat(p.probabilityOfWaiting()).isBetween(0.2, 0.6);
        assertThat(r.all().serviceLevel()).isCloseTo(p.serviceLevel(), within(0.025));
        assertThat(r.all().averageWait()).isCloseTo(p.averageWait(), within(0.15 * p.averageWait()));
        assertThat(r.utilisation()).isCloseTo(p.occupancy(), within(0.015));
        assertThat(r.maxActive()).containsOnly(4); // every agent was full at times, never above
    }

    /**
     * Several queues, skill mixes, caps 4 to 6, priorities, lognormal handle times: no agent ever holds more than its
     * cap, every queue is served first come first served within its priority, the higher-priority queue waits less,
     * and fewest-active-first spreads the load evenly over agents who can do the same work.
     */
    @Test
    void skillMixKeepsCapsFifoPrioritiesAndSpreadsLoad() {
        Map<String, Integer> both = new TreeMap<>(Map.of("billing", 2, "tech", 2));
        List<AgentSpec> agents = new ArrayList<>();
        agents.addAll(RoutingSimulation.agents("bill", 6, Map.of("billing", 3), 5));
        agents.addAll(RoutingSimulation.agents("tech", 6, Map.of("tech", 3), 4, 5, 6));
        agents.addAll(RoutingSimulation.agents("both", 4, both, 6));
        Result r = RoutingSimulation.run(new Scenario("mix", List.of(
                new QueueSpec("billing", Map.of("billing", 1), 0, 150, HandleTime.lognormal(500, 0.8)),
                new QueueSpec("tech", Map.of("tech", 1), 0, 120, HandleTime.lognormal(650, 0.9)),
                new QueueSpec("urgent", Map.of("billing", 2), 20, 40, HandleTime.lognormal(500, 0.8))),
                agents, 150, 2, 30, 13));
        for (int a = 0; a < agents.size(); a++) {
            assertThat(r.maxActive()[a]).as("max load of %s", agents.get(a).id()).isLessThanOrEqualTo(agents.get(a).cap());
        }
        assertThat(r.capViolations()).isZero();
        assertThat(r.all().fifoViolations()).as("chats answered out of arrival order within a queue").isZero();
        Figures billing = r.queues().get(0);
        Figures urgent = r.queues().get(2);
        assertThat(r.all().averageWait()).as("the centre is busy enough that chats wait").isGreaterThan(1.0);
        assertThat(urgent.averageWait()).as("priority 20 waits less than priority 0 for the same agents")
                .isLessThan(billing.averageWait() / 2);
        // the dedicated billing agents (alike: same skill, cap 5) are loaded alike: occupancy within a few points
        double[] occ = r.agentOccupancy();
        double min = 1;
        double max = 0;
        for (int a = 0; a < 6; a++) {
            min = Math.min(min, occ[a]);
            max = Math.max(max, occ[a]);
        }
        assertThat(min).isGreaterThan(0.3);
        assertThat(max - min).as("spread of the billing agents' occupancy").isLessThan(0.12);
        assertThat(r.all().chats()).isGreaterThan(40_000);
    }

    /** The estimate the visitor is told is in the right range once the queue has history (throughput model). */
    @Test
    void theEstimateToldTracksTheRealWait() {
        Result r = RoutingSimulation.run(new Scenario("estimate", List.of(new QueueSpec("chat", CHAT, 0, 260,
                HandleTime.lognormal(600 / Math.exp(0.32), 0.8))), RoutingSimulation.agents("a", 12, CHAT, 4), 100, 1, 30, 14));
        assertThat(r.all().averageWait()).isGreaterThan(5);
        assertThat(r.all().meanEstimate()).as("mean estimate vs mean real wait %s", r.all().averageWait())
                .isBetween(r.all().averageWait() / 3, r.all().averageWait() * 3);
    }
}
