package io.chatroute.routing.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.chatroute.infra.test.EventSchemas;
import io.chatroute.infra.test.InfraTestResource;
import io.chatroute.infra.test.KafkaTestClient;
import io.chatroute.infra.test.KafkaTestClient.Event;
import io.chatroute.routing.persistence.CandidateIndex;
import io.chatroute.routing.persistence.RoutingStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;

/**
 * The cap is never broken by a claim that stalls between its steps (issue 6), against real Kafka and Redis through the
 * real dispatch, transfer and accept paths. A claim takes the agent's slot (agent_hold.lua), offers the chat
 * (chat_offer.lua or chat_transfer.lua), then checks that the slot is still there (agent_confirm.lua). The stall is
 * played by the dispatcher's seam between the first two steps, during which the real reconciliation (with no minimum
 * age) drops the hold: the chat does not point at the agent yet, so reconciliation first fences that offer on the chat
 * (chat_fence.lua), and the stalled claim's offer is refused: the slot is given back and the chat chosen for again (the
 * same agent with room, another one, or it waits at its place). No offer ever stands without its slot. An accepted chat
 * whose slot was lost some other way takes it again whatever the cap, visibly.
 */
@QuarkusTest
@QuarkusTestResource(InfraTestResource.class)
class ClaimGuardTest {
    static KafkaTestClient kafka;
    static List<Event> chatEvents;
    static List<Event> agentEvents;

    @Inject
    RoutingStore store;
    @Inject
    Dispatcher dispatcher;
    @Inject
    Reconciler reconciler;
    @Inject
    CandidateIndex index;
    @Inject
    RedisDataSource redis;
    @Inject
    MeterRegistry meters;

    Fixture f;

