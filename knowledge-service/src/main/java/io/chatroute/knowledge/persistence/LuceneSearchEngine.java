package io.chatroute.knowledge.persistence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.KnowledgeSearchEngine;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.domain.Snippets;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.SynonymQuery;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.similarities.PerFieldSimilarityWrapper;
import org.apache.lucene.search.similarities.Similarity;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.QueryBitSetProducer;
import org.apache.lucene.search.join.ScoreMode;
import org.apache.lucene.search.join.ToParentBlockJoinQuery;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * The in-memory Lucene index of the articles (derived state; the database is the truth). Every article is
 * indexed into its own language's fields ({@code title_ru}, {@code body_ru}, {@code tags_ru}), each analyzed
 * by that language's analyzer; the query text is analyzed once per language and matched against that
 * language's fields, with the title and tags boosted over the body. The text is never parsed as query syntax.
 */
public final class LuceneSearchEngine implements KnowledgeSearchEngine, AutoCloseable {

    static final String F_ID = "id";
    static final String F_LANGUAGE = "language";
    static final String F_PUBLIC = "public";
    static final String F_TITLE = "title";
    static final String F_BODY = "body";
    static final String F_UPDATED = "updatedAt";
    /** The article's id on the article and on its child documents (one per alternate question): the block's key. */
    static final String F_BLOCK = "block";
    static final String F_KIND = "kind";
    static final String KIND_ARTICLE = "article";

    /** The article documents among their child documents (the best-matching question, {@code Ranking.questionMax}). */
    private static final BitSetProducer ARTICLES = new QueryBitSetProducer(new TermQuery(new Term(F_KIND, KIND_ARTICLE)));

    /** Query text beyond this many characters is ignored (a visitor's message may be 4,000 characters). */
    public static final int MAX_QUERY_CHARS = 1000;

    static {
        // a long query analyzed for four languages and three fields each needs more than the default 1024 clauses
        if (IndexSearcher.getMaxClauseCount() < 16_384) {
            IndexSearcher.setMaxClauseCount(16_384);
        }
    }

    private final LanguageAnalyzers analyzers;
    private final Thesaurus thesaurus;
    private final Map<Language, Set<String>> stopTerms = new java.util.EnumMap<>(Language.class);
    private final Ranking ranking;
    private final int snippetLength;
    private final ByteBuffersDirectory directory = new ByteBuffersDirectory();
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final Map<String, Instant> versions = new ConcurrentHashMap<>();

    public LuceneSearchEngine(LanguageAnalyzers analyzers, float titleBoost, float tagsBoost, int snippetLength) {
        this(analyzers, Ranking.DEFAULT.withTitleBoost(titleBoost).withTagsBoost(tagsBoost), snippetLength);
    }

    public LuceneSearchEngine(LanguageAnalyzers analyzers, Ranking ranking, int snippetLength) {
        this(analyzers, ranking, snippetLength, new Thesaurus(analyzers));
    }

    /** With another thesaurus than the service's (the evaluation's variants). */
    public LuceneSearchEngine(LanguageAnalyzers analyzers, Ranking ranking, int snippetLength, Thesaurus thesaurus) {
        this(analyzers, ranking, snippetLength, thesaurus, null);
    }

