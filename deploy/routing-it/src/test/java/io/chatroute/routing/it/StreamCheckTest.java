package io.chatroute.routing.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.chatroute.routing.it.StreamCheck.Agent;
import io.chatroute.routing.it.StreamCheck.Ev;
import io.chatroute.routing.it.StreamCheck.Report;

/** The checker finds each kind of violation in a made-up stream, and passes a clean one (it is not blind). */
class StreamCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Agent> AGENTS = Map.of(
            "x", new Agent("x", Map.of("billing", 3), 2),
            "y", new Agent("y", Map.of("billing", 3), 2),
            "z", new Agent("z", Map.of("tech", 3), 2));

    private final List<Ev> events = new ArrayList<>();

    private void add(String type, boolean routing, String key, long time, Object... kv) {
        ObjectNode data = JSON.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            data.set((String) kv[i], JSON.valueToTree(kv[i + 1]));
        }
        events.add(new Ev(events.size(), type, routing ? StreamCheck.ROUTING : "/session-service", "id-" + events.size(), key, time,
                data));
    }

    private void available(String agent, long t) {
        add("agent.presence.changed", true, agent, t, "agentId", agent, "status", "AVAILABLE", "previousStatus", "OFFLINE");
    }

    private void capacity(String agent, long t, int active, String reason) {
        add("agent.capacity.changed", true, agent, t, "agentId", agent, "active", active, "max", AGENTS.get(agent).cap(), "reason", reason);
    }

    private void requestedAndQueued(String chat, long t) {
        add("chat.requested", false, chat, t, "chatId", chat);
        add("chat.queued", true, chat, t + 5, "chatId", chat, "reason", "enqueued", "requiredSkills", Map.of("billing", 1));
    }

    private void offered(String chat, String agent, String offer, long t) {
        capacity(agent, t, 1, "offered");
        add("chat.offered", true, chat, t, "chatId", chat, "agentId", agent, "offerId", offer);
    }

    private Report check() {
        return new StreamCheck(AGENTS, 8000, 2000).check(events, 100_000);
    }

    @Test
    void aCleanStreamPasses() {
        available("x", 0);
        available("y", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        add("chat.assigned", true, "c1", 1500, "chatId", "c1", "agentId", "x", "offerId", "o1");
        add("chat.closed", false, "c1", 3000, "chatId", "c1");
        capacity("x", 3010, 0, "closed");
        requestedAndQueued("c2", 4000);
        offered("c2", "y", "o2", 4020);
        add("chat.assigned", true, "c2", 4500, "chatId", "c2", "agentId", "y", "offerId", "o2");
        Report r = check();
        assertThat(r.capViolations).isEmpty();
        assertThat(r.twoAgents).isEmpty();
        assertThat(r.notFinal).isEmpty();
        assertThat(r.waitWithRoom).isEmpty();
        assertThat(r.inconsistencies).isEmpty();
        assertThat(r.finalStates).containsEntry("CLOSED", 1L).containsEntry("ACTIVE", 1L);
        assertThat(r.activeChatsAtEnd).containsEntry("y", 1);
        assertThat(r.finalLoadByEvents).containsEntry("x", 0).containsEntry("y", 1);
        assertThat(r.worstWaitWithRoomMs).isLessThanOrEqualTo(20);
    }

    @Test
    void aLoadAboveTheCapIsFoundWhateverTheOrder() {
        capacity("x", 100, 1, "offered");
        capacity("x", 300, 3, "offered"); // arrives before the 2 it followed
        capacity("x", 200, 2, "offered");
        Report r = check();
        assertThat(r.capViolations).singleElement().asString().contains("active 3 above max 2");
        assertThat(r.maxActive).containsEntry("x", 3);
        assertThat(r.outOfOrderCapacity).isPositive();
    }

    @Test
    void aChatOfferedToASecondAgentWhileHeldIsFound() {
        available("x", 0);
        available("y", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        offered("c1", "y", "o2", 1500);
        Report r = check();
        assertThat(r.twoAgents).singleElement().asString().contains("c1 offered to y").contains("to x");
    }

    @Test
    void aWithdrawalInTheSameMillisecondAsItsOfferIsNoDoubleHolder() {
        available("x", 0);
        available("y", 0);
        requestedAndQueued("c1", 1000);
        // both at 1010; the release sorts first, names an offer not seen yet, and is applied when it appears
        add("chat.offer.declined", true, "c1", 1010, "chatId", "c1", "agentId", "x", "offerId", "o1", "reason", "agent-offline");
        offered("c1", "x", "o1", 1010);
        offered("c1", "y", "o2", 1200);
        add("chat.assigned", true, "c1", 1300, "chatId", "c1", "agentId", "y", "offerId", "o2");
        Report r = check();
        assertThat(r.twoAgents).isEmpty();
        assertThat(r.finalStates).containsEntry("ACTIVE", 1L);
    }

    @Test
    void aDeclinedOfferTakenByAnotherProcessBeforeItsRequeueWasAnnouncedIsNoDoubleHolder() {
        available("x", 0);
        available("y", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        add("chat.offer.declined", false, "c1", 1500, "chatId", "c1", "agentId", "x", "offerId", "o1", "declinedAt", "t");
        offered("c1", "y", "o2", 1550); // no chat.queued in between: the other process offered it first
        capacity("x", 1600, 0, "decline"); // the declining agent's slot, released just after the chat
        add("chat.assigned", true, "c1", 1700, "chatId", "c1", "agentId", "y", "offerId", "o2");
        Report r = check();
        assertThat(r.twoAgents).isEmpty();
        assertThat(r.reofferedAfterDeclineWithoutRequeue).isEqualTo(1);
    }

    @Test
    void aDeclineWithoutItsReleaseIsNoExcuse() {
        available("x", 0);
        available("y", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        add("chat.offer.declined", false, "c1", 1500, "chatId", "c1", "agentId", "x", "offerId", "o1", "declinedAt", "t");
        offered("c1", "y", "o2", 1550); // x's slot was never released by a decline: x still held it
        Report r = check();
        assertThat(r.twoAgents).singleElement().asString().contains("c1 offered to y");
    }

    @Test
    void anAcceptThatRepairsAReleasedHoldIsNoNewHold() {
        available("x", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        capacity("x", 1020, 0, "agent-gone"); // the agent went OFFLINE while the accept was on its way
        add("agent.capacity.changed", true, "x", 1100, "agentId", "x", "active", 1, "max", 2, "reason", "offered", "repaired", "accept");
        add("chat.assigned", true, "c1", 1100, "chatId", "c1", "agentId", "x", "offerId", "o1");
        Report r = check();
        assertThat(r.inconsistencies).isEmpty();
        assertThat(r.finalLoadByEvents).containsEntry("x", 1);
    }

    @Test
    void aSecondHoldWithoutItsOfferIsAnInconsistency() {
        available("x", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        capacity("x", 1100, 2, "offered"); // a hold with no chat.offered and no compensation
        Report r = check();
        assertThat(r.inconsistencies).singleElement().asString().contains("x: 2 holds - 0 compensated").contains("1 chat.offered");
    }

    @Test
    void aChatWaitingWhileAnEligibleAgentHasRoomIsFound() {
        available("x", 0);
        available("z", 0); // lacks billing: not eligible
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 6000); // waited 5 s while x had room
        add("chat.assigned", true, "c1", 6100, "chatId", "c1", "agentId", "x", "offerId", "o1");
        Report r = check();
        assertThat(r.waitWithRoom).singleElement().asString().contains("c1 waited 4995 ms").contains("while x");
        assertThat(r.worstWaitWithRoomMs).isEqualTo(4995);
        assertThat(r.waitsWithRoom).singleElement().satisfies(w -> assertThat(w).containsExactly(1005L, 4995L));
    }

    @Test
    void anAgentWhoMissedTheChatIsNotEligibleDuringTheCoolDown() {
        available("x", 0);
        requestedAndQueued("c1", 1000);
        offered("c1", "x", "o1", 1010);
        add("chat.offer.declined", true, "c1", 8000, "chatId", "c1", "agentId", "x", "offerId", "o1", "reason", "timeout");
        capacity("x", 8000, 0, "timeout");
        offered("c1", "x", "o2", 16_100); // the cool-down (8 s) ended at 16,000: offered 100 ms later
        add("chat.assigned", true, "c1", 16_200, "chatId", "c1", "agentId", "x", "offerId", "o2");
        Report r = check();
        assertThat(r.waitWithRoom).isEmpty();
        assertThat(r.worstWaitWithRoomMs).isEqualTo(100);
        assertThat(r.expired).isEqualTo(1);
    }

    @Test
    void anAwayAgentHasNoRoomAndAChatLeftWaitingIsNotFinal() {
        available("x", 0);
        add("agent.presence.changed", true, "x", 500, "agentId", "x", "status", "AWAY", "previousStatus", "AVAILABLE");
        requestedAndQueued("c1", 1000);
        Report r = check();
        assertThat(r.waitWithRoom).isEmpty();
        assertThat(r.notFinal).singleElement().asString().contains("c1 ends WAITING");
    }

    @Test
    void presenceEventsOfTwoProcessesThatCrossedArePutBackInOrder() {
        // committed: AVAILABLE (t 510) then AWAY by missed offers (t 500, clock read earlier): the agent is AWAY
        available("x", 0);
        add("agent.presence.changed", true, "x", 400, "agentId", "x", "status", "AWAY", "previousStatus", "AVAILABLE");
        add("agent.presence.changed", true, "x", 510, "agentId", "x", "status", "AVAILABLE", "previousStatus", "AWAY");
        add("agent.presence.changed", true, "x", 500, "agentId", "x", "status", "AWAY", "previousStatus", "AVAILABLE",
                "reason", "missed-offer");
        requestedAndQueued("c1", 1000);
        Report r = check();
        assertThat(r.presenceReordered).isEqualTo(1);
        assertThat(r.waitWithRoom).isEmpty();
    }
}
