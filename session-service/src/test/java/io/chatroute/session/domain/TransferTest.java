package io.chatroute.session.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TransferTest {

    @Test
    void exactlyOneWellFormedTargetThatIsNotTheSender() {
        assertThat(Transfer.of("billing", null, null).check("anna")).isEmpty();
        assertThat(Transfer.of(null, "boris", "over to you").check("anna")).isEmpty();
        assertThat(Transfer.of(null, null, null).check("anna")).extracting(FieldError::field).containsExactly("queueId");
        assertThat(Transfer.of("billing", "boris", null).check("anna")).extracting(FieldError::field).containsExactly("queueId");
        assertThat(Transfer.of(null, "anna", null).check("anna")).extracting(FieldError::field).containsExactly("agentId");
        assertThat(Transfer.of("bill ing", null, null).check("anna")).extracting(FieldError::field).containsExactly("queueId");
        assertThat(Transfer.of(null, "-x", null).check("anna")).extracting(FieldError::field).containsExactly("agentId");
    }

    @Test
    void theNoteIsMadeSafeAndLimited() {
        Transfer t = Transfer.of("billing", null, "  card 4111 1111 1111 1111\u0000 refund\u202E  ");
        assertThat(t.note()).isEqualTo("card **** **** **** 1111 refund");
        assertThat(Transfer.of("billing", null, " \u0000 ").note()).isNull();
        assertThat(Transfer.of("billing", null, "x".repeat(501)).check("anna")).extracting(FieldError::field).containsExactly("note");
        assertThat(Transfer.of("billing", null, "x".repeat(500)).check("anna")).isEmpty();
    }
}