    /**
     * With another similarity than the ranking's BM25 ({@code null}: BM25), for the evaluation's variants only (round
     * 7): the service's thresholds (the bot's score and margin, the unanswered questions' score) are on BM25's scale.
     */
    public LuceneSearchEngine(LanguageAnalyzers analyzers, Ranking ranking, int snippetLength, Thesaurus thesaurus,
                              Similarity other) {
        this.analyzers = analyzers;
        this.ranking = ranking;
        this.snippetLength = snippetLength;
        this.thesaurus = thesaurus;
        for (Language l : Language.values()) {
            Set<String> stop = new HashSet<>();
            for (String w : QueryStopWords.of(l)) {
                stop.addAll(terms(analyzers.analyzerFor(l), LanguageAnalyzers.bodyField(l), w));
            }
            stopTerms.put(l, stop);
        }
        Similarity similarity = other == null ? similarity(ranking) : other;
        try {
            writer = new IndexWriter(directory, new IndexWriterConfig(analyzers.indexAnalyzer()).setSimilarity(similarity));
            searchers = new SearcherManager(writer, new SearcherFactory() {
                @Override
                public IndexSearcher newSearcher(org.apache.lucene.index.IndexReader reader,
                                                 org.apache.lucene.index.IndexReader previous) {
                    IndexSearcher searcher = new IndexSearcher(reader);
                    searcher.setSimilarity(similarity);
                    return searcher;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** BM25 (k1, b) of the ranking, the short fields' own where it sets them. */
    static Similarity similarity(Ranking ranking) {
        BM25Similarity body = new BM25Similarity(ranking.bm25K1(), ranking.bm25B());
        if (ranking.shortK1() < 0 && ranking.shortB() < 0) {
            return body;
        }
        BM25Similarity shortFields = new BM25Similarity(ranking.shortK1() < 0 ? ranking.bm25K1() : ranking.shortK1(),
                ranking.shortB() < 0 ? ranking.bm25B() : ranking.shortB());
        return new PerFieldSimilarityWrapper() {
            @Override
            public Similarity get(String name) {
                return LanguageAnalyzers.shortField(name) ? shortFields : body;
            }
        };
    }

    @Override
    public synchronized void rebuild(Collection<Article> articles) {
        try {
            writer.deleteAll();
            versions.clear();
            for (Article a : articles) {
                writer.addDocuments(toDocuments(a));
                versions.put(a.id(), version(a));
            }
            writer.commit();
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void index(Article article) {
        Instant known = versions.get(article.id());
        Instant incoming = version(article);
        if (known != null && known.isAfter(incoming)) {
            return; // a newer version was indexed already (concurrent writes finishing out of order)
        }
        try {
            writer.updateDocuments(new Term(F_BLOCK, article.id()), toDocuments(article));
            versions.put(article.id(), incoming);
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void remove(String articleId) {
        try {
            writer.deleteDocuments(new Term(F_BLOCK, articleId));
            versions.remove(articleId);
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The version of an article as the index knows it: its updatedAt, or later when questions were learned for
     * it since.
     */
    private static Instant version(Article a) {
        return a.indexVersion();
    }

    /** The updatedAt of every indexed article, to reconcile the index with the database. */
    public Map<String, Instant> indexedVersions() {
        return Map.copyOf(versions);
    }

    /** An indexed article's title, body and language code, as stored in the index. */
    public record Stored(String id, String title, String body, String language) {
    }

    public Optional<Stored> stored(String articleId) {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                TopDocs top = searcher.search(new TermQuery(new Term(F_ID, articleId)), 1);
                if (top.scoreDocs.length == 0) {
                    return Optional.empty();
                }
                Document doc = searcher.storedFields().document(top.scoreDocs[0].doc);
                return Optional.of(new Stored(doc.get(F_ID), doc.get(F_TITLE), doc.get(F_BODY), doc.get(F_LANGUAGE)));
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public int size() {
        return versions.size();
    }

    @Override
    public List<SearchHit> search(SearchRequest request) {
        return search(request, true);
    }

    /**
     * The same search without the thesaurus' expansion: an independent second opinion (the words of the message
     * alone) whose agreement with {@link #search} tells how sure the ranking is (the bot).
     */
    public List<SearchHit> searchWithoutThesaurus(SearchRequest request) {
        return search(request, false);
    }

    private List<SearchHit> search(SearchRequest request, boolean expand) {
        String text = request.text().length() > MAX_QUERY_CHARS ? request.text().substring(0, MAX_QUERY_CHARS) : request.text();
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                // the script of the text first (a Cyrillic question is Russian whatever the chat's language),
                // then the requested language, then all languages, each only when the one before found nothing
                Optional<Language> script = ranking.detectScript() ? Language.ofScript(text, 0.6) : Optional.empty();
                for (Optional<Language> l : List.of(script, request.language())) {
                    if (l.isPresent()) {
                        List<SearchHit> hits = run(searcher, text, List.of(l.get()), request, expand);
                        if (!hits.isEmpty()) {
                            return hits;
                        }
                    }
                }
                return run(searcher, text, List.of(Language.values()), request, expand);
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<SearchHit> run(IndexSearcher searcher, String text, List<Language> languages, SearchRequest request,
                                boolean expand) throws IOException {
        String context = contextText(request.context());
        Query words = query(searcher, languages, text, context, false, expand);
        if (words == null) {
            return List.of();
        }
        ScoreDoc[] docs;
        if (ranking.ngrams() && ranking.ngramFusion()) {
            // reciprocal rank fusion of the word ranking and the n-gram ranking
            int depth = Math.max(FUSION_DEPTH, request.limit());
            ScoreDoc[] w = searcher.search(filtered(words, request), depth).scoreDocs;
            Query grams = query(searcher, languages, text, context, true, expand);
            ScoreDoc[] g = grams == null ? new ScoreDoc[0] : searcher.search(filtered(grams, request), depth).scoreDocs;
            docs = fuse(request.limit(), w, g);
        } else {
            docs = searcher.search(filtered(words, request), request.limit()).scoreDocs;
        }
        return hits(searcher, docs, text);
    }

    static final int FUSION_DEPTH = 100;
    static final int RRF_K = 60;

    /** Reciprocal rank fusion: each ranking adds 1 / (60 + rank) to a document; the best {@code limit}. */
    static ScoreDoc[] fuse(int limit, ScoreDoc[]... rankings) {
        Map<Integer, Float> fused = new HashMap<>();
        for (ScoreDoc[] ranking : rankings) {
            for (int i = 0; i < ranking.length; i++) {
                fused.merge(ranking[i].doc, 1f / (RRF_K + i + 1), Float::sum);
            }
        }
        return fused.entrySet().stream()
                .sorted(Map.Entry.<Integer, Float>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(limit).map(e -> new ScoreDoc(e.getKey(), e.getValue())).toArray(ScoreDoc[]::new);
    }

    private static Query filtered(Query query, SearchRequest request) {
        if (!request.publicOnly()) {
            return query;
        }
        return new BooleanQuery.Builder().add(query, Occur.MUST)
                .add(new TermQuery(new Term(F_PUBLIC, "true")), Occur.FILTER).build();
    }

    /**
     * The query for {@code text} (and the context, weighted) in these languages' fields: the word fields, or the
     * n-gram fields alone when {@code gramsOnly} (for fusion). Null when the text has no searchable word.
     */
    private Query query(IndexSearcher searcher, List<Language> languages, String text, String context, boolean gramsOnly,
                        boolean expand) {
        BooleanQuery.Builder anyLanguage = new BooleanQuery.Builder();
        int clauses = 0;
        for (Language language : languages) {
            Query q = languageQuery(language, text, gramsOnly, true);
            if (q != null) {
                anyLanguage.add(q, Occur.SHOULD);
                clauses++;
            }
            if (expand && ranking.thesaurusWeight() > 0) {
                String expansion = ranking.commonPhraseShare() > 0
                        ? thesaurus.expand(language, text, common(searcher, language, ranking.commonPhraseShare()))
                        : thesaurus.expand(language, text);
                Query e = expansion.isEmpty() ? null : languageQuery(language, expansion, gramsOnly, false);
                if (e != null) {
                    anyLanguage.add(new BoostQuery(e, ranking.thesaurusWeight()), Occur.SHOULD);
                }
            }
            Query c = context.isEmpty() || ranking.contextWeight() <= 0 ? null : languageQuery(language, context, gramsOnly, false);
            if (c != null) {
                anyLanguage.add(new BoostQuery(c, ranking.contextWeight()), Occur.SHOULD);
            }
        }
        return clauses == 0 ? null : anyLanguage.build();
    }

    /**
     * Whether a body term of {@code language} is in more than {@code share} of that language's articles (by the
     * index's document frequency, deleted documents included until a merge: close enough for a share).
     */
    private static java.util.function.Predicate<String> common(IndexSearcher searcher, Language language, float share) {
        return term -> {
            try {
                int articles = searcher.getIndexReader().docFreq(new Term(F_LANGUAGE, language.code()));
                int with = searcher.getIndexReader().docFreq(new Term(LanguageAnalyzers.bodyField(language), term));
                return articles > 0 && with > share * articles;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
    }

    private List<SearchHit> hits(IndexSearcher searcher, ScoreDoc[] docs, String text) throws IOException {
        StoredFields stored = searcher.storedFields();
        List<SearchHit> hits = new ArrayList<>(docs.length);
        Map<Language, Set<String>> queryTerms = new HashMap<>();
        for (ScoreDoc sd : docs) {
            Document doc = stored.document(sd.doc);
            String code = doc.get(F_LANGUAGE);
            Optional<Language> language = Language.fromCode(code);
            String body = doc.get(F_BODY);
            String snippet = language
                    .map(l -> snippet(l, body, queryTerms.computeIfAbsent(l, x -> terms(analyzers.analyzerFor(x), bodyFieldName(x), text))))
                    .orElseGet(() -> Snippets.leading(body, snippetLength));
            hits.add(new SearchHit(doc.get(F_ID), doc.get(F_TITLE), snippet, sd.score, code));
        }
        return hits;
    }

    private static String bodyFieldName(Language l) {
        return LanguageAnalyzers.bodyField(l);
    }

    /** The context messages as one text: the latest ones, at most {@link #MAX_QUERY_CHARS} characters. */
    private static String contextText(List<String> context) {
        if (context.isEmpty()) {
            return "";
        }
        StringBuilder s = new StringBuilder();
        for (int i = context.size() - 1; i >= 0 && s.length() < MAX_QUERY_CHARS; i--) {
            s.insert(0, context.get(i) + "\n");
        }
        return s.length() > MAX_QUERY_CHARS ? s.substring(s.length() - MAX_QUERY_CHARS) : s.toString();
    }

    /**
     * One language's query for {@code text}: for each word (position) of the analyzed text, its matches in the title,
     * body, tags, alternate questions and learned questions, each field weighted (the score is the sum of the fields'
     * BM25 scores); optionally at least a share of the words must match ({@code minShouldMatch}, for the message
     * itself only), adjacent words found near each other add a proximity score, and the n-gram fields add theirs.
     */
    private Query languageQuery(Language language, String text, boolean gramsOnly, boolean main) {
        BooleanQuery.Builder all = new BooleanQuery.Builder();
        int n = 0;
        if (!gramsOnly) {
            List<List<String>> positions = positions(analyzers.analyzerFor(language), LanguageAnalyzers.bodyField(language), text);
            if (ranking.queryStopWords()) {
                Set<String> stop = stopTerms.get(language);
                List<List<String>> kept = positions.stream().filter(p -> !stop.contains(p.get(0))).toList();
                if (!kept.isEmpty()) {
                    positions = kept;
                }
            }
            String[] fields = {LanguageAnalyzers.titleField(language), LanguageAnalyzers.bodyField(language),
                    LanguageAnalyzers.tagsField(language), LanguageAnalyzers.questionsField(language),
                    LanguageAnalyzers.learnedField(language)};
            float[] boosts = {ranking.titleBoost(), 1f, ranking.tagsBoost(), ranking.questionsBoost(), ranking.learnedBoost()};
            BooleanQuery.Builder words = new BooleanQuery.Builder();
            BooleanQuery.Builder questionWords = new BooleanQuery.Builder();
            int w = 0;
            for (List<String> position : positions) {
                BooleanQuery.Builder perField = new BooleanQuery.Builder();
                for (int f = 0; f < fields.length; f++) {
                    if (boosts[f] > 0) {
                        Query t = termQuery(fields[f], position);
                        perField.add(boosts[f] == 1f ? t : new BoostQuery(t, boosts[f]), Occur.SHOULD);
                    }
                }
                words.add(perField.build(), Occur.SHOULD);
                w++;
                if (ranking.questionMaxWeight() > 0) {
                    questionWords.add(termQuery(LanguageAnalyzers.questionField(language), position), Occur.SHOULD);
                }
            }
            if (w > 0 && ranking.questionMaxWeight() > 0) {
                // the article's best-matching alternate question, scored alone
                Query best = new ToParentBlockJoinQuery(questionWords.build(), ARTICLES, ScoreMode.Max);
                all.add(new BoostQuery(best, ranking.questionMaxWeight()), Occur.SHOULD);
                n++;
            }
            if (w > 0) {
                if (main && ranking.minShouldMatch() > 0 && w > 1) {
                    words.setMinimumNumberShouldMatch(Math.max(1, (int) Math.ceil(ranking.minShouldMatch() * w - 1e-6)));
                }
                all.add(words.build(), main && ranking.minShouldMatch() > 0 ? Occur.MUST : Occur.SHOULD);
                n++;
                if (ranking.phraseBoost() > 0 && positions.size() > 1) {
                    BooleanQuery.Builder near = new BooleanQuery.Builder();
                    int[] phraseFields = {0, 1, 3};
                    for (int i = 0; i + 1 < positions.size() && i < MAX_PHRASES; i++) {
                        for (int f : phraseFields) {
                            Query pq = new PhraseQuery(PHRASE_SLOP, fields[f], positions.get(i).get(0), positions.get(i + 1).get(0));
                            near.add(boosts[f] == 1f ? pq : new BoostQuery(pq, boosts[f]), Occur.SHOULD);
                        }
                    }
                    all.add(new BoostQuery(near.build(), ranking.phraseBoost()), Occur.SHOULD);
                }
            }
        }
        if (ranking.ngrams() && (gramsOnly || !ranking.ngramFusion())) {
            QueryBuilder grams = new QueryBuilder(analyzers.ngramAnalyzerFor(language));
            n += field(all, gramQuery(grams, LanguageAnalyzers.ngramsShortField(language), text), ranking.ngramWeight() * NGRAM_SHORT_RATIO);
            n += field(all, gramQuery(grams, LanguageAnalyzers.ngramsBodyField(language), text), ranking.ngramWeight());
        }
        return n == 0 ? null : all.build();
    }

    static final int PHRASE_SLOP = 2;
    static final int MAX_PHRASES = 64;
    /** The n-grams of the short fields weigh this many times the body's. */
    static final float NGRAM_SHORT_RATIO = 2f;
    /** At most this many distinct n-grams of a query text are searched. */
    static final int MAX_GRAMS = 256;

    /** The distinct n-grams of {@code text} as one disjunction (at most {@link #MAX_GRAMS}). */
    private Query gramQuery(QueryBuilder builder, String field, String text) {
        Set<String> grams = new java.util.LinkedHashSet<>(terms(builder.getAnalyzer(), field, text));
        if (grams.isEmpty()) {
            return null;
        }
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        int i = 0;
        for (String g : grams) {
            if (i++ >= MAX_GRAMS) {
                break;
            }
            b.add(new TermQuery(new Term(field, g)), Occur.SHOULD);
        }
        return b.build();
    }

    private static Query termQuery(String field, List<String> position) {
        if (position.size() == 1) {
            return new TermQuery(new Term(field, position.get(0)));
        }
        SynonymQuery.Builder syn = new SynonymQuery.Builder(field);
        for (String t : position) {
            syn.addTerm(new Term(field, t));
        }
        return syn.build();
    }

    /** The analyzed terms of {@code text} by position (several at one position: a word and its other forms). */
    static List<List<String>> positions(Analyzer analyzer, String field, String text) {
        List<List<String>> positions = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                if (inc.getPositionIncrement() > 0 || positions.isEmpty()) {
                    positions.add(new ArrayList<>(2));
                }
                List<String> at = positions.get(positions.size() - 1);
                String t = term.toString();
                if (!at.contains(t)) {
                    at.add(t);
                }
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return positions;
    }

    private static int field(BooleanQuery.Builder fields, Query q, float boost) {
        if (q == null || boost <= 0) {
            return 0;
        }
        fields.add(boost == 1f ? q : new BoostQuery(q, boost), Occur.SHOULD);
        return 1;
    }

    /** The excerpt of the body around the first token that is also a token of the query (after analysis). */
    String snippet(Language language, String body, Set<String> queryTerms) {
        if (body == null || body.isEmpty()) {
            return "";
        }
        if (!queryTerms.isEmpty()) {
            try (TokenStream ts = analyzers.analyzerFor(language).tokenStream(LanguageAnalyzers.bodyField(language), body)) {
                CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
                OffsetAttribute offset = ts.addAttribute(OffsetAttribute.class);
                ts.reset();
                while (ts.incrementToken()) {
                    if (queryTerms.contains(term.toString())) {
                        int start = offset.startOffset();
                        int end = offset.endOffset();
                        ts.end();
                        return Snippets.around(body, start, end, snippetLength);
                    }
                }
                ts.end();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Snippets.leading(body, snippetLength);
    }

    /** The terms {@code analyzer} makes of {@code text} for {@code field}. */
    static Set<String> terms(Analyzer analyzer, String field, String text) {
        Set<String> terms = new HashSet<>();
        try (TokenStream ts = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) {
                terms.add(term.toString());
            }
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return terms;
    }

    /**
     * The article's block: with the best-matching question on, one child document per alternate question first, the
     * article's own document last (a block join's order); otherwise the article's document alone.
     */
    private List<Document> toDocuments(Article a) {
        List<Document> block = new ArrayList<>();
        if (ranking.questionMaxWeight() > 0) {
            for (String q : a.questions()) {
                Document child = new Document();
                child.add(new StringField(F_BLOCK, a.id(), Field.Store.NO));
                child.add(new TextField(LanguageAnalyzers.questionField(a.language()), q, Field.Store.NO));
                block.add(child);
            }
        }
        block.add(toDocument(a));
        return block;
    }

    private Document toDocument(Article a) {
        Document doc = new Document();
        doc.add(new StringField(F_ID, a.id(), Field.Store.YES));
        doc.add(new StringField(F_BLOCK, a.id(), Field.Store.NO));
        doc.add(new StringField(F_KIND, KIND_ARTICLE, Field.Store.NO));
        doc.add(new StringField(F_LANGUAGE, a.language().code(), Field.Store.YES));
        doc.add(new StringField(F_PUBLIC, Boolean.toString(a.publicArticle()), Field.Store.YES));
        doc.add(new StoredField(F_TITLE, a.title()));
        doc.add(new StoredField(F_BODY, a.body()));
        doc.add(new StoredField(F_UPDATED, a.updatedAt() == null ? 0L : a.updatedAt().toEpochMilli()));
        doc.add(new TextField(LanguageAnalyzers.titleField(a.language()), a.title(), Field.Store.NO));
        doc.add(new TextField(LanguageAnalyzers.bodyField(a.language()), a.body(), Field.Store.NO));
        if (!a.tags().isEmpty()) {
            doc.add(new TextField(LanguageAnalyzers.tagsField(a.language()), String.join(" ", a.tags()), Field.Store.NO));
        }
        // alternate questions and synonyms: one value each of one field, which BM25 scores as one text (their lengths
        // add up); the best-matching question alone is the child documents' job (toDocuments)
        for (String q : a.questions()) {
            doc.add(new TextField(LanguageAnalyzers.questionsField(a.language()), q, Field.Store.NO));
        }
        for (String q : a.synonyms()) {
            doc.add(new TextField(LanguageAnalyzers.questionsField(a.language()), q, Field.Store.NO));
        }
        for (String q : a.learned()) {
            doc.add(new TextField(LanguageAnalyzers.learnedField(a.language()), q, Field.Store.NO));
        }
        if (ranking.ngrams()) {
            String shortText = a.title() + "\n" + String.join("\n", a.tags()) + "\n" + String.join("\n", a.questions())
                    + "\n" + String.join("\n", a.synonyms()) + "\n" + String.join("\n", a.learned());
            doc.add(new TextField(LanguageAnalyzers.ngramsShortField(a.language()), shortText, Field.Store.NO));
            doc.add(new TextField(LanguageAnalyzers.ngramsBodyField(a.language()), a.body(), Field.Store.NO));
        }
        return doc;
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.close();
            directory.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
