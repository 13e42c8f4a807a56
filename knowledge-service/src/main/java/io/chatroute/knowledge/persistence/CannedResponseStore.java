package io.chatroute.knowledge.persistence;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

import io.chatroute.knowledge.domain.CannedResponse;
import io.chatroute.knowledge.domain.Language;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Canned responses in PostgreSQL. */
@ApplicationScoped
public class CannedResponseStore {

    /** The unique index on (lower(shortcut), language) (V1__knowledge.sql). */
    public static final String SHORTCUT_INDEX = "canned_response_shortcut_language_uq";

    /** Thrown when another canned response already uses the shortcut in that language. */
    public static final class ShortcutTakenException extends RuntimeException {
        public final String otherId;

        public ShortcutTakenException(String otherId) {
            super("shortcut already used by " + otherId);
            this.otherId = otherId;
        }
    }

    private final CannedResponseRepository repository;

    public CannedResponseStore(CannedResponseRepository repository) {
        this.repository = repository;
    }

    public Uni<PutResult<CannedResponse>> put(String id, String shortcut, String text, Optional<Language> language) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String code = language.map(Language::code).orElse(null);
        // a unique violation is run again once: two PUTs creating the same new id at once (the second then replaces
        // the first), or a shortcut taken meanwhile (the check then sees it: 409 naming the other response)
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> {
            // lower() on both sides, in PostgreSQL, as the unique index compares: Java's toLowerCase differs for
            // some letters ('İ' gives "i" + U+0307 in Java, "i" in PostgreSQL), and then the index refused the write
            Uni<CannedResponseEntity> clash = code == null
                    ? repository.find("lower(shortcut) = lower(?1) and language is null and id <> ?2", shortcut, id).firstResult()
                    : repository.find("lower(shortcut) = lower(?1) and language = ?2 and id <> ?3", shortcut, code, id).firstResult();
            return clash.flatMap(other -> {
                if (other != null) {
                    return Uni.createFrom().failure(new ShortcutTakenException(other.id));
                }
                return repository.findById(id).flatMap(existing -> {
                    boolean created = existing == null;
                    CannedResponseEntity e = created ? new CannedResponseEntity() : existing;
                    if (created) {
                        e.id = id;
                        e.createdAt = now;
                    }
                    e.shortcut = shortcut;
                    e.text = text;
                    e.language = code;
                    e.updatedAt = now;
                    Uni<CannedResponseEntity> saved = created ? repository.persist(e) : Uni.createFrom().item(e);
                    return saved.map(s -> new PutResult<>(toDomain(s), created));
                });
            });
        })).onFailure(UniqueViolation::in).retry().atMost(1);
    }

    public Uni<Optional<CannedResponse>> get(String id) {
        return Panache.withSession(() -> repository.findById(id)).map(e -> Optional.ofNullable(e).map(CannedResponseStore::toDomain));
    }

    /** Canned responses whose shortcut starts with {@code prefix} (case-insensitive), optionally of one language (or any). */
    public Uni<List<CannedResponse>> byPrefix(String prefix, Optional<Language> language, int limit) {
        // lower case in SQL on both sides, as the shortcut clash check does: Java's and PostgreSQL's lower case differ
        // ("İ" is "i̇" in Java, "i" in PostgreSQL), so "/İ" would miss "/iade"
        String pattern = escapeLike(prefix) + "%";
        Uni<List<CannedResponseEntity>> rows = language
                .map(l -> Panache.withSession(() -> repository
                        .find("lower(shortcut) like lower(?1) escape '!' and (language = ?2 or language is null) order by lower(shortcut), language",
                                pattern, l.code())
                        .page(0, limit).list()))
                .orElseGet(() -> Panache.withSession(() -> repository
                        .find("lower(shortcut) like lower(?1) escape '!' order by lower(shortcut), language", pattern)
                        .page(0, limit).list()));
        return rows.map(list -> list.stream().map(CannedResponseStore::toDomain).toList());
    }

    public Uni<Boolean> delete(String id) {
        return Panache.withTransaction(() -> repository.deleteById(id));
    }

    static String escapeLike(String s) {
        return s.replace("!", "!!").replace("%", "!%").replace("_", "!_");
    }

    static CannedResponse toDomain(CannedResponseEntity e) {
        return new CannedResponse(e.id, e.shortcut, e.text, Language.fromCode(e.language).orElse(null), e.updatedAt);
    }
}
