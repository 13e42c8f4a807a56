package io.chatroute.history.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.chatroute.history.domain.SearchText;
import io.chatroute.infra.Infrastructure;
import io.chatroute.infra.test.SharedInfra;

/**
 * The measurement behind the full-text configuration (README, Full-text search): five real support sentences per
 * language and queries a person would type, each with the sentences it must find, evaluated by the project's
 * PostgreSQL under three set-ups:
 * <ol>
 * <li>{@code simple} on the raw text, for every language;</li>
 * <li>one configuration per message language ({@code english}, {@code russian}, {@code simple} for zh and he);</li>
 * <li>the chosen one ({@link SearchText}: per script, Chinese bigrams, Hebrew prefix variants).</li>
 * </ol>
 * Prints found/expected and wrong hits per language and set-up, and asserts that the chosen one finds every
 * expected sentence and nothing else.
 */
class SearchLanguagesTest {

    private record Sentence(String language, String text) {
    }

    private record Query(String language, String q, Set<Integer> expected) {
    }

    private static final List<Sentence> SENTENCES = List.of(
            new Sentence("en", "I was charged twice for my order and need a refund."),
            new Sentence("en", "The parcel was delivered to the wrong address yesterday."),
            new Sentence("en", "How do I change the password of my account?"),
            new Sentence("en", "My payments keep failing when I use a credit card."),
            new Sentence("en", "Can you cancel the subscription before it renews?"),
            new Sentence("ru", "С меня дважды списали деньги за заказ."),
            new Sentence("ru", "Посылка пришла не по тому адресу."),
            new Sentence("ru", "Как изменить пароль от личного кабинета?"),
            new Sentence("ru", "Верните, пожалуйста, деньги на карту."),
            new Sentence("ru", "Оплата картой не проходит уже второй день."),
            new Sentence("zh", "我的订单被扣了两次款，请问怎么退款？"),
            new Sentence("zh", "包裹送错地址了，昨天就应该到的。"),
            new Sentence("zh", "怎么修改我的账户密码？"),
            new Sentence("zh", "信用卡付款一直失败。"),
            new Sentence("zh", "请帮我取消订阅。"),
            new Sentence("he", "חייבו אותי פעמיים על ההזמנה ואני רוצה החזר."),
            new Sentence("he", "החבילה נשלחה לכתובת הלא נכונה."),
            new Sentence("he", "איך אני משנה את הסיסמה של החשבון?"),
            new Sentence("he", "התשלום בכרטיס האשראי נכשל שוב."),
            new Sentence("he", "אפשר לבטל את המנוי לפני החידוש?"));

    /** Sentence numbers from 0 (the list above). */
    private static final List<Query> QUERIES = List.of(
            new Query("en", "refunds", Set.of(0)),
            new Query("en", "delivering", Set.of(1)),
            new Query("en", "password", Set.of(2)),
            new Query("en", "payment failed", Set.of(3)),
            new Query("en", "cancelled subscriptions", Set.of(4)),
            new Query("ru", "заказы", Set.of(5)),
            new Query("ru", "посылки", Set.of(6)),
            new Query("ru", "пароля", Set.of(7)),
            new Query("ru", "деньгами", Set.of(5, 8)),
            new Query("ru", "карты", Set.of(8, 9)),
            new Query("ru", "пароль", Set.of(7)),
            new Query("ru", "кошелёк", Set.of()),
            new Query("zh", "退款", Set.of(10)),
            new Query("zh", "订单", Set.of(10)),
            new Query("zh", "地址", Set.of(11)),
            new Query("zh", "密码", Set.of(12)),
            new Query("zh", "付款 失败", Set.of(13)),
            new Query("zh", "订阅", Set.of(14)),
            new Query("he", "הזמנה", Set.of(15)),
            new Query("he", "חבילה", Set.of(16)),
            new Query("he", "כתובת", Set.of(16)),
            new Query("he", "סיסמה", Set.of(17)),
            new Query("he", "חשבון", Set.of(17)),
            new Query("he", "כרטיס", Set.of(18)),
            new Query("he", "תשלום", Set.of(18)),
            new Query("he", "מנוי", Set.of(19)),
            new Query("he", "החזר", Set.of(15)),
            new Query("he", "נכשל", Set.of(18)),
            // a different form of the word (cancellation / to cancel): not found, there is no Hebrew morphology
            new Query("he", "ביטול", Set.of()));

    private static Connection db;

