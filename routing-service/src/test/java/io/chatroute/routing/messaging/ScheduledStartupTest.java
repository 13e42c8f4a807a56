package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.Priority;

/**
 * Found by the two-process test (deploy/routing-it): on a starved machine the scheduler's first tick (3 s after it
 * started) ran while the main thread was still creating the Redis data sources, and Quarkus's Redis recorder, creating
 * the blocking and the reactive data source from two threads at once, failed the start with a
 * {@code ConcurrentModificationException}. Every scheduled job of routing-service therefore waits until the start is
 * over ({@link StartedOnly}, flipped by the last observer of the start), however long the start takes.
 */
class ScheduledStartupTest {

    @Test
    void everyScheduledJobWaitsUntilTheStartIsOver() throws Exception {
        List<Method> scheduled = methods(m -> m.getAnnotationsByType(Scheduled.class).length > 0);
        assertThat(scheduled).as("routing-service's scheduled jobs").hasSizeGreaterThanOrEqualTo(4);
        for (Method m : scheduled) {
            for (Scheduled s : m.getAnnotationsByType(Scheduled.class)) {
                assertThat(s.skipExecutionIf()).as("%s.%s skipExecutionIf", m.getDeclaringClass().getSimpleName(), m.getName())
                        .isEqualTo(StartedOnly.class);
            }
        }
    }

    @Test
    void theStartIsOverOnlyAfterEveryOtherStartupObserver() throws Exception {
        List<Method> observers = methods(m -> Stream.of(m.getParameters()).anyMatch(p -> p.getType() == StartupEvent.class));
        assertThat(observers).as("startup observers").hasSizeGreaterThanOrEqualTo(4);
        Method last = StartedOnly.class.getDeclaredMethod("onStart", StartupEvent.class);
        int lastPriority = priority(last);
        assertThat(lastPriority).isEqualTo(Integer.MAX_VALUE);
        for (Method m : observers) {
            if (!m.equals(last)) {
                assertThat(priority(m)).as("%s.%s observes the start before StartedOnly", m.getDeclaringClass().getSimpleName(),
                        m.getName()).isLessThan(lastPriority);
            }
        }
        StartedOnly s = new StartedOnly();
        assertThat(s.test(null)).as("skipped before the start").isTrue();
        s.onStart(null);
        assertThat(s.test(null)).as("runs once started").isFalse();
        s.onStop(null);
        assertThat(s.test(null)).as("skipped after shutdown began").isTrue();
    }

    /** An observer's priority (CDI's default, APPLICATION + 500, when none is given). */
    private static int priority(Method m) {
        for (Parameter p : m.getParameters()) {
            if (p.getType() == StartupEvent.class) {
                Priority prio = p.getAnnotation(Priority.class);
                return prio == null ? 2500 : prio.value();
            }
        }
        throw new IllegalArgumentException(m + " observes no StartupEvent");
    }

    /** The methods of routing-service's compiled classes that match. */
    private static List<Method> methods(java.util.function.Predicate<Method> which)
            throws IOException, URISyntaxException, ClassNotFoundException {
        Path root = Path.of(Router.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> names;
        try (Stream<Path> files = Files.walk(root.resolve("io/chatroute/routing"))) {
            names = files.map(p -> root.relativize(p).toString()).filter(n -> n.endsWith(".class"))
                    .map(n -> n.substring(0, n.length() - ".class".length()).replace('/', '.')).toList();
        }
        List<Method> out = new ArrayList<>();
        for (String name : names) {
            Class<?> c = Class.forName(name, false, ScheduledStartupTest.class.getClassLoader());
            for (Method m : c.getDeclaredMethods()) {
                if (which.test(m)) {
                    out.add(m);
                }
            }
        }
        return out;
    }
}
