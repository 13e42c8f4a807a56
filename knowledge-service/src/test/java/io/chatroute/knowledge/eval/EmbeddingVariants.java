package io.chatroute.knowledge.eval;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallenv15q.BgeSmallEnV15QuantizedEmbeddingModel;
import dev.langchain4j.model.embedding.onnx.bgesmallzhv15q.BgeSmallZhV15QuantizedEmbeddingModel;
import io.chatroute.knowledge.domain.Article;
import io.chatroute.knowledge.domain.Language;
import io.chatroute.knowledge.domain.SearchHit;
import io.chatroute.knowledge.domain.SearchRequest;
import io.chatroute.knowledge.persistence.LanguageAnalyzers;
import io.chatroute.knowledge.persistence.LuceneSearchEngine;
import io.chatroute.knowledge.persistence.Ranking;

/**
 * In-process embedding models (bge-small-en-v1.5 and bge-small-zh-v1.5, quantized, from Maven Central) measured on the
 * TUNING part with the 10,000 distractors, for the languages they cover: the embeddings alone, and hybrids with the
 * lexical ranking (reciprocal rank fusion, re-ranking BM25's top N, a linear mix of normalised scores). Also the cost:
 * ms per article embedded at index time, ms per query, heap and resident memory. A program, not a test:
 * {@code java -Xmx256m -cp ... io.chatroute.knowledge.eval.EmbeddingVariants [lexical: words|adopted] [cache dir] [test]}
 * (with {@code test}, the tuning part's variants are also reported on the test part)
 */
public final class EmbeddingVariants {

    static final String EN_INSTRUCTION = "Represent this sentence for searching relevant passages: ";
    static final String ZH_INSTRUCTION = "为这个句子生成表示以用于检索相关文章：";

    public static void main(String[] args) throws IOException {
        Ranking lexical = args.length > 0 && args[0].equals("words") ? Ranking.WORDS : Ranking.DEFAULT;
        Path cache = Path.of(args.length > 1 ? args[1] : "/tmp/kb-embeddings");
        boolean test = args.length > 2 && args[2].equals("test");
        Files.createDirectories(cache);
        List<Article> corpus = new ArrayList<>(EvalSet.articles(true));
        corpus.addAll(Distractors.generate(EvalSet.articles(false), 10_000));
        memory("before models");
        try (LuceneSearchEngine engine = new LuceneSearchEngine(new LanguageAnalyzers(true), lexical, 200)) {
            engine.rebuild(corpus);
            for (Language l : List.of(Language.EN, Language.ZH)) {
                EmbeddingModel model = l == Language.EN ? new BgeSmallEnV15QuantizedEmbeddingModel()
                        : new BgeSmallZhV15QuantizedEmbeddingModel();
                memory(l.code() + " model loaded");
                List<Article> of = corpus.stream().filter(a -> a.language() == l).toList();
                Map<String, float[]> vectors = vectors(model, of, cache.resolve("bge-" + l.code() + ".bin"));
                memory(l.code() + " " + vectors.size() + " vectors held");
                List<EvalSet.Question> tune = EvalSet.questions(l, EvalSet.Part.TUNE);
                for (boolean instruction : new boolean[] {false, true}) {
                    String prefix = instruction ? (l == Language.EN ? EN_INSTRUCTION : ZH_INSTRUCTION) : "";
                    evaluate(l, instruction ? "query instruction" : "no instruction", engine, model, vectors, tune, prefix);
                }
                if (test) {
                    // reported only, once the variants were compared on the tuning part
                    evaluate(l, "no instruction, TEST part", engine, model, vectors, EvalSet.questions(l, EvalSet.Part.TEST), "");
                }
            }
        }
    }

    static String text(Article a) {
        String sep = a.language() == Language.ZH ? "。" : ". ";
        return a.title() + sep + String.join(sep, a.questions()) + sep + a.body();
    }

