package io.chatroute.knowledge.persistence;

/**
 * How the engine weighs a match (BM25 per field, summed): the title, the author's alternate questions and
 * synonyms, and the tags over the body; learned questions (visitor questions for which agents used the
 * article) and the earlier messages of the conversation ({@code contextWeight}) below the message itself.
 * {@code detectScript}: the script of the query's letters decides which language's fields are searched
 * (a Cyrillic query searches Russian only), so a query in one language finds no articles of another.
 * The defaults are the ones chosen on the tuning part of the evaluation set (README, "Ranking").
 */
public record Ranking(float titleBoost, float tagsBoost, float questionsBoost, float learnedBoost, float contextWeight,
                      boolean detectScript, float bm25K1, float bm25B) {

    public static final Ranking DEFAULT = new Ranking(1.5f, 2f, 5f, 1.5f, 0.5f, true, 1.2f, 0.75f);

    public Ranking withTitleBoost(float v) {
        return new Ranking(v, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B);
    }

    public Ranking withTagsBoost(float v) {
        return new Ranking(titleBoost, v, questionsBoost, learnedBoost, contextWeight, detectScript, bm25K1, bm25B);
    }

    public Ranking withQuestionsBoost(float v) {
        return new Ranking(titleBoost, tagsBoost, v, learnedBoost, contextWeight, detectScript, bm25K1, bm25B);
    }

    public Ranking withLearnedBoost(float v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, v, contextWeight, detectScript, bm25K1, bm25B);
    }

    public Ranking withDetectScript(boolean v) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, v, bm25K1, bm25B);
    }

    public Ranking withBm25(float k1, float b) {
        return new Ranking(titleBoost, tagsBoost, questionsBoost, learnedBoost, contextWeight, detectScript, k1, b);
    }
}
