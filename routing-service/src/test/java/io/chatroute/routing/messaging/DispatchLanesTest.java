package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

class DispatchLanesTest {

    static final long MS = 1_000_000L;

    /** Passes that end when the test says so; what ran, in order. */
    static final class Passes {
        final List<String> started = new ArrayList<>();
        final Map<String, UniEmitter<? super Void>> running = new HashMap<>();

        java.util.function.Supplier<Uni<Void>> pass(String queueId) {
            return () -> Uni.createFrom().emitter(e -> {
                started.add(queueId);
                running.put(queueId, e);
            });
        }

        void end(String queueId) {
            running.remove(queueId).complete(null);
        }
    }

    @Test
    void theHigherPriorityQueuesPassGoesBeforeALowerOneAskedForEarlier() {
        AtomicLong now = new AtomicLong();
        DispatchLanes lanes = new DispatchLanes(1, 250 * MS, now::get);
        Passes p = new Passes();
        lanes.submit("busy", 0, p.pass("busy")); // runs: the lane is taken
        lanes.submit("two", 1, p.pass("two")); // a sweep asked for queue two first
        lanes.submit("one", 10, p.pass("one")); // then an agent became available for one (priority 10) and two
        assertThat(lanes.waiting("one")).containsExactly("one", "two");

        p.end("busy");
        assertThat(p.started).containsExactly("busy", "one");
        p.end("one");
        assertThat(p.started).containsExactly("busy", "one", "two");
    }

    @Test
    void aPassThatWaitedTheAgingTimeGoesFirstWhateverItsPriority() {
        AtomicLong now = new AtomicLong();
        DispatchLanes lanes = new DispatchLanes(1, 250 * MS, now::get);
        Passes p = new Passes();
        lanes.submit("hot", 10, p.pass("hot"));
        lanes.submit("cold", 0, p.pass("cold")); // asked at 0
        // the hot queue is asked for all the time: each of its passes takes 100 ms and it is asked again meanwhile
        for (int i = 0; i < 2; i++) {
            now.addAndGet(100 * MS);
            lanes.submit("hot", 10, p.pass("hot"));
            p.end("hot");
        }
        assertThat(p.started).containsExactly("hot", "hot", "hot"); // the cold one waited 200 ms: priority still rules
        now.addAndGet(100 * MS);
        lanes.submit("hot", 10, p.pass("hot"));
        p.end("hot"); // the cold one has waited 300 ms: it goes now
        assertThat(p.started).containsExactly("hot", "hot", "hot", "cold");
        p.end("cold");
        assertThat(p.started).containsExactly("hot", "hot", "hot", "cold", "hot");
    }

    @Test
    void equalPrioritiesRunInTheOrderTheyWereAskedAndLanesRunApart() {
        AtomicLong now = new AtomicLong();
        DispatchLanes lanes = new DispatchLanes(1, 250 * MS, now::get);
        Passes p = new Passes();
        lanes.submit("a", 5, p.pass("a"));
        lanes.submit("c", 5, p.pass("c"));
        lanes.submit("b", 5, p.pass("b"));
        p.end("a");
        p.end("c");
        assertThat(p.started).containsExactly("a", "c", "b");

        // with several lanes, queues of different lanes run at the same time
        DispatchLanes many = new DispatchLanes(64, 250 * MS, now::get);
        Passes q = new Passes();
        List<String> ids = new ArrayList<>();
        for (int i = 0; ids.size() < 2; i++) {
            String id = "q" + i;
            if (ids.isEmpty() || Math.floorMod(id.hashCode(), 64) != Math.floorMod(ids.get(0).hashCode(), 64)) {
                ids.add(id);
            }
        }
        ids.forEach(id -> many.submit(id, 0, q.pass(id)));
        assertThat(q.running).containsOnlyKeys(ids);
    }

    @Test
    void passesThatEndAtOnceOrFailDoNotStopTheLaneNorNestWithoutBound() {
        AtomicLong now = new AtomicLong();
        DispatchLanes lanes = new DispatchLanes(1, 250 * MS, now::get);
        List<Integer> ran = new ArrayList<>();
        Passes p = new Passes();
        lanes.submit("gate", 0, p.pass("gate"));
        for (int i = 0; i < 20_000; i++) { // would overflow the stack if each pass started the next one nested in its own
            int n = i;
            lanes.submit("q" + i, 0, () -> {
                ran.add(n);
                if (n % 2 == 0) {
                    throw new IllegalStateException("a failing pass");
                }
                return Uni.createFrom().voidItem();
            });
        }
        p.end("gate");
        assertThat(ran).hasSize(20_000);
        lanes.submit("after", 0, p.pass("after"));
        assertThat(p.started).containsExactly("gate", "after");
    }
}
