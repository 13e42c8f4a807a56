package io.chatroute.knowledge.eval;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;

/**
 * Plausible noise for the evaluation: articles generated deterministically (a fixed seed) from the evaluation
 * articles of the same language. Each has four sentences, each made of the first half of a sentence of one
 * article and the second half of a sentence of another, and a generic sentence, in shuffled order; its title
 * is the first half of one article's title, the second half of another's and a qualifier ("… for marketplace
 * sellers", "… (archive)"). So a distractor uses the vocabulary of the real answers, of several topics at once,
 * even in its title, but answers no question: the right article has to win on its coherence. (A first version
 * copied whole sentences into distractors; a copied sentence of the right answer is a partial answer, not
 * noise, so that version was dropped; README, "Evaluation".)
 */
public final class Distractors {

    private static final Map<Language, List<String>> QUALIFIERS = new EnumMap<>(Language.class);
    private static final Map<Language, List<String>> FILLERS = new EnumMap<>(Language.class);

    static {
        QUALIFIERS.put(Language.EN, List.of("for marketplace sellers", "(archive)", "for business customers",
                "in the partner programme", "for wholesale orders", "during the holiday season", "for pre-orders",
                "for the loyalty club", "in our physical stores", "for corporate gift orders"));
        QUALIFIERS.put(Language.RU, List.of("для продавцов маркетплейса", "(архив)", "для юридических лиц",
                "в партнёрской программе", "для оптовых заказов", "в праздничный сезон", "для предзаказов",
                "для участников клуба", "в офлайн-магазинах", "для корпоративных подарков"));
        QUALIFIERS.put(Language.ZH, List.of("（商家版）", "（旧版）", "企业客户须知", "合作伙伴计划说明", "批发订单规则",
                "节假日期间安排", "预售商品说明", "会员俱乐部专属", "线下门店适用", "企业礼品订单"));
        QUALIFIERS.put(Language.HE, List.of("למוכרים במרקטפלייס", "(ארכיון)", "ללקוחות עסקיים", "בתוכנית השותפים",
                "להזמנות סיטונאיות", "בתקופת החגים", "להזמנות מוקדמות", "לחברי המועדון", "בחנויות הפיזיות",
                "להזמנות מתנה לחברות"));
        FILLERS.put(Language.EN, List.of("Our customer service team is available every day from 8 am to 8 pm.",
                "These rules were updated at the start of the year.", "Please keep your order number at hand.",
                "Some exceptions apply to products from partner sellers.", "Thank you for shopping with us.",
                "Further details are in our terms and conditions."));
        FILLERS.put(Language.RU, List.of("Служба поддержки работает ежедневно с 8 до 20 часов.",
                "Эти правила обновлены в начале года.", "Пожалуйста, держите под рукой номер заказа.",
                "Для товаров партнёров действуют исключения.", "Спасибо, что выбираете нас.",
                "Подробности приведены в пользовательском соглашении."));
        FILLERS.put(Language.ZH, List.of("我们的客服团队每天早上8点至晚上8点在线。", "以上规则已于年初更新。",
                "请准备好您的订单号。", "部分合作商家的商品存在例外情况。", "感谢您的支持与信任。", "更多细节请参阅用户协议。"));
        FILLERS.put(Language.HE, List.of("צוות שירות הלקוחות זמין בכל יום משמונה בבוקר עד שמונה בערב.",
                "הכללים האלה עודכנו בתחילת השנה.", "אנא הכינו את מספר ההזמנה.", "חלים חריגים על מוצרים של מוכרים שותפים.",
                "תודה שקניתם אצלנו.", "פרטים נוספים מופיעים בתקנון."));
    }

    private Distractors() {
    }

    /** {@code count} distractors spread evenly over the languages, the same ones on every call. */
    public static List<Article> generate(List<Article> sources, int count) {
        Random random = new Random(20260101L);
        Map<Language, List<Article>> byLanguage = new EnumMap<>(Language.class);
        for (Article a : sources) {
            byLanguage.computeIfAbsent(a.language(), l -> new ArrayList<>()).add(a);
        }
        List<Language> languages = new ArrayList<>(byLanguage.keySet());
        List<Article> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Language l = languages.get(i % languages.size());
            List<Article> pool = byLanguage.get(l);
            boolean cjk = l == Language.ZH;
            List<String> sentences = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                // the first half of a sentence of one article and the second half of a sentence of another
                Article a = pool.get(random.nextInt(pool.size()));
                Article b = pool.get(random.nextInt(pool.size()));
                while (b == a) {
                    b = pool.get(random.nextInt(pool.size()));
                }
                String x = pick(sentences(a.body()), 1, random).get(0);
                String y = pick(sentences(b.body()), 1, random).get(0);
                sentences.add(join(half(x, true, cjk), half(y, false, cjk), cjk));
            }
            sentences.addAll(pick(FILLERS.get(l), 1, random));
            Collections.shuffle(sentences, random);
            Article t1 = pool.get(random.nextInt(pool.size()));
            Article t2 = pool.get(random.nextInt(pool.size()));
            String qualifier = QUALIFIERS.get(l).get(random.nextInt(QUALIFIERS.get(l).size()));
            String title = join(join(half(t1.title(), true, cjk), half(t2.title(), false, cjk), cjk), qualifier, cjk);
            String body = String.join(cjk ? "" : " ", sentences);
            out.add(new Article("dx-" + l.code() + "-" + i, title, body, l, List.of(), true, EvalSet.T0, EvalSet.T0));
        }
        return out;
    }

    /** The first or the second half of a text, by words (by characters in Chinese). */
    static String half(String text, boolean first, boolean cjk) {
        if (cjk) {
            int mid = text.length() / 2;
            return first ? text.substring(0, mid) : text.substring(mid);
        }
        String[] words = text.split(" ");
        int mid = words.length / 2;
        return String.join(" ", first ? java.util.Arrays.copyOfRange(words, 0, Math.max(1, mid))
                : java.util.Arrays.copyOfRange(words, Math.min(mid, words.length - 1), words.length));
    }

    private static String join(String a, String b, boolean cjk) {
        return cjk ? a + b : a + " " + b;
    }

    static List<String> sentences(String body) {
        return List.of(body.split("(?<=[.!?。！？])\\s*"));
    }

    private static List<String> pick(List<String> from, int n, Random random) {
        List<String> copy = new ArrayList<>(from);
        Collections.shuffle(copy, random);
        return copy.subList(0, Math.min(n, copy.size()));
    }
}
