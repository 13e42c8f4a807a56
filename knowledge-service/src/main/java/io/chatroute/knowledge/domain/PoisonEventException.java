package io.chatroute.knowledge.domain;

/**
 * A record that can never be applied, however often it is retried: unparseable data, data failing the
 * producer's schema or missing a field the consumer needs, no {@code ce_id} or {@code ce_type}. Such a record
 * goes to the dead-letter topic; every other failure is transient and retried.
 */
public class PoisonEventException extends RuntimeException {

    public PoisonEventException(String message) {
        super(message);
    }

    public PoisonEventException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Poison when the failure or any of its causes is a {@link PoisonEventException}; transient otherwise. */
    public static boolean isPoison(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof PoisonEventException) {
                return true;
            }
        }
        return false;
    }
}
