package io.backupkit.dialect.postgres;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * SQL literals for PostgreSQL.
 *
 * <p>Every value except an integer is written as a quoted string in the server's own text output
 * format (read inside the snapshot with fixed, exact settings: UTC, ISO dates, ISO 8601 intervals,
 * shortest-exact floats, hex bytea). An untyped quoted literal takes the column's type on insert,
 * so the value goes back through the same type's input function: numeric keeps every digit,
 * {@code 'NaN'} and {@code '-Infinity'} stay floats, a timestamptz keeps its instant.
 *
 * <p>Plain {@code '...'} strings are used unless the value holds a backslash or a control
 * character other than newline and tab; those get an {@code E'...'} string in which only
 * {@code \\}, {@code \r} and {@code \xHH} escapes occur, so the text loads the same whatever
 * {@code standard_conforming_strings} says.
 */
final class PgLiterals {

    static final byte[] NULL = "NULL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private PgLiterals() {
    }

    /**
     * Renders one field of {@code COPY ... TO STDOUT} text output (still escaped as COPY escapes it:
     * {@code \\}, {@code \n}, {@code \r}, {@code \t}, {@code \b}, {@code \f}, {@code \v}; {@code \N}
     * is NULL) as a SQL literal.
     *
     * @param bare true for integer columns, whose text is written without quotes
     */
    static void copyFieldToLiteral(byte[] row, int from, int to, boolean bare, ByteSink out) {
        if (to - from == 2 && row[from] == '\\' && row[from + 1] == 'N') {
            out.write(NULL, 0, NULL.length);
            return;
        }
        if (bare) {
            out.write(row, from, to - from);
            return;
        }
        boolean escaped = false;
        for (int i = from; i < to; i++) {
            int b = row[i] & 0xff;
            if (b == '\\') {
                char next = (char) row[i + 1];
                if (next != 'n' && next != 't') {
                    escaped = true;
                    break;
                }
                i++;
            } else if (b < 0x20 && b != '\n' && b != '\t') {
                escaped = true;
                break;
            }
        }
        if (escaped) {
            out.write('E');
        }
        out.write('\'');
        int plain = from;
        for (int i = from; i < to; i++) {
            int b = row[i] & 0xff;
            if (b != '\\' && b != '\'' && (b >= 0x20 || !escaped || b == '\n' || b == '\t')) {
                continue;
            }
            out.write(row, plain, i - plain);
            plain = i + 1;
            if (b == '\\') {
                int next = row[++i];
                plain = i + 1;
                switch (next) {
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case 'r' -> writeEscaped(out, '\r');
                    case 'b' -> writeEscaped(out, 0x08);
                    case 'f' -> writeEscaped(out, 0x0c);
                    case 'v' -> writeEscaped(out, 0x0b);
                    case '\\' -> {
                        out.write('\\');
                        out.write('\\');
                    }
                    default -> throw new IllegalStateException("unexpected COPY escape \\" + (char) next);
                }
            } else if (b == '\'') {
                out.write('\'');
                out.write('\'');
            } else {
                writeEscaped(out, b);
            }
        }
        out.write(row, plain, to - plain);
        out.write('\'');
    }

    private static void writeEscaped(ByteSink out, int control) {
        if (control == '\r') {
            out.write('\\');
            out.write('r');
            return;
        }
        out.write('\\');
        out.write('x');
        out.write(HEX[control >> 4]);
        out.write(HEX[control & 0xf]);
    }

    /** Decodes one COPY text field into its value's raw UTF-8 bytes; null for {@code \N}. */
    static byte[] unescapeCopyField(byte[] row, int from, int to) {
        if (to - from == 2 && row[from] == '\\' && row[from + 1] == 'N') {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            int b = row[i];
            if (b == '\\') {
                int next = row[++i];
                out.write(switch (next) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> 0x08;
                    case 'f' -> 0x0c;
                    case 'v' -> 0x0b;
                    default -> next;
                });
            } else {
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    /**
     * Renders a Java value (from a redactor): {@code null}, integers bare, {@link Double} and
     * {@link Float} as their exact decimal text (or {@code 'NaN'}, {@code 'Infinity'}),
     * {@code byte[]} as hex bytea text, anything else as its string form.
     */
    static byte[] literal(Object value) {
        if (value == null) {
            return NULL.clone();
        }
        if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return value.toString().getBytes(StandardCharsets.US_ASCII);
        }
        String text;
        if (value instanceof Double d) {
            text = d.isNaN() ? "NaN" : d.isInfinite() ? (d > 0 ? "Infinity" : "-Infinity") : d.toString();
        } else if (value instanceof Float f) {
            text = f.isNaN() ? "NaN" : f.isInfinite() ? (f > 0 ? "Infinity" : "-Infinity") : f.toString();
        } else if (value instanceof BigDecimal b) {
            text = b.toPlainString();
        } else if (value instanceof byte[] bytes) {
            StringBuilder hex = new StringBuilder(2 + bytes.length * 2).append("\\x");
            for (byte b : bytes) {
                hex.append((char) HEX[(b >> 4) & 0xf]).append((char) HEX[b & 0xf]);
            }
            text = hex.toString();
        } else {
            text = value.toString();
        }
        return quote(text);
    }

    /** A string literal holding exactly {@code text}. */
    static byte[] quote(String text) {
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("PostgreSQL text cannot hold a NUL character");
        }
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        ByteSink out = new ByteSink(utf8.length + 3);
        boolean escaped = false;
        for (byte b : utf8) {
            if (b == '\\' || (b >= 0 && b < 0x20 && b != '\n' && b != '\t')) {
                escaped = true;
                break;
            }
        }
        if (escaped) {
            out.write('E');
        }
        out.write('\'');
        for (byte value : utf8) {
            int b = value & 0xff;
            if (b == '\'') {
                out.write('\'');
                out.write('\'');
            } else if (b == '\\') {
                out.write('\\');
                out.write('\\');
            } else if (b < 0x20 && b != '\n' && b != '\t') {
                writeEscaped(out, b);
            } else {
                out.write(b);
            }
        }
        out.write('\'');
        return out.toByteArray();
    }

    /** A string literal for SQL text that this dialect generates, such as a comment or an enum label. */
    static String quoteString(String text) {
        return new String(quote(text), StandardCharsets.UTF_8);
    }

    /** Quotes an identifier, always, so that any name is safe and keeps its case. */
    static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