    @BeforeAll
    static void start() {
        kafka = new KafkaTestClient();
        chatEvents = kafka.collect("chat-events");
        agentEvents = kafka.collect("agent-events");
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    @BeforeEach
    void fixture() {
        f = new Fixture(kafka, chatEvents, agentEvents);
    }

    @AfterEach
    void noStall() {
        dispatcher.stallClaims(null);
    }

    /** Queue one (skill s, priority 10) for topic one, queue two (skill s2) for topic two. */
    void setUp() {
        f.form("one", "two");
        f.queue(f.id("q1"), "{\"name\":\"One\",\"priority\":10,\"offerTimeoutSeconds\":60,\"requiredSkills\":{\"" + f.id("s") + "\":1}}");
        f.queue(f.id("q2"), "{\"name\":\"Two\",\"offerTimeoutSeconds\":60,\"requiredSkills\":{\"" + f.id("s2") + "\":1}}");
        f.rules("[{\"id\":\"" + f.id("r1") + "\",\"when\":{\"topic\":\"one\"},\"queueId\":\"" + f.id("q1") + "\"},"
                + "{\"id\":\"" + f.id("r2") + "\",\"when\":{\"topic\":\"two\"},\"queueId\":\"" + f.id("q2") + "\"}]");
    }

    /**
     * The stall of the claim of {@code chatId}: once, between the agent's slot and the offer, the real reconciliation
     * runs with no minimum age (a stall longer than reconcile-min-age-millis), then {@code meanwhile}. Failures inside
     * are kept for the test to see.
     */
    AtomicReference<String> stallClaimOf(String chatId, Runnable meanwhile, AtomicReference<Throwable> failure) {
        AtomicReference<String> reconciled = new AtomicReference<>();
        dispatcher.stallClaims((agentId, stalledChat, offerId) -> {
            if (!chatId.equals(stalledChat)) {
                return;
            }
            dispatcher.stallClaims(null);
            stalledOffer.set(offerId);
            try {
                assertThat(store.holds(agentId)).containsKey(chatId);
                reconciled.set(reconciler.repair(agentId, 0).code());
                assertThat(store.holds(agentId)).doesNotContainKey(chatId);
                meanwhile.run();
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        return reconciled;
    }

    JsonNode agentView(String agentId) throws Exception {
        return RoutingFlowTest.JSON.readTree(RoutingFlowTest.admin().get("/api/v1/agents/" + agentId).then().statusCode(200).extract().asString());
    }

    double counter(String name, String tag, String value) {
        Counter c = meters.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }

    /** Every capacity event of the agent so far had its load within its cap. */
    void neverAboveTheCap(String agentId) throws Exception {
        List<JsonNode> events = f.all(agentEvents, "agent.capacity.changed", agentId);
        assertThat(events).isNotEmpty();
        for (JsonNode e : events) {
            assertThat(e.get("active").asInt()).as(e.toString()).isLessThanOrEqualTo(e.get("max").asInt());
        }
    }

    /** The offer id the stalled claim of {@code chatId} was making (set by the stall). */
    final AtomicReference<String> stalledOffer = new AtomicReference<>();

    @Test
    void aClaimWhoseSlotWasReconciledAwayWhileItStalledMakesNoOfferAndTheChatIsChosenForAgain() throws Exception {
        setUp();
        String a = f.id("a");
        f.agent(a, "{\"" + f.id("s") + "\":3}", 2);
        f.presence(a, "AVAILABLE");
        String c = f.id("c");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> reconciled = stallClaimOf(c, () -> { }, failure);
        double fenced = counter("chatroute_routing_claims_total", "outcome", "fenced");

        f.requestChat(c, "one", f.id("q1"));
        JsonNode offered = f.awaitChat("chat.offered", c, 0);
        await().atMost(RoutingFlowTest.WAIT).until(() -> reconciled.get() != null || failure.get() != null); // dispatch is asynchronous
        assertThat(failure.get()).isNull();
        assertThat(reconciled.get()).isEqualTo("REPAIRED");
        assertThat(counter("chatroute_routing_claims_total", "outcome", "fenced")).isEqualTo(fenced + 1);
        // the stalled claim's offer was never made: the one offer is a new claim's, with its own slot
        assertThat(offered.get("agentId").asText()).isEqualTo(a);
        String offerId = offered.get("offerId").asText();
        assertThat(offerId).isNotEqualTo(stalledOffer.get());
        assertThat(store.chat(c)).containsKey("fenced:" + stalledOffer.get());
        assertThat(f.all(chatEvents, "chat.offered", c)).hasSize(1);
        JsonNode dropped = f.awaitWhere(agentEvents, "agent.capacity.changed", a, d -> "reconciled".equals(d.path("reason").asText()));
        assertThat(dropped.get("active").asInt()).isZero();
        assertThat(dropped.get("previousActive").asInt()).isEqualTo(1);
        assertThat(store.holds(a)).containsOnlyKeys(c);
        assertThat(store.holds(a).get(c)).startsWith(offerId + "|");
        assertThat(agentView(a).get("activeChats").asInt()).isEqualTo(1);
        assertThat(reconciler.reconcile(a)).isFalse(); // the hold is real: nothing to repair
        assertThat(f.all(chatEvents, "chat.offer.declined", c)).isEmpty(); // nothing withdrawn: nothing was offered wrongly

        f.accept(c, offered);
        f.awaitChat("chat.assigned", c, 0);
        await().atMost(RoutingFlowTest.WAIT).until(() -> store.holds(a).getOrDefault(c, "").endsWith("|A"));
        assertThat(agentView(a).get("activeChats").asInt()).isEqualTo(1);
        neverAboveTheCap(a);
        f.close(c);
        f.awaitWhere(agentEvents, "agent.capacity.changed", a, d -> "closed".equals(d.path("reason").asText()));
        assertThat(agentView(a).get("activeChats").asInt()).isZero();
        f.presence(a, "OFFLINE");
    }

    @Test
    void whenTheAgentFilledUpMeanwhileTheChatWaitsAtItsPlaceForAnotherAgent() throws Exception {
        setUp();
        String a = f.id("a");
        String b = f.id("b");
        f.agent(a, "{\"" + f.id("s") + "\":5,\"" + f.id("s2") + "\":5}", 1);
        f.agent(b, "{\"" + f.id("s") + "\":3}", 1);
        String c1 = f.id("c1");
        String c3 = f.id("c3");
        String c2 = f.id("c2");
        f.requestChat(c1, "one", f.id("q1"));
        f.awaitChat("chat.queued", c1, 0);
        f.requestChat(c3, "one", f.id("q1")); // younger, behind c1 in queue one
        f.awaitChat("chat.queued", c3, 0);
        f.requestChat(c2, "two", f.id("q2"));
        f.awaitChat("chat.queued", c2, 0);
        // while the claim of c1 for a stalls, its hold is reconciled away and another claim (a dispatch of queue two, as
        // another instance would run it) fills a up to its cap with c2
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> reconciled = stallClaimOf(c1, () -> assertThat(dispatcher.dispatch(f.id("q2"))).isEqualTo(1), failure);
        double fenced = counter("chatroute_routing_claims_total", "outcome", "fenced");

        await().atMost(RoutingFlowTest.WAIT).until(dispatcher::idle); // the passes the chat starts asked for have run
        f.presence(a, "AVAILABLE"); // dispatches queue one (priority 10) first: the claim of c1; a sweep's pass of queue two
        // asked for just before waits behind it (DispatchLanes)
        await().atMost(RoutingFlowTest.WAIT).until(() -> reconciled.get() != null || failure.get() != null); // dispatch is asynchronous
        assertThat(failure.get()).isNull();
        assertThat(reconciled.get()).isEqualTo("REPAIRED");
        assertThat(f.awaitChat("chat.offered", c2, 0).get("agentId").asText()).isEqualTo(a);
        await().atMost(RoutingFlowTest.WAIT).until(() -> counter("chatroute_routing_claims_total", "outcome", "fenced") == fenced + 1);

        // the stalled claim made no offer: c1 still waits at its place, ahead of the younger c3
        Map<String, String> chat = store.chat(c1);
        assertThat(chat.get("state")).isEqualTo("QUEUED");
        assertThat(chat.get("agentId")).isNull();
        assertThat(chat).containsKey("fenced:" + stalledOffer.get());
        assertThat(store.waiting(f.id("q1"), 10)).containsExactly(c1, c3);
        // the agent never held more than its cap, and holds exactly the chat that filled it
        assertThat(store.holds(a)).containsOnlyKeys(c2);
        assertThat(agentView(a).get("activeChats").asInt()).isEqualTo(1);
        assertThat(reconciler.reconcile(a)).isFalse();
        neverAboveTheCap(a);

        // another agent with room gets it, first in line; its offer is the chat's first (a marker: anything the stalled
        // claim had published would be on the chat's partition before it)
        f.presence(b, "AVAILABLE");
        JsonNode offered = f.awaitChat("chat.offered", c1, 0);
        assertThat(offered.get("agentId").asText()).isEqualTo(b);
        assertThat(f.all(chatEvents, "chat.offered", c1)).hasSize(1);
        assertThat(f.all(chatEvents, "chat.offer.declined", c1)).isEmpty();
        f.accept(c1, offered);
        f.awaitChat("chat.assigned", c1, 0);
        neverAboveTheCap(a);
        neverAboveTheCap(b);
        assertThat(f.all(chatEvents, "chat.offered", c3)).isEmpty(); // b is full now, a too
        for (String c : List.of(c1, c2, c3)) {
            f.close(c);
        }
        f.presence(a, "OFFLINE");
        f.presence(b, "OFFLINE");
    }

    @Test
    void aTransferWhoseTargetSlotWasReconciledAwayWhileItStalledIsRefusedAndChangesNothing() throws Exception {
        setUp();
        String a = f.id("a");
        String b = f.id("b");
        f.agent(a, "{\"" + f.id("s") + "\":5}", 2);
        f.agent(b, "{\"" + f.id("s2") + "\":5}", 1);
        f.presence(a, "AVAILABLE");
        f.presence(b, "AVAILABLE");
        String c = f.id("c");
        f.requestChat(c, "one", f.id("q1"));
        JsonNode first = f.awaitChat("chat.offered", c, 0);
        assertThat(first.get("agentId").asText()).isEqualTo(a);
        f.accept(c, first);
        f.awaitChat("chat.assigned", c, 0);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<String> reconciled = stallClaimOf(c, () -> { }, failure);

        String data = """
                {"chatId":"%s","requestId":"%s","fromAgentId":"%s","queueId":null,"agentId":"%s","note":null,"requestedBy":"%s","requestedAt":"%s"}"""
                .formatted(c, java.util.UUID.randomUUID(), a, b, a, Instant.now());
        EventSchemas.assertValid("session-service", "chat.transfer.requested", data);
        kafka.send("chat-events", c, "chat.transfer.requested", "/session-service", data);

        // the transfer stalled after taking b's slot; reconciliation dropped it and fenced the offer: the transfer is
        // refused, visibly, and nothing changed (the chat is still a's, b holds nothing)
        JsonNode failed = f.awaitChat("chat.transfer.failed", c, 0);
        EventSchemas.assertValid("routing-service", "chat.transfer.failed", failed.toString());
        assertThat(failed.get("reason").asText()).isEqualTo("hold-lost");
        await().atMost(RoutingFlowTest.WAIT).until(() -> reconciled.get() != null || failure.get() != null);
        assertThat(failure.get()).isNull();
        assertThat(reconciled.get()).isEqualTo("REPAIRED"); // b's hold, while the chat was still a's
        Map<String, String> chat = store.chat(c);
        assertThat(chat.get("state")).isEqualTo("ASSIGNED");
        assertThat(chat.get("agentId")).isEqualTo(a);
        assertThat(store.holds(a)).containsKey(c);
        await().atMost(RoutingFlowTest.WAIT).until(() -> !store.holds(b).containsKey(c));
        assertThat(agentView(b).get("activeChats").asInt()).isZero();
        assertThat(f.all(chatEvents, "chat.offered", c)).hasSize(1); // a's only
        neverAboveTheCap(b);
        f.close(c);
        f.presence(a, "OFFLINE");
        f.presence(b, "OFFLINE");
    }

    @Test
    void anAcceptedChatWhoseSlotWasLostTakesItAgainEvenAboveTheCapAndVisibly() throws Exception {
        setUp();
        String a = f.id("a");
        f.agent(a, "{\"" + f.id("s") + "\":3}", 1);
        f.presence(a, "AVAILABLE");
        String c1 = f.id("c1");
        f.requestChat(c1, "one", f.id("q1"));
        JsonNode offered = f.awaitChat("chat.offered", c1, 0);
        assertThat(offered.get("agentId").asText()).isEqualTo(a);
        // drift: the offer stands but its slot is gone (as when the accept came before the offer could be withdrawn)
        redis.hash(String.class).hdel(store.keys().holds(a), c1);
        redis.hash(String.class).hincrby(store.keys().agent(a), "active", -1);
        redis.hash(String.class).hincrby(store.keys().agent(a), "ver", 1); // so the candidate index takes the new load
        index.refresh(index.states(List.of(a)).getFirst());
        // so a gets another chat, up to its cap
        String c2 = f.id("c2");
        f.requestChat(c2, "one", f.id("q1"));
        assertThat(f.awaitChat("chat.offered", c2, 0).get("agentId").asText()).isEqualTo(a);
        assertThat(agentView(a).get("activeChats").asInt()).isEqualTo(1);
        double retaken = counter("chatroute_routing_holds_retaken_total", "step", "accept");

        f.accept(c1, offered);
        f.awaitChat("chat.assigned", c1, 0);
        // the chat is a's: its slot is counted even though that puts a above its cap, and the event says so
        JsonNode again = f.awaitWhere(agentEvents, "agent.capacity.changed", a, d -> "accept".equals(d.path("repaired").asText()));
        assertThat(again.get("reason").asText()).isEqualTo("offered");
        assertThat(again.get("active").asInt()).isEqualTo(2);
        assertThat(again.get("max").asInt()).isEqualTo(1);
        assertThat(store.holds(a)).containsOnlyKeys(c1, c2);
        assertThat(store.holds(a).get(c1)).startsWith(offered.get("offerId").asText() + "|").endsWith("|A");
        assertThat(agentView(a).get("activeChats").asInt()).isEqualTo(2);
        assertThat(counter("chatroute_routing_holds_retaken_total", "step", "accept")).isEqualTo(retaken + 1);
        assertThat(reconciler.reconcile(a)).isFalse(); // both holds are real: the assigned one counts

        double doubles = counter("chatroute_routing_double_release_total", "mode", "closed");
        f.close(c1);
        f.awaitWhere(agentEvents, "agent.capacity.changed", a, d -> "closed".equals(d.path("reason").asText()) && d.get("active").asInt() == 1);
        assertThat(store.holds(a)).containsOnlyKeys(c2);
        assertThat(counter("chatroute_routing_double_release_total", "mode", "closed")).isEqualTo(doubles); // released once
        f.close(c2);
        f.presence(a, "OFFLINE");
    }
}
