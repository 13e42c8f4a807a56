package io.chatroute.knowledge.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;

/**
 * The evaluation set in {@code src/test/resources/eval}: per language, the articles ({@code articles-<lang>.txt})
 * and the questions with their right article, split once into a tuning part ({@code questions-tune-<lang>.txt},
 * which ranking work may look at) and a test part ({@code questions-test-<lang>.txt}, which only the final
 * measurement reads); and a validation part written later ({@code questions-validation-<lang>.txt}, README, "Round 6"),
 * to choose between variants the tuning part cannot tell apart, so that the test part still chooses nothing.
 */
public final class EvalSet {

    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    public enum Part { TUNE, VALIDATION, TEST }

    /**
     * Which alternate questions the articles carry: none, the author's two ({@code questions:}), or those and the six
     * more written later in customers' words ({@code questions-more:}; README, "Round 3").
     */
    public enum Alternates { NONE, AUTHOR, MORE }

    /** A question and the id of the article that answers it. */
    public record Question(Language language, String text, String articleId) {
    }

    private EvalSet() {
    }

    /** Every article of every language, with the author's two alternate questions when {@code withQuestions}. */
    public static List<Article> articles(boolean withQuestions) {
        return articles(withQuestions ? Alternates.AUTHOR : Alternates.NONE);
    }

    /** Every article of every language, with the given alternate questions. */
    public static List<Article> articles(Alternates alternates) {
        List<Article> all = new ArrayList<>();
        for (Language l : Language.values()) {
            all.addAll(articles(l, alternates));
        }
        return all;
    }

    public static List<Article> articles(Language language, boolean withQuestions) {
        return articles(language, withQuestions ? Alternates.AUTHOR : Alternates.NONE);
    }

    public static List<Article> articles(Language language, Alternates alternates) {
        List<Article> articles = new ArrayList<>();
        String id = null;
        String title = null;
        List<String> tags = List.of();
        List<String> questions = List.of();
        List<String> more = List.of();
        StringBuilder body = null;
        for (String line : lines("articles-" + language.code() + ".txt")) {
            if (line.startsWith("## ")) {
                if (id != null) {
                    articles.add(article(id, title, body, language, tags, alternates(alternates, questions, more)));
                }
                id = line.substring(3).strip();
                title = null;
                tags = List.of();
                questions = List.of();
                more = List.of();
                body = null;
            } else if (line.startsWith("#")) {
                continue;
            } else if (body != null) {
                if (!line.isBlank()) {
                    body.append(language == Language.ZH ? "" : " ").append(line.strip());
                }
            } else if (line.startsWith("title:")) {
                title = line.substring(6).strip();
            } else if (line.startsWith("tags:")) {
                tags = split(line.substring(5), ",");
            } else if (line.startsWith("questions:")) {
                questions = split(line.substring(10), "\\|");
            } else if (line.startsWith("questions-more:")) {
                more = split(line.substring(15), "\\|");
            } else if (line.startsWith("body:")) {
                body = new StringBuilder(line.substring(5).strip());
            }
        }
        if (id != null) {
            articles.add(article(id, title, body, language, tags, alternates(alternates, questions, more)));
        }
        return articles;
    }

    private static List<String> alternates(Alternates alternates, List<String> questions, List<String> more) {
        return switch (alternates) {
            case NONE -> List.of();
            case AUTHOR -> questions;
            case MORE -> {
                List<String> all = new ArrayList<>(questions);
                all.addAll(more);
                yield all;
            }
        };
    }

    private static Article article(String id, String title, StringBuilder body, Language language, List<String> tags,
                                   List<String> questions) {
        if (title == null || body == null) {
            throw new IllegalStateException("article " + id + " lacks a title or a body");
        }
        return new Article(id, title, body.toString(), language, tags, true, T0, T0, questions, List.of(), List.of());
    }

    public static List<Question> questions(Part part) {
        List<Question> all = new ArrayList<>();
        for (Language l : Language.values()) {
            all.addAll(questions(l, part));
        }
        return all;
    }

    public static List<Question> questions(Language language, Part part) {
        List<Question> questions = new ArrayList<>();
        String file = "questions-" + part.name().toLowerCase(java.util.Locale.ROOT) + "-" + language.code() + ".txt";
        for (String line : lines(file)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(": ");
            questions.add(new Question(language, line.substring(colon + 2).strip(), line.substring(0, colon).strip()));
        }
        return questions;
    }

    private static List<String> split(String s, String separator) {
        return Arrays.stream(s.split(separator)).map(String::strip).filter(x -> !x.isEmpty()).toList();
    }

    private static List<String> lines(String name) {
        try (InputStream in = EvalSet.class.getResourceAsStream("/eval/" + name)) {
            if (in == null) {
                throw new IllegalStateException("no eval/" + name);
            }
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
