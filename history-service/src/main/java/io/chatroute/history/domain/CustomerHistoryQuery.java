package io.chatroute.history.domain;

import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/customers/{customerId}/history}: the customer and how many chats and notes to give. */
public record CustomerHistoryQuery(String customerId, int limit) {

    /** The longest customer id accepted (as session-service accepts {@code visitor.customerId}). */
    public static final int MAX_CUSTOMER_ID = 200;

    public static CustomerHistoryQuery parse(String customerId, String limit, int defaultLimit, int maxLimit) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        customerId(customerId, errors);
        int n = defaultLimit;
        if (limit != null && !limit.isBlank()) {
            try {
                n = Integer.parseInt(limit.trim());
                if (n < 1 || n > maxLimit) {
                    errors.add(new InvalidInputException.FieldError("limit", "must be between 1 and " + maxLimit));
                }
            } catch (NumberFormatException e) {
                errors.add(new InvalidInputException.FieldError("limit", "must be a whole number"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return new CustomerHistoryQuery(customerId, n);
    }

    /** Checks a customer id from a path: not blank, at most {@value #MAX_CUSTOMER_ID} characters. */
    public static String customerId(String customerId) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        customerId(customerId, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return customerId;
    }

    private static void customerId(String customerId, List<InvalidInputException.FieldError> errors) {
        if (customerId == null || customerId.isBlank()) {
            errors.add(new InvalidInputException.FieldError("customerId", "is required"));
        } else if (customerId.codePointCount(0, customerId.length()) > MAX_CUSTOMER_ID) {
            errors.add(new InvalidInputException.FieldError("customerId", "must be at most " + MAX_CUSTOMER_ID + " characters"));
        } else if (customerId.indexOf('\u0000') >= 0) {
            errors.add(new InvalidInputException.FieldError("customerId", "must not contain NUL"));
        }
    }
}
