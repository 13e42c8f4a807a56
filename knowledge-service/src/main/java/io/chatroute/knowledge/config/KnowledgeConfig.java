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

    Bot bot();

    /** The bot (README, "The bot"): its settings are in PostgreSQL (PUT /api/v1/kb/bot); these are the wiring. */
    interface Bot {
        /** session-service's base URL; the bot posts through POST /api/v1/chats/{chatId}/messages. */
        @WithDefault("http://localhost:8080")
        String sessionUrl();

        /** A platform-role JWT for session-service (never logged). Without it session answers 401 and the bot retries. */
        java.util.Optional<String> token();

        /** minScore until an admin sets one (chosen on the tuning part of the evaluation set). */
        @WithDefault("12.0")
        double defaultMinScore();

        /**
         * minMargin until an admin sets one: how far the best article must lead the second (chosen on the tuning and
         * validation parts of the evaluation set, README "Round 6").
         */
        @WithDefault("11.0")
        double defaultMinMargin();

        /** A visitor message older than this when processed gets no answer (nor does an answer that waited that long). */
        @WithDefault("PT2M")
        Duration maxAge();

        @WithDefault("PT2S")
        Duration requestTimeout();

        /**
         * How long the bot remembers that an agent joined a chat it has heard nothing new of (hourly pruning; other
         * chats go after {@code suggestions.keep-state}): long enough for any open chat, so the table does not grow
         * for ever with chats whose close it never saw.
         */
        @WithDefault("P30D")
        Duration keepAssigned();

        /** Whether the bot consumer runs at all (its group reads chat-events). */
        @WithDefault("true")
        boolean consumerEnabled();
    }

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

        /** Boost of a match in the title (and tags) over a match in the body (chosen on the tuning part, README "Ranking"). */
        @WithDefault("1.5")
        float titleBoost();

        @WithDefault("2.0")
        float tagsBoost();

        /** Boost of a match in an article's alternate questions or synonyms. */
        @WithDefault("5.0")
        float questionsBoost();

        /** Boost of a match in the visitor questions learned from suggestion.used. */
        @WithDefault("1.5")
        float learnedBoost();

        /** Weight of the chat's earlier visitor messages against the message being answered. */
        @WithDefault("0.5")
        float contextWeight();

        /** Hebrew words also indexed and searched without their prefix letters. */
        @WithDefault("true")
        boolean hebrewPrefixes();

        /**
         * Hebrew words also get their folded suffix form (plural, feminine ending, first person; with the prefixes
         * only). Off: the tuning part of the evaluation did not choose it (README, "Round 4").
         */
        @WithDefault("false")
        boolean hebrewSuffixes();

        /** The script of the query decides the language searched first (no articles of another language). */
        @WithDefault("true")
        boolean detectScript();

        /**
         * Weight of the domain thesaurus' expansion (the other words of what the query names, README "Ranking")
         * against the message itself; 0 switches the thesaurus off.
         */
        @WithDefault("0.3")
        float thesaurusWeight();

        /**
         * A thesaurus phrase that is one word after analysis names nothing (expands no group) when more than this
         * share of its language's articles have that word (README, "Round 7"); 0 switches the rule off.
         */
        @WithDefault("0.3333")
        float thesaurusCommonShare();
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

        /** How many of a chat's latest visitor messages are kept as the context of the next search. */
        @WithDefault("3")
        int contextMessages();

        /** A visitor question whose best public article scores below this counts in the unanswered report. */
        @WithDefault("10.0")
        double unansweredBelow();

        /** Answered messages, contexts and suggestions older than this are deleted (hourly). */
        @WithDefault("P1D")
        Duration keepState();
    }

    interface Index {
        /** How often the index is reconciled with the database (picks up other instances' writes). */
        @WithDefault("30s")
        String reconcileEvery();
    }
}