    @BeforeAll
    static void connect() throws SQLException {
        db = DriverManager.getConnection(SharedInfra.get().postgresJdbcUrl("history"), Infrastructure.postgresUser(),
                Infrastructure.postgresPassword());
    }

    @AfterAll
    static void close() throws SQLException {
        db.close();
    }

    private static String config(String language) {
        return switch (language) {
            case "en" -> "english";
            case "ru" -> "russian";
            default -> "simple";
        };
    }

    /** What each set-up finds for a query. */
    private static Set<Integer> found(int setup, Query q) throws SQLException {
        Set<Integer> hits = new TreeSet<>();
        for (int i = 0; i < SENTENCES.size(); i++) {
            Sentence s = SENTENCES.get(i);
            boolean match = switch (setup) {
                case 1 -> bool("SELECT to_tsvector('simple', ?) @@ plainto_tsquery('simple', ?)", s.text(), q.q());
                case 2 -> bool("SELECT to_tsvector(CAST(? AS regconfig), ?) @@ plainto_tsquery(CAST(? AS regconfig), ?)",
                        config(s.language()), s.text(), config(q.language()), q.q());
                default -> chosen(s.text(), q.q());
            };
            if (match) {
                hits.add(i);
            }
        }
        return hits;
    }

    /** The production condition: every non-null query part matches the message's vector. */
    private static boolean chosen(String text, String q) throws SQLException {
        SearchText.Parts p = SearchText.index(text);
        SearchText.Query query = SearchText.query(q);
        return bool("""
                SELECT (? IS NULL OR v @@ plainto_tsquery('english', ?)) AND (? IS NULL OR v @@ plainto_tsquery('russian', ?))
                   AND (? IS NULL OR v @@ to_tsquery('simple', ?))
                FROM (SELECT to_tsvector('english', ?) || to_tsvector('russian', ?) || to_tsvector('simple', ?) AS v) x""",
                query.english(), query.english(), query.russian(), query.russian(), query.simple(), query.simple(),
                p.english(), p.russian(), p.simple());
    }

    private static boolean bool(String sql, String... args) throws SQLException {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                st.setString(i + 1, args[i]);
            }
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    @Test
    void theChosenSetUpFindsWhatEachLanguageNeedsAndNothingElse() throws SQLException {
        String[] names = {"", "simple everywhere", "per-language config", "chosen (SearchText)"};
        Map<String, int[]> table = new LinkedHashMap<>(); // language/setup -> found, expected, wrong
        List<String> misses = new ArrayList<>();
        for (int setup = 1; setup <= 3; setup++) {
            for (Query q : QUERIES) {
                Set<Integer> hits = found(setup, q);
                int[] row = table.computeIfAbsent(q.language() + "|" + setup, k -> new int[3]);
                row[0] += (int) q.expected().stream().filter(hits::contains).count();
                row[1] += q.expected().size();
                row[2] += (int) hits.stream().filter(h -> !q.expected().contains(h)).count();
                if (setup == 3 && !hits.equals(q.expected())) {
                    misses.add(q.q() + " found " + hits + ", expected " + q.expected());
                }
            }
        }
        StringBuilder out = new StringBuilder("\n| language | " + names[1] + " | " + names[2] + " | " + names[3] + " |\n|---|---|---|---|\n");
        for (String language : List.of("en", "ru", "zh", "he")) {
            out.append("| ").append(language);
            for (int setup = 1; setup <= 3; setup++) {
                int[] r = table.get(language + "|" + setup);
                out.append(" | ").append(r[0]).append('/').append(r[1]).append(" found, ").append(r[2]).append(" wrong");
            }
            out.append(" |\n");
        }
        System.out.println("full-text search, " + SENTENCES.size() + " sentences, " + QUERIES.size() + " queries:" + out);
        assertThat(misses).as("the chosen set-up").isEmpty();
        // and it is what makes the difference for Russian, Chinese and Hebrew
        for (String language : List.of("ru", "zh", "he")) {
            assertThat(table.get(language + "|1")[0]).as("simple finds less in " + language).isLessThan(table.get(language + "|3")[0]);
        }
        assertThat(table.get("zh|2")[0]).as("a per-language config alone finds little Chinese").isLessThan(table.get("zh|3")[0]);
        assertThat(table.get("he|2")[0]).as("a per-language config alone misses Hebrew prefixes").isLessThan(table.get("he|3")[0]);
    }
}
