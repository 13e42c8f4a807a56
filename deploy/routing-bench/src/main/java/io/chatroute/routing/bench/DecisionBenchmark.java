package io.chatroute.routing.bench;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import io.chatroute.routing.domain.AgentSelector;

/**
 * One chat against 1,000 agents and 100 queues ({@link DecisionFixture}); each call takes the next queue's chat, so
 * the 100 queues (different skills, candidates and avoided agents) are measured in turn. SampleTime: JMH samples single
 * calls and reports percentiles (p50, p90, p99, p99.9).
 * <ul>
 * <li>{@code selectAmongAllAgents}: the pure decision, {@link AgentSelector#select}, over all 1,000 agents (every
 * agent checked for presence, skills, load and cool-down, the eligible ones sorted, the tie-break named): what a
 * decision would cost if it read the whole team.</li>
 * <li>{@code selectAmongIndexPage}: the same function as routing-service calls it for one chat: over the first page
 * (16) of the chat's target's candidate index (the offerable agents with its skills, best first), with the chat's
 * avoided and blocked agents.</li>
 * <li>{@code dispatchDecision}: what routing-service actually does in process for one offer
 * ({@link DispatchDecision}): the selector over the first page (16) of the target's candidate index, plus the JSON
 * reading and writing, the avoidance and the index scores of the chosen agent in every target it serves. The Redis
 * round trips (reading the page and the chat, the two claim scripts) are not included.</li>
 * </ul>
 * Run: see routing-service/README.md, "Benchmark of the decision".
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx512m", "-XX:+UseSerialGC"})
public class DecisionBenchmark {

    @State(Scope.Benchmark)
    public static class Centre {
        DecisionFixture fixture;

        @Setup(Level.Trial)
        public void build() {
            fixture = new DecisionFixture(42, System.currentTimeMillis());
        }
    }

    /** The next chat's queue, in turn. */
    @State(Scope.Thread)
    public static class Cursor {
        int next;

        DecisionFixture.Queue next(DecisionFixture f) {
            DecisionFixture.Queue q = f.queues.get(next);
            next = (next + 1) % f.queues.size();
            return q;
        }
    }

    @Benchmark
    public AgentSelector.Selection selectAmongAllAgents(Centre c, Cursor cursor) {
        DecisionFixture.Queue q = cursor.next(c.fixture);
        Set<String> avoided = new HashSet<>();
        Set<String> blocked = new HashSet<>();
        DecisionFixture.avoidance(q.chat(), c.fixture.now, avoided, blocked);
        return AgentSelector.select(q.required(), c.fixture.agents, avoided, blocked);
    }

    @Benchmark
    public AgentSelector.Selection selectAmongIndexPage(Centre c, Cursor cursor) {
        DecisionFixture.Queue q = cursor.next(c.fixture);
        Set<String> avoided = new HashSet<>();
        Set<String> blocked = new HashSet<>();
        DecisionFixture.avoidance(q.chat(), c.fixture.now, avoided, blocked);
        return AgentSelector.select(q.required(), q.page(), avoided, blocked);
    }

    @Benchmark
    public DispatchDecision.Result dispatchDecision(Centre c, Cursor cursor) {
        return DispatchDecision.decide(cursor.next(c.fixture), c.fixture.targets, c.fixture.now);
    }
}
