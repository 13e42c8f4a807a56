package io.chatroute.knowledge.config;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of knowledge-service ({@code chatroute.knowledge.*}). */
@ConfigMapping(prefix = "chatroute.knowledge")
public interface KnowledgeConfig {

    Search search();

    Suggestions suggestions();

    Index index();

    Consumer consumer();

    /**
     * How the chat-events consumer retries a message whose search or kb.suggested send fails: forever, with
     * exponential back-off, holding back the partition's later events meanwhile.
     */
    interface Consumer {
        /** Delay after the first failure; doubled after each further one up to {@link #maxBackoff()}. */
        @WithDefault("PT0.1S")
        Duration initialBackoff();

        @WithDefault("PT5S")
        Duration maxBackoff();

        /** While a record keeps failing, one log line per this period (the first failure is always logged). */
        @WithDefault("PT30S")
        Duration logEvery();

        /** Readiness turns DOWN once a record has been failing this long; UP again when it succeeds. */
        @WithDefault("PT30S")
        Duration notReadyAfter();
    }

    interface Search {
        /** Longest accepted {@code q} on GET /api/v1/kb/search, in characters. */
        @WithDefault("500")
        int maxQueryLength();

        /** Default and highest {@code limit}. */
        @WithDefault("5")
        int defaultLimit();

        @WithDefault("50")
        int maxLimit();

        /** Length of a hit's snippet, in characters (plus ellipses). */
        @WithDefault("200")
        int snippetLength();

        /** Boost of a match in the title (and tags) over a match in the body. */
        @WithDefault("3.0")
        float titleBoost();

        @WithDefault("2.0")
        float tagsBoost();
    }

    interface Suggestions {
        /** Whether visitor messages on chat-events are answered with kb.suggested. */
        @WithDefault("true")
        boolean enabled();

        /** Items per kb.suggested. */
        @WithDefault("3")
        int maxItems();

        /** Hits scoring below this are not suggested. */
        @WithDefault("0.0")
        double minScore();

        /** Messages older than this (by their sentAt) get no suggestion, so catching up does not flood agents. */
        @WithDefault("PT10M")
        Duration maxAge();

        /** Publish kb.suggested with an empty item list when nothing matched (default: publish only when something matched). */
        @WithDefault("false")
        boolean publishEmpty();
    }

    interface Index {
        /** How often the index is reconciled with the database (picks up other instances' writes). */
        @WithDefault("30s")
        String reconcileEvery();
    }
}
