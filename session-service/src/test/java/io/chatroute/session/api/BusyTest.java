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

    @Test
    void aRedisRestartingIsBusyNotAFault() {
        // as the Redis client reported them while the load tool killed Redis and started it again (2026-12-07)
        assertThat(Busy.is(new CompletionException(new java.net.ConnectException("Connection refused: /127.0.0.1:41839")))).isTrue();
        assertThat(Busy.is(new io.vertx.core.impl.NoStackTraceThrowable("Connection is closed"))).isTrue();
        // the command was in flight when the connection went: it may have run, so only a repeatable request is busy
        assertThat(Busy.is(new java.net.SocketException("Connection reset"))).isFalse();
        assertThat(Busy.outcomeUnknown(new java.net.SocketException("Connection reset"))).isTrue();
        assertThat(Busy.outcomeUnknown(new CompletionException(new IllegalStateException("CONNECTION_CLOSED")))).isTrue();
        assertThat(Busy.outcomeUnknown(new CompletionException(new java.net.ConnectException("Connection refused")))).isFalse();
        assertThat(Busy.retry(new java.net.SocketException("Connection reset"), true)).isTrue();
        assertThat(Busy.retry(new java.net.SocketException("Connection reset"), false)).isFalse();
        assertThat(Busy.retry(new java.net.ConnectException("Connection refused"), false)).isTrue();
        assertThat(Busy.is(new CompletionException(new IllegalStateException("LOADING Redis is loading the dataset in memory"))))
                .isTrue();
        assertThat(Busy.is(new IllegalStateException("ERR Error running script: attempt to compare nil with number"))).isFalse();
        assertThat(Busy.is(new IllegalStateException("WRONGTYPE Operation against a key holding the wrong kind of value"))).isFalse();
    }

    @Test
    void onlyFramesThatMayBeHandledTwiceAreRepeatable() {
        com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "message").put("clientMsgId", "m1"))).isTrue();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "message"))).isFalse();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "close"))).isTrue();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "presence"))).isTrue();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "transfer"))).isFalse();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "offer.accept"))).isFalse();
        assertThat(Busy.repeatable(m.createObjectNode().put("type", "survey"))).isFalse();
        assertThat(Busy.repeatable(null)).isFalse();
    }
}
