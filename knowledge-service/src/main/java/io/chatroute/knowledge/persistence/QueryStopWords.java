package io.chatroute.knowledge.persistence;

import java.util.List;

import io.chatroute.knowledge.domain.Language;

/**
 * Words of a customer's question that say nothing about its subject (pronouns, question words, politeness, "want",
 * "can"), dropped from the query when {@link Ranking#queryStopWords()} is on; never from the index. The analyzers'
 * own stop words (articles, prepositions) are dropped anyway. A query made only of them is searched as it is.
 */
final class QueryStopWords {

    private QueryStopWords() {
    }

    static List<String> of(Language language) {
        return switch (language) {
            case EN -> List.of("i", "me", "my", "mine", "you", "your", "we", "our", "us", "it", "its", "do", "does", "did",
                    "can", "could", "would", "should", "how", "what", "when", "where", "why", "which", "who", "please",
                    "hi", "hello", "thanks", "want", "need", "just", "still", "am", "have", "has", "had", "get", "got",
                    "im", "i'm", "dont", "don't", "cant", "can't", "so", "any", "some", "there", "here", "help");
            case RU -> List.of("я", "меня", "мне", "мой", "моя", "моё", "мои", "вы", "вас", "вам", "ваш", "ваша", "мы", "нас",
                    "как", "что", "когда", "где", "почему", "зачем", "какой", "какая", "какие", "можно", "могу", "хочу",
                    "нужно", "надо", "пожалуйста", "здравствуйте", "привет", "спасибо", "подскажите", "скажите", "это",
                    "этот", "уже", "ещё", "еще", "просто", "вообще", "у", "есть");
            case ZH -> List.of("我", "我的", "你", "你们", "您", "的", "了", "吗", "呢", "吧", "啊", "呀", "怎么", "怎么办", "什么",
                    "为什么", "哪里", "请问", "请", "你好", "谢谢", "是", "在", "要", "想", "能", "可以", "还", "就", "都", "这",
                    "那", "一下");
            case HE -> List.of("אני", "אתה", "את", "אתם", "אתן", "אנחנו", "שלי", "שלך", "שלכם", "שלנו", "לי", "לך", "לכם",
                    "לנו", "איך", "מה", "מתי", "איפה", "למה", "מדוע", "איזה", "אפשר", "רוצה", "צריך", "צריכה", "בבקשה",
                    "שלום", "היי", "תודה", "זה", "זאת", "יש", "כבר", "עדיין", "רק", "גם", "על", "עם", "של");
        };
    }
}
