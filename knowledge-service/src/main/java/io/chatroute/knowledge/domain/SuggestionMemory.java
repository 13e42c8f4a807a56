package io.chatroute.knowledge.domain;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a chat's suggestions remember (pure logic; kept in PostgreSQL): the latest visitor messages (the context
 * of the next search) and the articles already suggested, with the rank and score they had then.
 *
 * <p>"Don't repeat unless it now ranks clearly higher": an article already suggested in the chat is left out,
 * unless it is now the first hit and was not first when it was suggested (it rose to the top). Scores are not
 * compared: a BM25 score depends on the length of the question and of the context searched with it (the same
 * question asked again scores about 1.5 times higher with itself as context), so only ranks are comparable.
 * Left-out articles make room for the next hits.
 */
public final class SuggestionMemory {

    /** A message of the context. */
    public record Message(long seq, String text) {
    }

    /** An article suggested before in the chat. */
    public record Previous(int rank, double score) {
    }

    private SuggestionMemory() {
    }

    /** The context for the message {@code seq}: the messages before it, oldest first, at most {@code max}. */
    public static List<String> contextBefore(List<Message> messages, long seq, int max) {
        List<Message> before = messages.stream().filter(m -> m.seq() < seq).sorted(Comparator.comparingLong(Message::seq)).toList();
        return before.subList(Math.max(0, before.size() - max), before.size()).stream().map(Message::text).toList();
    }

    /** The context after adding {@code message}: the latest {@code max}, by seq. */
    public static List<Message> remember(List<Message> messages, Message message, int max) {
        List<Message> all = new ArrayList<>(messages);
        all.removeIf(m -> m.seq() == message.seq());
        all.add(message);
        all.sort(Comparator.comparingLong(Message::seq));
        return List.copyOf(all.subList(Math.max(0, all.size() - max), all.size()));
    }

    /** The hits to suggest: best first, at most {@code max}, articles suggested before left out unless clearly higher now. */
    public static List<SearchHit> choose(List<SearchHit> hits, Map<String, Previous> suggested, int max) {
        List<SearchHit> chosen = new ArrayList<>(max);
        for (int i = 0; i < hits.size() && chosen.size() < max; i++) {
            SearchHit h = hits.get(i);
            Previous p = suggested.get(h.articleId());
            if (p == null || (i == 0 && p.rank() > 1)) {
                chosen.add(h);
            }
        }
        return chosen;
    }

    /** The suggested articles after a suggestion: each chosen one with its rank (1-based) and score now. */
    public static Map<String, Previous> afterSuggesting(Map<String, Previous> suggested, List<SearchHit> chosen) {
        Map<String, Previous> next = new LinkedHashMap<>(suggested);
        for (int i = 0; i < chosen.size(); i++) {
            next.put(chosen.get(i).articleId(), new Previous(i + 1, chosen.get(i).score()));
        }
        return next;
    }

    /**
     * A visitor question as the unanswered report counts it: lower case, letters and digits only (punctuation and
     * symbols become spaces), whitespace collapsed, at most 300 characters.
     */
    public static String normalise(String text) {
        StringBuilder s = new StringBuilder(text.length());
        boolean space = true;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp) || Character.getType(cp) == Character.NON_SPACING_MARK) {
                s.appendCodePoint(Character.toLowerCase(cp));
                space = false;
            } else if (!space) {
                s.append(' ');
                space = true;
            }
        }
        String out = s.toString().strip();
        return out.length() > 300 ? out.substring(0, 300).strip() : out;
    }
}
