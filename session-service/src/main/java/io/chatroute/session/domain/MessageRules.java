package io.chatroute.session.domain;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Rules for message text and socket frames. */
public final class MessageRules {

    private MessageRules() {
    }

    /** Empty when the text is acceptable, else the reason. Length counts Unicode code points. */
    public static Optional<String> checkText(String text, Limits limits) {
        if (text == null || text.isBlank()) {
            return Optional.of("must not be empty");
        }
        if (text.codePointCount(0, text.length()) > limits.messageMaxChars()) {
            return Optional.of("must be at most " + limits.messageMaxChars() + " characters");
        }
        return Optional.empty();
    }

    /** Empty when the client message id is acceptable, else the reason. */
    public static Optional<String> checkClientMsgId(String clientMsgId) {
        if (clientMsgId == null || clientMsgId.isBlank()) {
            return Optional.of("must not be empty");
        }
        if (clientMsgId.length() > 100) {
            return Optional.of("must be at most 100 characters");
        }
        if (TextSafety.hasUnsafe(clientMsgId)) {
            return Optional.of("must not contain control, line-break or bidi characters");
        }
        return Optional.empty();
    }

    public static boolean frameTooLarge(String frame, Limits limits) {
        return frame.length() > limits.frameMaxBytes()
                || frame.getBytes(StandardCharsets.UTF_8).length > limits.frameMaxBytes();
    }
}
