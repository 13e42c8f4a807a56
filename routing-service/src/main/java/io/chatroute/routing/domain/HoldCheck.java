package io.chatroute.routing.domain;

/**
 * The answer of agent_confirm.lua, the agent side's check after an offer was made (a claim's third step) or accepted:
 * does the agent still hold the offer's slot? Its slot may have been dropped by reconciliation while the claim stalled
 * between taking the slot and making the offer (the chat did not point at the agent yet, so the hold looked stale).
 */
public enum HoldCheck {
    /** The agent holds the chat with this offer: nothing to do. */
    HELD,
    /** The hold was gone and was taken again (an offer: only below the cap; an accepted chat: whatever the cap). */
    REHELD,
    /** An accepted chat: the agent held the chat under another offer (a claim of it in flight); the hold is now this one's. */
    ADOPTED,
    /** The hold was gone and the agent has no free slot: the offer must be withdrawn. */
    FULL,
    /** The hold was gone and the agent is OFFLINE or in a disconnect's grace period: the offer must be withdrawn. */
    GONE,
    /** The agent holds the chat under another offer (another claim in flight): this offer must be withdrawn. */
    CONFLICT,
    /** No such agent (or an answer this version does not know). */
    UNKNOWN;

    public static HoldCheck parse(String code) {
        if (code == null) {
            return UNKNOWN;
        }
        try {
            return valueOf(code);
        } catch (IllegalArgumentException e) {
            return UNKNOWN;
        }
    }

    /** True when the agent holds the offer's slot after the check (as before, or again): the offer may stand. */
    public boolean slotHeld() {
        return this == HELD || this == REHELD || this == ADOPTED;
    }

    /** True when the check repaired a lost hold: drift, counted and logged. */
    public boolean retaken() {
        return this == REHELD || this == ADOPTED;
    }

    /** True when an offer (not yet accepted) must be withdrawn: the agent has no slot for it (or is unknown). */
    public boolean withdraw() {
        return !slotHeld();
    }
}
