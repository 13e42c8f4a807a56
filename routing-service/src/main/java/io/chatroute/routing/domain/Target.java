package io.chatroute.routing.domain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * A routing target: a queue and the skills a chat in it requires (the queue's own merged with its rule's). Each
 * target has a candidate index of the agents who hold those skills; chats of one queue may have several targets
 * (rules adding skills). The id is stable: the queue id and a hash of the skills in key order.
 */
public record Target(String queueId, Map<String, Integer> skills) {

    public Target {
        skills = skills == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(skills));
    }

    public String id() {
        StringBuilder canonical = new StringBuilder();
        new TreeMap<>(skills).forEach((k, v) -> canonical.append(k).append('=').append(v).append(';'));
        try {
            byte[] sha = MessageDigest.getInstance("SHA-1").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
            return queueId + "~" + HexFormat.of().formatHex(sha, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True when an agent with these skills can serve this target's chats. */
    public boolean servedBy(Map<String, Integer> agentSkills) {
        return Skills.satisfies(agentSkills, skills);
    }

    /** The agent's skill score for this target (the selector's second criterion). */
    public int skillScore(Map<String, Integer> agentSkills) {
        return Skills.score(agentSkills, skills);
    }
}
