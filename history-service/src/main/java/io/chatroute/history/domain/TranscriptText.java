package io.chatroute.history.domain;

import java.time.Instant;
import java.util.Map;

/**
 * Renders a transcript as plain text for people and e-mail. Safe to show anywhere: it is served as
 * {@code text/plain}, control characters (terminal escapes, bidi overrides, NUL...) are removed, and a
 * message's continuation lines are indented so that no message text can pass for a transcript line.
 */
public final class TranscriptText {

    private static final String INDENT = "    ";

    private TranscriptText() {
    }

    public static String render(Transcript t) {
        StringBuilder out = new StringBuilder();
        out.append("Chat ").append(clean(t.chatId())).append(" (").append(t.status()).append(")\n");
        Visitor v = t.visitor();
        if (v != null) {
            line(out, "Visitor", join(v.name(), v.email() == null ? null : "<" + v.email() + ">"));
            line(out, "Customer", v.customerId());
            line(out, "Locale", v.locale());
        }
        if (t.form() != null && !t.form().isEmpty()) {
            StringBuilder f = new StringBuilder();
            for (Map.Entry<String, Object> e : t.form().entrySet()) {
                if (!f.isEmpty()) {
                    f.append(", ");
                }
                f.append(e.getKey()).append('=').append(e.getValue());
            }
            line(out, "Form", f.toString());
        }
        line(out, "Queue", t.queueId());
        if (!t.agents().isEmpty()) {
            StringBuilder a = new StringBuilder();
            for (Transcript.Agent agent : t.agents()) {
                if (!a.isEmpty()) {
                    a.append(", ");
                }
                a.append(agent.displayName() == null ? agent.id() : agent.displayName() + " (" + agent.id() + ")");
            }
            line(out, "Agents", a.toString());
        }
        Transcript.Times times = t.times();
        line(out, "Requested", time(times.requestedAt()));
        line(out, "Queued", time(times.queuedAt()));
        line(out, "Assigned", time(times.assignedAt()));
        line(out, "Closed", times.closedAt() == null ? null
                : time(times.closedAt()) + (t.closedBy() == null ? "" : " by " + t.closedBy()));
        for (Transcript.Transfer tr : t.transfers()) {
            line(out, "Transferred", time(tr.transferredAt()) + " from "
                    + (tr.fromAgentId() == null ? "?" : tr.fromAgentId())
                    + (tr.agentId() == null ? "" : " to agent " + tr.agentId())
                    + (tr.queueId() == null ? "" : " to queue " + tr.queueId())
                    + (tr.note() == null || tr.note().isBlank() ? "" : ": " + tr.note()));
        }
        if (!t.tags().isEmpty()) {
            line(out, "Tags", String.join(", ", t.tags()));
        }
        if (t.survey() != null) {
            Transcript.Survey s = t.survey();
            line(out, "Survey", "CSAT " + s.csat() + ", CES " + s.ces()
                    + (s.comment() == null || s.comment().isBlank() ? "" : ", \"" + s.comment() + "\""));
        }
        out.append('\n');
        if (t.initialMessage() != null && !t.initialMessage().isBlank() && t.messages().isEmpty()) {
            out.append("(left message) ").append(body(t.initialMessage())).append('\n');
        }
        for (TranscriptMessage m : t.messages()) {
            out.append('[').append(time(m.sentAt())).append("] #").append(m.seq()).append(' ')
                    .append(speaker(m, t)).append(": ").append(body(m.text())).append('\n');
        }
        return out.toString();
    }

    private static String speaker(TranscriptMessage m, Transcript t) {
        String from = m.from() == null ? "unknown" : m.from();
        return switch (from) {
            case "visitor" -> "Visitor" + (t.visitor() == null || t.visitor().name() == null ? ""
                    : " " + clean(t.visitor().name()));
            case "agent" -> "Agent " + clean(agentName(m.senderId(), t));
            case "bot" -> "Bot";
            case "system" -> "System";
            default -> clean(from);
        };
    }

    private static String agentName(String senderId, Transcript t) {
        if (senderId == null) {
            return "";
        }
        for (Transcript.Agent a : t.agents()) {
            if (senderId.equals(a.id()) && a.displayName() != null) {
                return a.displayName();
            }
        }
        return senderId;
    }

    private static void line(StringBuilder out, String label, String value) {
        if (value != null && !value.isBlank()) {
            out.append(label).append(": ").append(body(value)).append('\n');
        }
    }

    private static String join(String a, String b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a + " " + b;
    }

    private static String time(Instant at) {
        return at == null ? null : at.toString();
    }

    /** Message text: cleaned, continuation lines indented. */
    static String body(String text) {
        String cleaned = clean(text.replace("\r\n", "\n").replace('\r', '\n'));
        return cleaned.replace("\n", "\n" + INDENT);
    }

    /**
     * Removes control and format characters that could rewrite what a reader sees (ANSI escapes, bidi
     * overrides, zero-width characters), keeping newlines and tabs.
     */
    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == '\n' || cp == '\t') {
                sb.appendCodePoint(cp);
            } else if (Character.isISOControl(cp)) {
                // dropped
            } else if (Character.getType(cp) == Character.FORMAT && (cp < 0x200C || cp > 0x200F)) {
                // bidi overrides/isolates and other invisible format characters; ZWNJ, ZWJ, LRM and RLM
                // are kept: Hebrew, Persian and emoji need them and they cannot reorder a line
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }
}
