package io.chatroute.history.domain;

import java.util.Set;

/**
 * Who is reading, for the contract's privacy rule: "an agent reads transcripts and customer history only of chats
 * offered or assigned to them; supervisors, admins and platforms read all". {@code agentId} is the token's subject;
 * a viewer that does not see everything sees (and writes tags and notes on) only what that agent was given.
 */
public record Viewer(String agentId, boolean seesAll) {

    /** Roles that read every chat. */
    public static final Set<String> SEE_ALL = Set.of("supervisor", "admin", "platform");

    public static Viewer of(Set<String> roles, String subject) {
        return new Viewer(subject, roles.stream().anyMatch(SEE_ALL::contains));
    }

    /** The agent whose chats bound what this viewer reads, or null when it reads everything. */
    public String restrictedTo() {
        return seesAll ? null : agentId;
    }
}
