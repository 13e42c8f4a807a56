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

    /**
     * The language a text is written in, judged by its letters' scripts: Cyrillic is Russian, Hebrew letters
     * Hebrew, Han characters Chinese, Latin letters English. Empty when the text has no letters or no script
     * has at least {@code share} of them (a mixed text).
     */
    public static Optional<Language> ofScript(String text, double share) {
        if (text == null) {
            return Optional.empty();
        }
        int[] counts = new int[values().length];
        int letters = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (!Character.isLetter(cp)) {
                continue;
            }
            Character.UnicodeScript script = Character.UnicodeScript.of(cp);
            Language l = switch (script) {
                case CYRILLIC -> RU;
                case HEBREW -> HE;
                case HAN -> ZH;
                case LATIN -> EN;
                default -> null;
            };
            letters++;
            if (l != null) {
                counts[l.ordinal()]++;
            }
        }
        if (letters == 0) {
            return Optional.empty();
        }
        for (Language l : values()) {
            // a Han character carries about as much as a word of the other scripts: count it triple
            double weight = l == ZH ? 3 : 1;
            double total = letters + counts[ZH.ordinal()] * 2.0;
            if (counts[l.ordinal()] * weight >= share * total) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    public static List<String> codes() {
        return Arrays.stream(values()).map(Language::code).toList();
    }
}
