package io.chatroute.history.api;

import org.eclipse.microprofile.jwt.JsonWebToken;

import io.chatroute.history.domain.Viewer;

/** The {@link Viewer} of a request, from its token: subject and roles ({@code groups}). */
final class Viewers {

    private Viewers() {
    }

    static Viewer of(JsonWebToken jwt) {
        String subject = jwt.getSubject();
        return Viewer.of(jwt.getGroups(), subject != null && !subject.isBlank() ? subject : jwt.getName());
    }

    /** The 403 an agent gets for a chat or customer that was never theirs (existing or not: nothing is revealed). */
    static ProblemException notYours(String what) {
        return new ProblemException(Problem.of("forbidden", "Forbidden", 403,
                "This " + what + " was not offered or assigned to you."));
    }
}
