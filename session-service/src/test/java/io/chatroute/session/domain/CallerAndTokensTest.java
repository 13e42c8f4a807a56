package io.chatroute.session.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;

import org.junit.jupiter.api.Test;

class CallerAndTokensTest {

    @Test
    void aVisitorReachesOnlyItsChat() {
        Caller visitor = new Caller("visitor:c1", Set.of("visitor"), "c1");
        assertThat(visitor.mayRead("c1")).isTrue();
        assertThat(visitor.mayRead("c2")).isFalse();
        assertThat(visitor.mayPostViaRest("c2")).isFalse();
        assertThat(visitor.mayClose("c1")).isTrue();
        assertThat(visitor.closedBy()).isEqualTo("visitor");
    }

    @Test
    void staffAndPlatforms() {
        Caller agent = new Caller("a1", Set.of("agent"), null);
        Caller platform = new Caller("p1", Set.of("platform"), null);
        assertThat(agent.mayRead("any")).isTrue();
        assertThat(agent.mayPostViaRest("any")).isFalse();
        assertThat(agent.closedBy()).isEqualTo("agent");
        assertThat(platform.mayPostViaRest("any")).isTrue();
        assertThat(platform.closedBy()).isEqualTo("system");
        assertThat(new Caller("x", Set.of(), null).mayRead("any")).isFalse();
    }

    @Test
    void visitorTokensAreRandomPrefixedAndHashed() {
        String a = VisitorTokens.newToken();
        String b = VisitorTokens.newToken();
        assertThat(a).startsWith("vt_").isNotEqualTo(b).hasSizeGreaterThan(40);
        assertThat(VisitorTokens.isVisitorToken(a)).isTrue();
        assertThat(VisitorTokens.isVisitorToken("eyJhbGciOi")).isFalse();
        assertThat(VisitorTokens.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void sealedAnswersOpenOnlyWithTheirKey() {
        String sealed = IdempotencySeal.seal("key-1", "{\"visitorToken\":\"vt_x\"}");
        assertThat(sealed).doesNotContain("vt_x");
        assertThat(IdempotencySeal.open("key-1", sealed)).isEqualTo("{\"visitorToken\":\"vt_x\"}");
        assertThatThrownBy(() -> IdempotencySeal.open("key-2", sealed)).isInstanceOf(IllegalStateException.class);
        assertThat(IdempotencySeal.recordId("key-1")).isNotEqualTo(IdempotencySeal.recordId("key-2")).hasSize(64);
    }

    @Test
    void statusParsing() {
        assertThat(ChatStatus.parse("ACTIVE")).isEqualTo(ChatStatus.ACTIVE);
        assertThat(ChatStatus.parse("")).isNull();
        assertThat(ChatStatus.CLOSED.isOpen()).isFalse();
    }
}
