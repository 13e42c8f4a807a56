package io.chatroute.routing.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * Reference values computed independently with exact rational arithmetic (Python fractions, the closed form
 * C = (A^N/N! · N/(N-A)) / (sum_{k<N} A^k/k! + A^N/N! · N/(N-A)), no recursion).
 */
class StaffingTest {

    @Test
    void erlangBAndCMatchTheClosedForm() {
        assertThat(ErlangC.erlangB(14, 10.0)).isCloseTo(0.05681914338652086, within(1e-12));
        assertThat(ErlangC.erlangB(28, 20.0)).isCloseTo(0.01879240063282445, within(1e-12));
        assertThat(ErlangC.erlangC(14, 10.0)).isCloseTo(0.17413193359504983, within(1e-12));
        assertThat(ErlangC.erlangC(13, 10.0)).isCloseTo(0.28527045303649295, within(1e-12));
        assertThat(ErlangC.erlangC(10, 10.0)).isEqualTo(1.0); // N <= A: every chat waits, the queue grows
        assertThat(ErlangC.erlangB(0, 3.0)).isEqualTo(1.0);
    }

    @Test
    void classicExample200PerHour180SecondsNeeds14AgentsFor80In20() {
        // 100 calls per 30 minutes, AHT 180 s: A = 10 erlangs; 13 agents give 79.6 %, 14 give 88.8 %
        Staffing.Forecast f = Staffing.forecast(Staffing.parse("200", "180", "1", "0.8", "20"));
        assertThat(f.trafficErlangs()).isCloseTo(10.0, within(1e-9));
        assertThat(f.answer().agents()).isEqualTo(14);
        assertThat(f.answer().servers()).isEqualTo(14);
        assertThat(f.answer().predictedServiceLevel()).isCloseTo(0.8883500191794669, within(1e-9));
        assertThat(f.answer().probabilityOfWaiting()).isCloseTo(0.17413193359504983, within(1e-9));
        assertThat(f.answer().averageWaitSeconds()).isCloseTo(7.835937011777243, within(1e-6));
        assertThat(f.answer().occupancy()).isCloseTo(10.0 / 14, within(1e-12));
        assertThat(f.table()).extracting(Staffing.Row::agents).containsExactly(12, 13, 14, 15, 16);
        assertThat(f.table().get(1).predictedServiceLevel()).isCloseTo(0.7955947884177831, within(1e-9));
        assertThat(f.table().get(1).averageWaitSeconds()).isCloseTo(17.11622718218958, within(1e-6));
        assertThat(f.table().get(4).predictedServiceLevel()).isCloseTo(0.9705604925032156, within(1e-9));
    }

    @Test
    void concurrencyCountsAsServers() {
        // the contract's example: 120/h x 600 s = 20 erlangs over 4-chat agents: 6 agents (24 servers) 75.6 %, 7 (28) 95.8 %
        Staffing.Forecast f = Staffing.forecast(Staffing.parse("120", "600", "4", "0.8", "30"));
        assertThat(f.answer().agents()).isEqualTo(7);
        assertThat(f.answer().servers()).isEqualTo(28);
        assertThat(f.answer().predictedServiceLevel()).isCloseTo(0.9578891785677287, within(1e-9));
        assertThat(f.answer().averageWaitSeconds()).isCloseTo(4.711647258796773, within(1e-6));
        assertThat(f.answer().occupancy()).isCloseTo(20.0 / 28, within(1e-12));
        // 5 agents = 20 servers = A: unstable, not in the table; 6 is the only stable level below
        assertThat(f.table()).extracting(Staffing.Row::agents).containsExactly(6, 7, 8, 9);
        assertThat(f.table().getFirst().predictedServiceLevel()).isCloseTo(0.7559590415181128, within(1e-9));
    }

    @Test
    void stableForLargeTeams() {
        // A = 5000 erlangs, 5100 servers: reference C = 0.10288141360093403, SL(20 s) = 0.9998690696355218
        assertThat(ErlangC.erlangC(5100, 5000.0)).isCloseTo(0.10288141360093403, within(1e-9));
        double c = ErlangC.erlangC(5100, 5000.0);
        assertThat(ErlangC.serviceLevel(5100, 5000.0, c, 300, 20)).isCloseTo(0.9998690696355218, within(1e-9));
        assertThat(ErlangC.averageWait(5100, 5000.0, c, 300)).isCloseTo(0.30864424080280206, within(1e-9));
        // the largest allowed load: 1,000,000 chats/h x 86,400 s = 24 million erlangs
        Staffing.Forecast f = Staffing.forecast(Staffing.parse("1000000", "86400", "1", "0.8", "20"));
        assertThat(f.answer().servers()).isGreaterThan(24_000_000L);
        assertThat(f.answer().predictedServiceLevel()).isBetween(0.8, 1.0);
        assertThat(f.table()).allSatisfy(r -> {
            assertThat(r.predictedServiceLevel()).isFinite().isBetween(0.0, 1.0);
            assertThat(r.averageWaitSeconds()).isFinite().isNotNegative();
        });
    }

    @Test
    void tinyLoadNeedsOneAgent() {
        Staffing.Forecast f = Staffing.forecast(Staffing.parse("0.5", "1", "6", "0.99", "1"));
        assertThat(f.answer().agents()).isEqualTo(1);
        assertThat(f.answer().servers()).isEqualTo(6);
        assertThat(f.table()).extracting(Staffing.Row::agents).containsExactly(1, 2, 3);
    }

    @Test
    void moreAgentsNeverPredictWorse() {
        Staffing.Forecast f = Staffing.forecast(Staffing.parse("900", "420", "3", "0.9", "15"));
        for (int i = 1; i < f.table().size(); i++) {
            assertThat(f.table().get(i).predictedServiceLevel()).isGreaterThan(f.table().get(i - 1).predictedServiceLevel());
            assertThat(f.table().get(i).averageWaitSeconds()).isLessThan(f.table().get(i - 1).averageWaitSeconds());
        }
        assertThat(f.table()).filteredOn(r -> r.agents() < f.answer().agents()).allSatisfy(r -> assertThat(r.predictedServiceLevel()).isLessThan(0.9));
    }

    @Test
    void parametersAreValidatedTogether() {
        assertThatThrownBy(() -> Staffing.parse(null, "abc", "4.5", "1", "0"))
                .isInstanceOfSatisfying(DomainValidationException.class, e -> assertThat(e.errors()).extracting(FieldError::field)
                        .containsExactly("chatsPerHour", "avgHandleSeconds", "concurrency", "serviceLevel", "withinSeconds"));
        assertThatThrownBy(() -> Staffing.parse("1000001", "0.5", "7", "0", "3601"))
                .isInstanceOfSatisfying(DomainValidationException.class, e -> assertThat(e.errors()).hasSize(5));
        assertThatThrownBy(() -> Staffing.parse("NaN", "1e999", "0", "-0.1", "12x"))
                .isInstanceOfSatisfying(DomainValidationException.class, e -> assertThat(e.errors()).hasSize(5));
        assertThatThrownBy(() -> Staffing.parse("120d", "600", "4", "0.8", "30")) // Java's parseDouble would take "120d"
                .isInstanceOfSatisfying(DomainValidationException.class, e -> assertThat(e.errors()).extracting(FieldError::field)
                        .containsExactly("chatsPerHour"));
        assertThat(Staffing.parse(" 1e3 ", "86400", "6", "0.999", "3600").chatsPerHour()).isEqualTo(1000.0);
    }
}
