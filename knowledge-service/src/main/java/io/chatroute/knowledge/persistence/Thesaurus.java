package io.chatroute.knowledge.persistence;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import io.chatroute.knowledge.domain.Language;
import org.apache.lucene.analysis.Analyzer;

/**
 * A small hand-written domain thesaurus per language (online shops and services: billing, delivery, returns,
 * accounts, the app), used to expand a query: when a query names something in one of a group's ways ("money
 * back"), the group's other ways ("refund", "reimbursement", …) are searched too, with a lower weight. Written from
 * the subjects of a shop's knowledge base, in {@code src/main/resources/thesaurus/<lang>.txt}: one group a line,
 * phrases separated by commas, {@code #} comments.
 *
 * <p>A phrase matches when all its words (after the language's analysis, so inflected and prefixed forms count)
 * occur in the query; in Chinese, when the query contains its characters.
 */
public final class Thesaurus {

    /** A phrase as written, its terms after analysis, and its one word's term when it reduces to one word (else null). */
    private record Phrase(String text, Set<String> terms, String single) {
    }

    private final Map<Language, List<List<Phrase>>> groups = new EnumMap<>(Language.class);
    private final LanguageAnalyzers analyzers;

    /** The service's thesaurus ({@code /thesaurus/<lang>.txt} on the class path). */
    public Thesaurus(LanguageAnalyzers analyzers) {
        this(analyzers, "/thesaurus/");
    }

    /** The thesaurus in {@code <directory><lang>.txt} on the class path (another one: the evaluation's variants). */
    public Thesaurus(LanguageAnalyzers analyzers, String directory) {
        this.analyzers = analyzers;
        for (Language l : Language.values()) {
            List<List<Phrase>> of = new ArrayList<>();
            for (String line : lines(directory + l.code() + ".txt")) {
                String s = line.strip();
                if (s.isEmpty() || s.startsWith("#")) {
                    continue;
                }
                List<Phrase> group = new ArrayList<>();
                for (String p : s.split(",")) {
                    String text = p.strip();
                    if (!text.isEmpty()) {
                        Set<String> terms = l == Language.ZH ? Set.of() : LuceneSearchEngine.terms(analyzers.analyzerFor(l),
                                LanguageAnalyzers.bodyField(l), text);
                        List<List<String>> positions = LuceneSearchEngine.positions(analyzers.analyzerFor(l),
                                LanguageAnalyzers.bodyField(l), text);
                        String single = positions.size() == 1 ? positions.get(0).get(0) : null;
                        if (l == Language.ZH || !terms.isEmpty()) {
                            group.add(new Phrase(text.toLowerCase(Locale.ROOT), terms, single));
                        }
                    }
                }
                if (group.size() > 1) {
                    of.add(List.copyOf(group));
                }
            }
            groups.put(l, List.copyOf(of));
        }
    }

    /** The phrases of a language, group by group (as written, lower-cased). */
    List<List<String>> phrases(Language language) {
        return groups.get(language).stream().map(g -> g.stream().map(Phrase::text).toList()).toList();
    }

    /** The phrases of a language that reduce to one word after analysis, each with that word's term. */
    public Map<String, String> oneWordPhrases(Language language) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (List<Phrase> g : groups.get(language)) {
            for (Phrase p : g) {
                if (p.single() != null) {
                    out.put(p.text(), p.single());
                }
            }
        }
        return out;
    }

    /** Number of groups of a language. */
    public int groups(Language language) {
        return groups.get(language).size();
    }

    /**
     * The other phrases of every group that {@code text} names, one text (empty when it names none). Hebrew query
     * words count with their prefix-stripped forms, so "והחזר" names "החזר".
     */
    public String expand(Language language, String text) {
        return expand(language, text, term -> false);
    }

    /**
     * As {@link #expand(Language, String)}, but a phrase that reduces to one word for which {@code common} holds (a word
     * most of the language's articles have, so the message naming it says nothing about the group) names nothing.
     */
    public String expand(Language language, String text, Predicate<String> common) {
        Analyzer analyzer = analyzers.analyzerFor(language);
        String lower = text.toLowerCase(Locale.ROOT);
        Set<String> queryTerms = language == Language.ZH ? Set.of()
                : LuceneSearchEngine.terms(analyzer, LanguageAnalyzers.bodyField(language), text);
        Set<String> out = new LinkedHashSet<>();
        for (List<Phrase> group : groups.get(language)) {
            List<Phrase> matched = new ArrayList<>();
            boolean named = false;
            for (Phrase p : group) {
                boolean match = language == Language.ZH ? lower.contains(p.text()) : queryTerms.containsAll(p.terms());
                if (match) {
                    matched.add(p);
                    named |= p.single() == null || !common.test(p.single());
                }
            }
            if (named) {
                for (Phrase p : group) {
                    if (!matched.contains(p)) {
                        out.add(p.text());
                    }
                }
            }
        }
        return String.join(language == Language.ZH ? "，" : ", ", out);
    }

    private static List<String> lines(String resource) {
        try (InputStream in = Thesaurus.class.getResourceAsStream(resource)) {
            if (in == null) {
                return List.of();
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
