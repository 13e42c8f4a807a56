package io.chatroute.knowledge.domain;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The languages the knowledge base indexes and searches, by their ISO 639-1 code. */
public enum Language {
    EN("en"), RU("ru"), ZH("zh"), HE("he");

    private final String code;

    Language(String code) {
        this.code = code;
    }

    public String code() {
        return code;
    }

    /** The language of a code such as "ru" or a locale such as "ru-RU" / "zh_CN"; empty when unknown or blank. */
    public static Optional<Language> fromCode(String code) {
        if (code == null || code.isBlank()) {
            return Optional.empty();
        }
        String primary = code.trim().toLowerCase(Locale.ROOT).split("[-_]", 2)[0];
        if ("iw".equals(primary)) { // the legacy code of Hebrew, still produced by some Java locales
            primary = "he";
        }
        String p = primary;
        return Arrays.stream(values()).filter(l -> l.code.equals(p)).findFirst();
    }

    /** Exactly one of the supported codes (no locale forms), as required on writes. */
    public static boolean isSupportedCode(String code) {
        return code != null && Arrays.stream(values()).anyMatch(l -> l.code.equals(code));
    }

    public static List<String> codes() {
        return Arrays.stream(values()).map(Language::code).toList();
    }
}
