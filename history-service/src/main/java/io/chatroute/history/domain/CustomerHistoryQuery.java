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

    /**
     * Checks a customer id from a path: not blank, at most {@value #MAX_CUSTOMER_ID} characters, no control,
     * line-break or bidi characters ({@link #customerIdError}).
     */
    public static String customerId(String customerId) {
        List<InvalidInputException.FieldError> errors = new ArrayList<>();
        customerId(customerId, errors);
        if (!errors.isEmpty()) {
            throw new InvalidInputException(errors);
        }
        return customerId;
    }

    private static void customerId(String customerId, List<InvalidInputException.FieldError> errors) {
        String error = customerIdError(customerId);
        if (error != null) {
            errors.add(new InvalidInputException.FieldError("customerId", error));
        }
    }

    /**
     * Checks a customer id to erase: only blank, too long or NUL are refused, so that data stored under an id from
     * before the stricter rule of {@link #customerIdError} (control characters) can still be erased on request.
     */
    public static String customerIdToErase(String customerId) {
        if (customerId == null || customerId.isBlank()) {
            throw new InvalidInputException(List.of(new InvalidInputException.FieldError("customerId", "is required")));
        }
        if (customerId.codePointCount(0, customerId.length()) > MAX_CUSTOMER_ID || customerId.indexOf('\u0000') >= 0) {
            throw new InvalidInputException(List.of(new InvalidInputException.FieldError("customerId",
                    "must be at most " + MAX_CUSTOMER_ID + " characters, without NUL")));
        }
        return customerId;
    }

    /**
     * What is wrong with a customer id, or null when nothing is: blank, longer than {@value #MAX_CUSTOMER_ID}
     * characters, or holding a character session-service never lets into a {@code visitor.customerId} (an id is
     * refused, not cleaned): C0 controls (NUL, ESC, tab, line breaks), DEL, C1 controls, bidirectional embeddings,
     * overrides and isolates (U+202A..U+202E, U+2066..U+2069), the BOM, unpaired surrogates.
     */
    public static String customerIdError(String customerId) {
        if (customerId == null || customerId.isBlank()) {
            return "is required";
        }
        if (customerId.codePointCount(0, customerId.length()) > MAX_CUSTOMER_ID) {
            return "must be at most " + MAX_CUSTOMER_ID + " characters";
        }
        int bad = customerId.codePoints().filter(CustomerHistoryQuery::refused).findFirst().orElse(-1);
        if (bad >= 0) {
            return "must not contain control, line-break or bidi characters (found U+" + String.format("%04X", bad) + ")";
        }
        return null;
    }

    private static boolean refused(int cp) {
        return Character.isISOControl(cp)
                || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF
                || Character.getType(cp) == Character.SURROGATE;
    }
}
