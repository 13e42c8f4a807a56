package io.chatroute.session.api;

import java.time.Duration;
import java.time.Instant;

/**
 * Values for the offers the tests publish as routing-service would. session-service writes no offer that has already
 * expired, so an offer's {@code expiresAt} is taken from the clock of the run, never a fixed date that one day passes.
 */
final class TestOffers {

    private TestOffers() {
    }

    /** An offer's {@code expiresAt}: an hour from now. */
    static String expiresAt() {
        return Instant.now().plus(Duration.ofHours(1)).toString();
    }
}
