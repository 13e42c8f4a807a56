package io.chatroute.loadtest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record check, run after the consumers have caught up: every message the system acknowledged (and every chat's
 * first message, carried by its POST and stored as seq 1 before the 201) is in its chat's transcript in history-service, exactly once,
 * under the seq its acknowledgement named, the transcript in seq order; no message refused for good is there. Pure
 * logic: the tool fetches the transcripts ({@code GET /api/v1/transcripts/{chatId}}) and hands them in.
 */
final class RecordCheck {

    private RecordCheck() {
    }

    /** A message the tool sent, as far as the record is concerned: which seq it must have, or that it must be absent. */
    record Expected(String key, String chatId, long seq, boolean refused) {
    }

    /** A message of a transcript: its seq and the tool's key in its text (null for a message not sent by the tool). */
    record Stored(long seq, String key) {
    }

    record Result(int chats, int unreadable, long expected, long found, long missing, long doubled, long seqMismatches,
                  long outOfOrder, long refusedButRecorded, List<String> samples) {

        boolean ok() {
            return unreadable == 0 && missing == 0 && doubled == 0 && seqMismatches == 0 && outOfOrder == 0
                    && refusedButRecorded == 0;
        }

        String summary() {
            return String.format("%d chats' transcripts: %d of %d acknowledged messages recorded; missing %d, twice %d, "
                    + "under another seq %d, out of seq order %d, refused but recorded %d, transcripts unreadable %d%s", chats,
                    found, expected, missing, doubled, seqMismatches, outOfOrder, refusedButRecorded, unreadable,
                    samples.isEmpty() ? "" : " (e.g. " + String.join("; ", samples) + ")");
        }

        Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ok", ok());
            m.put("chats", chats);
            m.put("unreadable", unreadable);
            m.put("expected", expected);
            m.put("found", found);
            m.put("missing", missing);
            m.put("doubled", doubled);
            m.put("seqMismatches", seqMismatches);
            m.put("outOfOrder", outOfOrder);
            m.put("refusedButRecorded", refusedButRecorded);
            m.put("samples", samples);
            return m;
        }
    }

    static final int MAX_SAMPLES = 5;

    /**
     * @param expected    the tool's messages, by chat
     * @param transcripts each chat's transcript messages in the order the transcript lists them; a chat whose
     *                    transcript could not be read maps to null, with {@code why} saying what was answered
     */
    static Result check(Map<String, List<Expected>> expected, Map<String, List<Stored>> transcripts, Map<String, String> why) {
        int unreadable = 0;
        long want = 0;
        long found = 0;
        long missing = 0;
        long doubled = 0;
        long mismatched = 0;
        long outOfOrder = 0;
        long refusedRecorded = 0;
        List<String> samples = new ArrayList<>();
        for (Map.Entry<String, List<Expected>> chat : expected.entrySet()) {
            List<Stored> stored = transcripts.get(chat.getKey());
            long wanted = chat.getValue().stream().filter(e -> !e.refused()).count();
            want += wanted;
            if (stored == null) {
                unreadable++;
                sample(samples, "chat " + chat.getKey() + ": " + why.getOrDefault(chat.getKey(), "not fetched"));
                continue;
            }
            Map<String, List<Long>> byKey = new HashMap<>();
            long last = Long.MIN_VALUE;
            for (Stored s : stored) {
                if (s.seq() <= last) {
                    outOfOrder++;
                    sample(samples, "chat " + chat.getKey() + ": seq " + s.seq() + " listed after " + last);
                }
                last = Math.max(last, s.seq());
                if (s.key() != null) {
                    byKey.computeIfAbsent(s.key(), k -> new ArrayList<>()).add(s.seq());
                }
            }
            for (Expected e : chat.getValue()) {
                List<Long> seqs = byKey.getOrDefault(e.key(), List.of());
                if (e.refused()) {
                    if (!seqs.isEmpty()) {
                        refusedRecorded++;
                        sample(samples, e.key() + " refused for good, recorded as seq " + seqs.get(0));
                    }
                    continue;
                }
                if (seqs.isEmpty()) {
                    missing++;
                    sample(samples, e.key() + " (seq " + e.seq() + ") missing");
                    continue;
                }
                found++;
                if (seqs.size() > 1) {
                    doubled++;
                    sample(samples, e.key() + " recorded " + seqs.size() + " times");
                }
                if (seqs.get(0) != e.seq()) {
                    mismatched++;
                    sample(samples, e.key() + " acknowledged as seq " + e.seq() + ", recorded as " + seqs.get(0));
                }
            }
        }
        return new Result(expected.size(), unreadable, want, found, missing, doubled, mismatched, outOfOrder,
                refusedRecorded, samples);
    }

    private static void sample(List<String> samples, String s) {
        if (samples.size() < MAX_SAMPLES) {
            samples.add(s);
        }
    }
}
