package io.chatroute.history.domain;

import java.util.List;

/**
 * CSV lines (RFC 4180: comma-separated, CRLF line ends, a field with a comma, quote, CR or LF quoted with quotes
 * doubled) that are safe to open in a spreadsheet: a field starting with {@code = + - @}, tab or CR is prefixed with
 * {@code '} so that it is never taken for a formula (OWASP "CSV injection"). Control characters other than tab,
 * CR and LF are removed. A null field is empty.
 */
public final class Csv {

    private Csv() {
    }

    public static String line(List<?> fields) {
        StringBuilder out = new StringBuilder(64);
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                out.append(',');
            }
            field(out, fields.get(i));
        }
        return out.append("\r\n").toString();
    }

    private static void field(StringBuilder out, Object value) {
        if (value == null) {
            return;
        }
        String s = clean(value.toString());
        if (value instanceof String && !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0) {
            s = "'" + s;
        }
        boolean quote = s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0;
        if (quote) {
            out.append('"').append(s.replace("\"", "\"\"")).append('"');
        } else {
            out.append(s);
        }
    }

    private static String clean(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean drop = Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r';
            if (drop && b == null) {
                b = new StringBuilder(s.length()).append(s, 0, i);
            } else if (!drop && b != null) {
                b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }
}
