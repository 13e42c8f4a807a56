package io.chatroute.knowledge.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BotTest {

    static final Bot.Settings ON = new Bot.Settings(true, 10, 2, true, null);

    @Test
    void stateFollowsTheChatAndStopsForGood() {
        assertThat(Bot.next(null, "chat.requested")).isEqualTo(Bot.ChatState.WAITING);
        assertThat(Bot.next(Bot.ChatState.WAITING, "chat.queued")).isEqualTo(Bot.ChatState.WAITING);
        assertThat(Bot.next(Bot.ChatState.WAITING, "chat.assigned")).isEqualTo(Bot.ChatState.ASSIGNED);
        // a requeue after an agent joined (transfer) does not restart the bot
        assertThat(Bot.next(Bot.ChatState.ASSIGNED, "chat.queued")).isEqualTo(Bot.ChatState.ASSIGNED);
        assertThat(Bot.next(Bot.ChatState.ASSIGNED, "chat.closed")).isEqualTo(Bot.ChatState.CLOSED);
        assertThat(Bot.next(Bot.ChatState.CLOSED, "chat.requested")).isEqualTo(Bot.ChatState.CLOSED);
        assertThat(Bot.next(null, "chat.message.posted")).isNull();
    }

    @Test
    void answersOnlyWhileWaitingEnabledAndSure() {
        assertThat(Bot.mayAnswer(ON, Bot.ChatState.WAITING)).isTrue();
        assertThat(Bot.mayAnswer(ON, Bot.ChatState.ASSIGNED)).isFalse();
        assertThat(Bot.mayAnswer(ON, Bot.ChatState.CLOSED)).isFalse();
        assertThat(Bot.mayAnswer(ON, null)).isFalse();
        Bot.Settings anyUnassigned = new Bot.Settings(true, 10, 2, false, null);
        assertThat(Bot.mayAnswer(anyUnassigned, null)).isTrue();
        assertThat(Bot.mayAnswer(anyUnassigned, Bot.ChatState.ASSIGNED)).isFalse();
        assertThat(Bot.mayAnswer(new Bot.Settings(false, 10, 2, true, null), Bot.ChatState.WAITING)).isFalse();
        assertThat(Bot.sure(ON, new SearchHit("a", "t", "", 10, "en"), null)).isTrue();
        assertThat(Bot.sure(ON, new SearchHit("a", "t", "", 10, "en"), new SearchHit("b", "t", "", 8, "en"))).isTrue();
        // a lead below minMargin is a guess
        assertThat(Bot.sure(ON, new SearchHit("a", "t", "", 10, "en"), new SearchHit("b", "t", "", 8.5, "en"))).isFalse();
        assertThat(Bot.sure(ON, new SearchHit("a", "t", "", 9.99, "en"), null)).isFalse();
        assertThat(Bot.sure(ON, null, null)).isFalse();
    }

    @Test
    void theMessageSaysItIsABotAsksWhetherItHelpedAndIsDeterministic() {
        assertThat(Bot.message(Language.EN, "Refunds", "Money back in 5 days.")).contains("bot").contains("Refunds")
                .contains("Money back in 5 days.").contains("Did this answer your question?");
        assertThat(Bot.message(Language.RU, "Возврат", "Деньги")).contains("бот").contains("Это ответ на ваш вопрос?");
        assertThat(Bot.message(Language.ZH, "退款", "钱")).contains("机器人").contains("这解决了您的问题吗");
        assertThat(Bot.message(Language.HE, "החזר", "כסף")).contains("בוט").contains("האם זה ענה על השאלה?");
        assertThat(Bot.message(Language.EN, "t", "x".repeat(5000)).length()).isLessThan(4000);
        assertThat(Bot.clientMsgId("e-1")).isEqualTo(Bot.clientMsgId("e-1")).isNotEqualTo(Bot.clientMsgId("e-2")).hasSizeLessThan(100);
    }
}
