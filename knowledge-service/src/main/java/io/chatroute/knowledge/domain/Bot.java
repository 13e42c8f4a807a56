package io.chatroute.knowledge.domain;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The bot's rules (pure logic). While a chat waits for an agent, a visitor message whose best public article
 * scores at least {@code minScore} is answered with that article, once, by a message that says it comes from a
 * bot and asks whether it helped. The bot stops for good when an agent joins (chat.assigned) or the chat closes.
 */
public final class Bot {

    /** What the bot knows of a chat from chat-events. */
    public enum ChatState { WAITING, ASSIGNED, CLOSED }

    /** The bot's settings (PUT /api/v1/kb/bot). */
    public record Settings(boolean enabled, double minScore, double minMargin, boolean whileQueuedOnly, Instant updatedAt) {
    }

    /** Longest article body quoted in an answer, in characters (the message limit is 4,000). */
    public static final int MAX_BODY = 1500;

    private static final Map<Language, String[]> TEXT = Map.of(
            Language.EN, new String[] {"Hi, I am the automatic assistant (a bot, not a person). While you wait for an agent, this article may help:",
                    "Did this answer your question? If not, just stay in the chat: an agent will join you as soon as possible."},
            Language.RU, new String[] {"Здравствуйте! Я автоматический помощник (бот, а не человек). Пока вы ждёте оператора, возможно, поможет эта статья:",
                    "Это ответ на ваш вопрос? Если нет, оставайтесь в чате: оператор подключится, как только освободится."},
            Language.ZH, new String[] {"您好，我是自动助手（机器人，不是人工客服）。在您等待客服的同时，这篇文章也许能帮到您：",
                    "这解决了您的问题吗？如果没有，请留在对话中，客服会尽快为您服务。"},
            Language.HE, new String[] {"שלום, אני העוזר האוטומטי (בוט, לא נציג אנושי). בזמן שאתם ממתינים לנציג, ייתכן שהמאמר הזה יעזור:",
                    "האם זה ענה על השאלה? אם לא, הישארו בצ'אט: נציג יצטרף בהקדם."});

    private Bot() {
    }

    /** The state after an event of {@code type}: ASSIGNED and CLOSED are final, a new chat or a queued one WAITING. */
    public static ChatState next(ChatState current, String type) {
        if (current == ChatState.CLOSED) {
            return current;
        }
        return switch (type) {
            case "chat.closed" -> ChatState.CLOSED;
            case "chat.assigned" -> ChatState.ASSIGNED;
            case "chat.requested", "chat.queued" -> current == ChatState.ASSIGNED ? current : ChatState.WAITING;
            default -> current;
        };
    }

    /**
     * Whether the bot may answer in a chat in {@code state} (null: the bot has not seen the chat start): only while
     * it waits in a queue; with {@code whileQueuedOnly=false} also in chats it has not seen start (no agent known).
     * Never once an agent joined or the chat closed.
     */
    public static boolean mayAnswer(Settings settings, ChatState state) {
        if (settings == null || !settings.enabled()) {
            return false;
        }
        if (state == ChatState.WAITING) {
            return true;
        }
        return state == null && !settings.whileQueuedOnly();
    }

    /**
     * Whether the best hit is good enough: it scores at least {@code minScore} and leads the second hit by at least
     * {@code minMargin} (an article that barely beats another is a guess). {@code second} may be null (no other hit).
     */
    public static boolean sure(Settings settings, SearchHit best, SearchHit second) {
        if (best == null || best.score() < settings.minScore()) {
            return false;
        }
        double margin = second == null ? best.score() : best.score() - second.score();
        return margin >= settings.minMargin();
    }

    /** The session-service clientMsgId of the answer to {@code sourceEventId}: a retry is deduplicated by session. */
    public static String clientMsgId(String sourceEventId) {
        return "kb-bot-" + UUID.nameUUIDFromBytes(("kb-bot:" + sourceEventId).getBytes(StandardCharsets.UTF_8));
    }

    /** The bot's message, in the article's language (English when unknown). */
    public static String message(Language language, String title, String body) {
        String[] t = TEXT.getOrDefault(language == null ? Language.EN : language, TEXT.get(Language.EN));
        return t[0] + "\n\n" + title + "\n" + Snippets.leading(body, MAX_BODY) + "\n\n" + t[1];
    }
}
