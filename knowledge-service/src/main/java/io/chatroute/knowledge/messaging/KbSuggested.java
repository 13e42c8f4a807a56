package io.chatroute.knowledge.messaging;

import java.util.List;

import io.chatroute.knowledge.domain.SearchHit;

/** The data of kb.suggested (schemas/events/kb.suggested.json). */
public record KbSuggested(String chatId, long forSeq, String language, List<Item> items, String suggestedAt) {

    public record Item(String articleId, String title, String snippet, double score, String language) {
        static Item of(SearchHit hit) {
            return new Item(hit.articleId(), hit.title(), hit.snippet(), hit.score(), hit.language());
        }
    }

    static List<Item> items(List<SearchHit> hits) {
        return hits.stream().map(Item::of).toList();
    }
}
