package io.chatroute.knowledge.persistence;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;

import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.util.AttributeSource;

/**
 * Keeps every token and adds, at the same position, the other forms {@link #forms} gives for it (each form once per
 * position, also when several stacked tokens give the same one). At query time the forms of one position become one
 * synonym query, so a word does not count twice.
 */
abstract class StackedFormsFilter extends TokenFilter {

    private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
    private final PositionIncrementAttribute posInc = addAttribute(PositionIncrementAttribute.class);
    private final Deque<String> pending = new ArrayDeque<>();
    private final Set<String> atPosition = new HashSet<>();
    private AttributeSource.State state;

    StackedFormsFilter(TokenStream input) {
        super(input);
    }

    /** The other forms of {@code word} (the word itself may be included: it is not added twice). */
    abstract Set<String> forms(String word);

    @Override
    public final boolean incrementToken() throws IOException {
        while (true) {
            if (!pending.isEmpty()) {
                String form = pending.poll();
                if (!atPosition.add(form)) {
                    continue;
                }
                restoreState(state);
                term.setEmpty().append(form);
                posInc.setPositionIncrement(0);
                return true;
            }
            if (!input.incrementToken()) {
                return false;
            }
            if (posInc.getPositionIncrement() > 0) {
                atPosition.clear();
            }
            String word = term.toString();
            if (!atPosition.add(word)) {
                continue; // a stacked token that an earlier one's forms already gave
            }
            Set<String> forms = forms(word);
            if (!forms.isEmpty()) {
                pending.addAll(forms);
                state = captureState();
            }
            return true;
        }
    }

    @Override
    public void reset() throws IOException {
        super.reset();
        pending.clear();
        atPosition.clear();
        state = null;
    }

    static boolean isHebrewLetter(char c) {
        return c >= 'א' && c <= 'ת';
    }
}
