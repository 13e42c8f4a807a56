package io.chatroute.routing.domain;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A queue: required skills, priority, offer timeout, business hours, (later) overflow, and the service-level target
 * (a chat assigned within this many seconds of being queued counts as answered within target; read by accept.lua,
 * which defaults to the same 60 s).
 */
public record QueueDefinition(String id, String name, Map<String, Integer> requiredSkills, Integer priority,
                              Integer offerTimeoutSeconds, BusinessHours businessHours, Overflow overflow,
                              Integer serviceLevelTargetSeconds) {
    public static final int DEFAULT_OFFER_TIMEOUT = 20;
    public static final int DEFAULT_SERVICE_LEVEL_TARGET = 60;
    public static final int MAX_SERVICE_LEVEL_TARGET = 3600;

    public record Overflow(Integer afterSeconds, String queueId) {
    }

    public QueueDefinition withId(String newId) {
        return new QueueDefinition(newId, name, requiredSkills == null ? Map.of() : requiredSkills, priority == null ? 0 : priority,
                offerTimeoutSeconds == null ? DEFAULT_OFFER_TIMEOUT : offerTimeoutSeconds, businessHours, overflow,
                serviceLevelTargetSeconds == null ? DEFAULT_SERVICE_LEVEL_TARGET : serviceLevelTargetSeconds);
    }

    public int serviceLevelTarget() {
        return serviceLevelTargetSeconds == null ? DEFAULT_SERVICE_LEVEL_TARGET : serviceLevelTargetSeconds;
    }

    public int offerTimeout() {
        return offerTimeoutSeconds == null ? DEFAULT_OFFER_TIMEOUT : offerTimeoutSeconds;
    }

    public List<FieldError> validate() {
        List<FieldError> errors = new ArrayList<>();
        if (name == null || name.isBlank() || name.length() > 200) {
            errors.add(new FieldError("name", "required, at most 200 characters"));
        }
        Skills.validate(requiredSkills, "requiredSkills", errors);
        if (priority != null && (priority < 0 || priority > 100)) {
            errors.add(new FieldError("priority", "must be 0 to 100"));
        }
        if (offerTimeoutSeconds != null && (offerTimeoutSeconds < 5 || offerTimeoutSeconds > 300)) {
            errors.add(new FieldError("offerTimeoutSeconds", "must be 5 to 300"));
        }
        if (serviceLevelTargetSeconds != null && (serviceLevelTargetSeconds < 1 || serviceLevelTargetSeconds > MAX_SERVICE_LEVEL_TARGET)) {
            errors.add(new FieldError("serviceLevelTargetSeconds", "must be 1 to " + MAX_SERVICE_LEVEL_TARGET));
        }
        if (businessHours != null) {
            errors.addAll(businessHours.validate("businessHours"));
        }
        if (overflow != null) {
            if (overflow.afterSeconds() == null || overflow.afterSeconds() < 1) {
                errors.add(new FieldError("overflow.afterSeconds", "must be at least 1"));
            }
            if (overflow.queueId() == null || overflow.queueId().isBlank()) {
                errors.add(new FieldError("overflow.queueId", "required"));
            } else if (overflow.queueId().equals(id)) {
                errors.add(new FieldError("overflow.queueId", "a queue cannot overflow into itself"));
            }
        }
        return errors;
    }
}
