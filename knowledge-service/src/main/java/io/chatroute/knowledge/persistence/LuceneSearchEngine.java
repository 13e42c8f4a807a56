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
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherFactory;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
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

    /** Query text beyond this many characters is ignored (a visitor's message may be 4,000 characters). */
    public static final int MAX_QUERY_CHARS = 1000;

    static {
        // a long query analyzed for four languages and three fields each needs more than the default 1024 clauses
        if (IndexSearcher.getMaxClauseCount() < 16_384) {
            IndexSearcher.setMaxClauseCount(16_384);
        }
    }

    private final LanguageAnalyzers analyzers;
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
        this.analyzers = analyzers;
        this.ranking = ranking;
        this.snippetLength = snippetLength;
        BM25Similarity similarity = new BM25Similarity(ranking.bm25K1(), ranking.bm25B());
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

    @Override
    public synchronized void rebuild(Collection<Article> articles) {
        try {
            writer.deleteAll();
            versions.clear();
            for (Article a : articles) {
                writer.addDocument(toDocument(a));
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
            writer.updateDocument(new Term(F_ID, article.id()), toDocument(article));
            versions.put(article.id(), incoming);
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized void remove(String articleId) {
        try {
            writer.deleteDocuments(new Term(F_ID, articleId));
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
        String text = request.text().length() > MAX_QUERY_CHARS ? request.text().substring(0, MAX_QUERY_CHARS) : request.text();
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                // the script of the text first (a Cyrillic question is Russian whatever the chat's language),
                // then the requested language, then all languages, each only when the one before found nothing
                Optional<Language> script = ranking.detectScript() ? Language.ofScript(text, 0.6) : Optional.empty();
                for (Optional<Language> l : List.of(script, request.language())) {
                    if (l.isPresent()) {
                        List<SearchHit> hits = run(searcher, text, List.of(l.get()), request);
                        if (!hits.isEmpty()) {
                            return hits;
                        }
                    }
                }
                return run(searcher, text, List.of(Language.values()), request);
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<SearchHit> run(IndexSearcher searcher, String text, List<Language> languages, SearchRequest request)
            throws IOException {
        BooleanQuery.Builder anyLanguage = new BooleanQuery.Builder();
        int clauses = 0;
        String context = contextText(request.context());
        for (Language language : languages) {
            Query q = languageQuery(language, text);
            if (q != null) {
                anyLanguage.add(q, Occur.SHOULD);
                clauses++;
            }
            Query c = context.isEmpty() || ranking.contextWeight() <= 0 ? null : languageQuery(language, context);
            if (c != null) {
                anyLanguage.add(new BoostQuery(c, ranking.contextWeight()), Occur.SHOULD);
            }
        }
        if (clauses == 0) {
            return List.of();
        }
        Query query = anyLanguage.build();
        if (request.publicOnly()) {
            query = new BooleanQuery.Builder().add(query, Occur.MUST)
                    .add(new TermQuery(new Term(F_PUBLIC, "true")), Occur.FILTER).build();
        }
        TopDocs top = searcher.search(query, request.limit());
        StoredFields stored = searcher.storedFields();
        List<SearchHit> hits = new ArrayList<>(top.scoreDocs.length);
        Map<Language, Set<String>> queryTerms = new HashMap<>();
        for (ScoreDoc sd : top.scoreDocs) {
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

    private Query languageQuery(Language language, String text) {
        QueryBuilder builder = new QueryBuilder(analyzers.analyzerFor(language));
        BooleanQuery.Builder fields = new BooleanQuery.Builder();
        int n = 0;
        n += field(fields, builder.createBooleanQuery(LanguageAnalyzers.titleField(language), text), ranking.titleBoost());
        n += field(fields, builder.createBooleanQuery(LanguageAnalyzers.bodyField(language), text), 1f);
        n += field(fields, builder.createBooleanQuery(LanguageAnalyzers.tagsField(language), text), ranking.tagsBoost());
        n += field(fields, builder.createBooleanQuery(LanguageAnalyzers.questionsField(language), text), ranking.questionsBoost());
        n += field(fields, builder.createBooleanQuery(LanguageAnalyzers.learnedField(language), text), ranking.learnedBoost());
        return n == 0 ? null : fields.build();
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

    private Document toDocument(Article a) {
        Document doc = new Document();
        doc.add(new StringField(F_ID, a.id(), Field.Store.YES));
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
        // alternate questions and synonyms: one value each, so BM25 sees each as a short field of its own kind
        for (String q : a.questions()) {
            doc.add(new TextField(LanguageAnalyzers.questionsField(a.language()), q, Field.Store.NO));
        }
        for (String q : a.synonyms()) {
            doc.add(new TextField(LanguageAnalyzers.questionsField(a.language()), q, Field.Store.NO));
        }
        for (String q : a.learned()) {
            doc.add(new TextField(LanguageAnalyzers.learnedField(a.language()), q, Field.Store.NO));
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
