package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import io.vertx.core.VertxException;

/** Which failures of a repeatable timer's work leave it due (the store's) and which drop it (its own, for good). */
class StoreFailureTest {

    @Test
    void theStoreAndItsTransportAreRetried() {
        assertThat(Router.storeFailure(new CompletionException(new VertxException("Connection closed")))).isTrue();
        assertThat(Router.storeFailure(new RuntimeException(new ConnectException("Connection refused")))).isTrue();
        assertThat(Router.storeFailure(new io.smallrye.mutiny.TimeoutException())).isTrue();
    }

    /**
     * Seen in routing-it's log at shutdown: a wait on the store interrupted while the process stops dropped two cool
     * timers ("its work fails for good"). The work did not fail; it was not allowed to finish, so the timer stays due.
     */
    @Test
    void anInterruptedWaitIsRetried() {
        assertThat(Router.storeFailure(new CompletionException(new InterruptedException()))).isTrue();
    }

    @Test
    void aFailureOfTheWorkItselfIsNot() {
        assertThat(Router.storeFailure(new NumberFormatException("For input string: \"x\""))).isFalse();
        assertThat(Router.storeFailure(new IllegalStateException("unexpected", new IllegalArgumentException()))).isFalse();
    }
}
