package io.chatroute.knowledge.persistence;

/**
 * How the engine weighs a match (BM25 per field, summed): the title, the author's alternate questions and
 * synonyms, and the tags over the body; learned questions (visitor questions for which agents used the
 * article) and the earlier messages of the conversation ({@code contextWeight}) below the message itself.
 * {@code detectScript}: the script of the query's letters decides which language's fields are searched
 * (a Cyrillic query searches Russian only), so a query in one language finds no articles of another.
 *
 * <p>Further levers, each off at 0 / false, measured on the tuning part of the evaluation set (README,
 * "Evaluation"): {@code ngramWeight}, character n-grams of the words (title, questions and tags in one field, the
 * body in another) beside the word fields, summed with them ({@code ngramFusion} false) or fused by reciprocal rank;
 * {@code thesaurusWeight}, the query expanded with the domain thesaurus' other words for what it names;
 * {@code phraseBoost}, adjacent query words found near each other (slop 2); {@code minShouldMatch}, the share of the
 * query's words an article must match; {@code queryStopWords}, question words dropped from the query;
 * {@code shortK1}/{@code shortB}, BM25 of the short fields (title, questions, tags, learned) apart from the body's
 * (negative: the same as the body's); {@code commonPhraseShare}, a thesaurus phrase that is one common word expands
 * nothing.
 * The defaults are the ones chosen on the tuning part of the evaluation set (README, "Ranking").
 */
public record Ranking(float titleBoost, float tagsBoost, float questionsBoost, float learnedBoost, float contextWeight,
                      boolean detectScript, float bm25K1, float bm25B, float ngramWeight, boolean ngramFusion,
                      float thesaurusWeight, float phraseBoost, float minShouldMatch, boolean queryStopWords,
                      float shortK1, float shortB, float questionMaxWeight, float commonPhraseShare) {

    /** The ranking before the thesaurus and n-grams (title ×1.5, questions ×5, tags ×2, learned ×1.5, context ×0.5). */
    public static final Ranking WORDS = new Ranking(1.5f, 2f, 5f, 1.5f, 0.5f, true, 1.2f, 0.75f);

    /**
     * The share of its language's articles above which a thesaurus phrase that is one word names nothing (round 7:
     * "где заказ" is "заказ", in most Russian articles).
     */
    public static final float COMMON_PHRASE_SHARE = 0.3333f;

    /**
     * Adopted: the words, the domain thesaurus at ×0.3, and since round 7 its one-word phrases that most articles
     * share naming nothing (README, "Evaluation").
     */
    public static final Ranking DEFAULT = WORDS.withThesaurus(0.3f).withCommonPhraseShare(COMMON_PHRASE_SHARE);

    public Ranking(float titleBoost, float tagsBoost, float questionsBoost, float learnedBoost, float contextWeight,
                   boolean detectScript, float bm25K1, float bm25B) {
        this(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B, 0f, false,
                0f, 0f, 0f, false, -1f, -1f, 0f, 0f);
    }

    public Ranking withTitleBoost(float v) {
        return new Ranking(v, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withTagsBoost(float v) {
        return new Ranking(titleBoost, v, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withQuestionsBoost(float v) {
        return new Ranking(titleBoost, tagsBoost, v, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withLearnedBoost(float v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, v, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withContextWeight(float v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, v, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withDetectScript(boolean v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, v, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withBm25(float k1, float b) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, k1, b,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    /** BM25 of the short fields (title, questions, tags, learned); negative values: as the body's. */
    public Ranking withShortBm25(float k1, float b) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, k1, b, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withNgrams(float weight, boolean fusion) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                weight, fusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withThesaurus(float weight) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, weight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withPhraseBoost(float v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, v, minShouldMatch, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withMinShouldMatch(float share) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, share, queryStopWords, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    public Ranking withQueryStopWords(boolean v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, v, shortK1, shortB, questionMaxWeight, commonPhraseShare);
    }

    /**
     * The best-matching alternate question: each of an article's alternate questions is also indexed as a child
     * document of its own, and the article gains {@code weight} times the score of its best-matching one (BM25 of that
     * question alone), beside the questions field (all of them as one text). 0: off.
     */
    public Ranking withQuestionMax(float weight) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB, weight, commonPhraseShare);
    }

    /**
     * A thesaurus phrase that reduces, after analysis, to one word found in more than this share of its language's
     * articles (the index's document frequency in the body field) names nothing: it expands no group (ru "где заказ"
     * is "заказ" once "где" is dropped as a stop word). 0: off (every phrase expands its group).
     */
    public Ranking withCommonPhraseShare(float share) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B,
                ngramWeight, ngramFusion, thesaurusWeight, phraseBoost, minShouldMatch, queryStopWords, shortK1, shortB,
                questionMaxWeight, share);
    }

    /** Whether the n-gram fields are indexed at all. */
    public boolean ngrams() {
        return ngramWeight > 0;
    }
}
