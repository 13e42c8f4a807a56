package io.chatroute.session.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.smallrye.mutiny.Uni;

/** A socket's frame handling, timed: its outcome unchanged, a slow one named in the log. */
class FramesTimedTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void aSlowFrameIsLoggedWithItsTypeAndItsSocket() throws Exception {
        List<String> warnings = new ArrayList<>();
        Uni<Void> timed = Frames.timed(Uni.createFrom().voidItem(), -1, warnings::add, "visitor of chat", "c-1",
                mapper.readTree("{\"type\":\"message\"}"));
        timed.await().indefinitely();
        assertThat(warnings).singleElement().asString()
                .startsWith("visitor of chat c-1: a message frame took ")
                .endsWith(" ms to answer; later frames of that socket waited for it");
    }

    @Test
    void aFastFrameIsNotLoggedAndItsOutcomeIsUnchanged() {
        List<String> warnings = new ArrayList<>();
        AtomicInteger subscriptions = new AtomicInteger();
        Uni<Void> failing = Uni.createFrom().<Void>failure(new IllegalStateException("refused"))
                .onSubscription().invoke(subscriptions::incrementAndGet);
        assertThatThrownBy(() -> Frames.timed(failing, 60_000, warnings::add, "agent", "a-1", null).await().indefinitely())
                .isInstanceOf(IllegalStateException.class).hasMessage("refused");
        assertThat(subscriptions).hasValue(1);
        assertThat(warnings).isEmpty();
    }

    @Test
    void theTimeIsFromItsStartToItsAnswer() throws Exception {
        List<String> warnings = new ArrayList<>();
        Uni<Void> slow = Uni.createFrom().voidItem().onItem().delayIt().by(java.time.Duration.ofMillis(150));
        Frames.timed(slow, 100, warnings::add, "agent", "a-1", mapper.readTree("{\"type\":\"close\"}")).await().indefinitely();
        assertThat(warnings).singleElement().asString().startsWith("agent a-1: a close frame took ");
        long ms = Long.parseLong(warnings.get(0).replaceAll(".* took (\\d+) ms.*", "$1"));
        assertThat(ms).isGreaterThanOrEqualTo(150);
    }

    @Test
    void aMalformedFrameIsNamedSo() {
        List<String> warnings = new ArrayList<>();
        Frames.timed(Uni.createFrom().voidItem(), -1, warnings::add, "agent", "a-1", null).await().indefinitely();
        assertThat(warnings).singleElement().asString().startsWith("agent a-1: a malformed frame took ");
    }
}