    static Map<String, float[]> vectors(EmbeddingModel model, List<Article> articles, Path file) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        if (Files.exists(file)) {
            try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
                int n = in.readInt();
                for (int i = 0; i < n; i++) {
                    String id = in.readUTF();
                    float[] v = new float[in.readInt()];
                    for (int j = 0; j < v.length; j++) {
                        v[j] = in.readFloat();
                    }
                    out.put(id, v);
                }
            }
            System.out.println("  " + file + ": " + out.size() + " vectors from the cache");
            return out;
        }
        long t0 = System.nanoTime();
        int batch = 32;
        for (int i = 0; i < articles.size(); i += batch) {
            List<Article> part = articles.subList(i, Math.min(articles.size(), i + batch));
            var embedded = model.embedAll(part.stream().map(a -> TextSegment.from(text(a))).toList()).content();
            for (int j = 0; j < part.size(); j++) {
                out.put(part.get(j).id(), embedded.get(j).vector());
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        System.out.printf(Locale.ROOT, "  embedded %d articles in %.1f s (%.1f ms per article)%n", articles.size(), ms / 1000,
                ms / articles.size());
        try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(file))) {
            o.writeInt(out.size());
            for (Map.Entry<String, float[]> e : out.entrySet()) {
                o.writeUTF(e.getKey());
                o.writeInt(e.getValue().length);
                for (float f : e.getValue()) {
                    o.writeFloat(f);
                }
            }
        }
        return out;
    }

    static double cos(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    record Scored(String id, double score) {
    }

    static void evaluate(Language l, String label, LuceneSearchEngine engine, EmbeddingModel model,
                         Map<String, float[]> vectors, List<EvalSet.Question> questions, String prefix) {
        Map<String, BiFunction<List<SearchHit>, List<Scored>, List<String>>> variants = new LinkedHashMap<>();
        variants.put("lexical", (lex, dense) -> lex.stream().map(SearchHit::articleId).toList());
        variants.put("embeddings alone", (lex, dense) -> dense.stream().map(Scored::id).toList());
        variants.put("RRF lexical + embeddings", (lex, dense) -> rrf(lex, dense));
        for (int n : new int[] {10, 20, 50}) {
            variants.put("lexical top " + n + " re-ranked by embeddings", (lex, dense) -> rerank(lex, vectorsOf(dense), n));
        }
        for (double alpha : new double[] {0.3, 0.5, 0.7}) {
            variants.put("linear " + alpha + " x lexical + " + (1 - alpha) + " x cosine (top 50)",
                    (lex, dense) -> linear(lex, dense, alpha));
        }
        Map<String, List<Evaluator.Outcome>> outcomes = new LinkedHashMap<>();
        long embedNanos = 0;
        for (EvalSet.Question q : questions) {
            List<SearchHit> lex = engine.search(new SearchRequest(q.text(), Optional.of(l), 100, true));
            long t0 = System.nanoTime();
            float[] qv = model.embed(prefix + q.text()).content().vector();
            List<Scored> dense = new ArrayList<>(vectors.size());
            for (Map.Entry<String, float[]> e : vectors.entrySet()) {
                dense.add(new Scored(e.getKey(), cos(qv, e.getValue())));
            }
            dense.sort(Comparator.comparingDouble(Scored::score).reversed());
            embedNanos += System.nanoTime() - t0;
            for (var v : variants.entrySet()) {
                List<String> ranked = v.getValue().apply(lex, dense);
                List<SearchHit> hits = ranked.stream().limit(Evaluator.DEPTH).map(id -> new SearchHit(id, "", "", 0, l.code())).toList();
                outcomes.computeIfAbsent(v.getKey(), k -> new ArrayList<>())
                        .addAll(Evaluator.run(List.of(q), x -> hits));
            }
            lastQuery = qv;
        }
        System.out.printf(Locale.ROOT, "%s, %s: %.1f ms per query (embedding + %d cosines)%n", l.code(), label,
                embedNanos / 1e6 / questions.size(), vectors.size());
        for (var e : outcomes.entrySet()) {
            Evaluator.Metrics m = Evaluator.metrics(e.getValue());
            System.out.printf(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f | %.3f |%n", l.code(), label, e.getKey(), m.p1(), m.p3(), m.mrr());
        }
        System.out.flush();
    }

    static float[] lastQuery;

    private static Map<String, Double> vectorsOf(List<Scored> dense) {
        Map<String, Double> m = new HashMap<>();
        for (Scored s : dense) {
            m.put(s.id(), s.score());
        }
        return m;
    }

    static List<String> rrf(List<SearchHit> lex, List<Scored> dense) {
        Map<String, Double> fused = new HashMap<>();
        for (int i = 0; i < lex.size(); i++) {
            fused.merge(lex.get(i).articleId(), 1.0 / (60 + i + 1), Double::sum);
        }
        for (int i = 0; i < Math.min(100, dense.size()); i++) {
            fused.merge(dense.get(i).id(), 1.0 / (60 + i + 1), Double::sum);
        }
        return sortedIds(fused);
    }

    static List<String> rerank(List<SearchHit> lex, Map<String, Double> cos, int n) {
        List<String> top = new ArrayList<>(lex.stream().limit(n).map(SearchHit::articleId).toList());
        top.sort(Comparator.comparingDouble((String id) -> cos.getOrDefault(id, -1.0)).reversed());
        List<String> out = new ArrayList<>(top);
        lex.stream().skip(n).map(SearchHit::articleId).forEach(out::add);
        return out;
    }

    static List<String> linear(List<SearchHit> lex, List<Scored> dense, double alpha) {
        Map<String, Double> cos = vectorsOf(dense);
        double max = lex.isEmpty() ? 1 : lex.get(0).score();
        double cmax = dense.get(0).score();
        double cmin = dense.get(Math.min(dense.size() - 1, 49)).score();
        Map<String, Double> score = new HashMap<>();
        for (int i = 0; i < Math.min(50, lex.size()); i++) {
            score.put(lex.get(i).articleId(), 0.0);
        }
        for (int i = 0; i < Math.min(50, dense.size()); i++) {
            score.put(dense.get(i).id(), 0.0);
        }
        Map<String, Double> lexScore = new HashMap<>();
        for (SearchHit h : lex) {
            lexScore.put(h.articleId(), h.score());
        }
        score.replaceAll((id, x) -> alpha * lexScore.getOrDefault(id, 0.0) / max
                + (1 - alpha) * Math.max(0, (cos.getOrDefault(id, cmin) - cmin) / Math.max(1e-9, cmax - cmin)));
        return sortedIds(score);
    }

    private static List<String> sortedIds(Map<String, Double> scores) {
        return scores.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()
                .thenComparing(Map.Entry.comparingByKey())).map(Map.Entry::getKey).toList();
    }

    static void memory(String when) {
        System.gc();
        Runtime r = Runtime.getRuntime();
        String rss = "?";
        try {
            rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(s -> s.startsWith("VmRSS"))
                    .findFirst().orElse("?").replaceAll("\\s+", " ");
        } catch (IOException ignored) {
            // not Linux
        }
        System.out.printf(Locale.ROOT, "  memory %s: heap used %d MB (max %d MB), %s%n", when,
                (r.totalMemory() - r.freeMemory()) >> 20, r.maxMemory() >> 20, rss);
    }
}
