package io.chatroute.session.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

class BusyTest {

    @Test
    void overloadIsToldApartFromFaults() {
        assertThat(Busy.is(new io.vertx.core.http.ConnectionPoolTooBusyException("Connection pool reached max wait queue size"))).isTrue();
        assertThat(Busy.is(new CompletionException(new io.smallrye.mutiny.TimeoutException()))).isTrue();
        assertThat(Busy.is(new IllegalStateException("corrupt stored message"))).isFalse();
        assertThat(Busy.is(new java.util.concurrent.TimeoutException())).isFalse(); // not ours: a fault like any other
    }
}
