package io.backupkit.dialect.postgres;

import io.backupkit.InvalidArchiveException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict parser for the data entries of a SQLite backup, for moving data to PostgreSQL. It
 * accepts only what the SQLite writer emits: {@code INSERT INTO "t" ("c", ...) VALUES (...), ...;}
 * with literals {@code NULL}, integers, reals ({@code 9e999} for infinity), {@code '...'} text,
 * {@code X'..'} blobs and {@code CAST(X'..' AS TEXT)} text. Values come out typed, never as SQL.
 */
final class SqliteRowParser {

    /** The storage class of a parsed SQLite value. */
    enum Kind { NULL, INTEGER, REAL, TEXT, BLOB }

    /**
     * One value.
     *
     * @param kind  its storage class
     * @param text  the literal's digits for numbers
     * @param bytes the bytes of text (UTF-8 as stored) and blobs
     */
    record Value(Kind kind, String text, byte[] bytes) {
    }

    /** Receives each row. */
    interface RowSink {
        void row(String table, List<String> columns, Value[] values, long row) throws Exception;
    }

    private final InputStream in;
    private final String entry;
    private int peeked = -2;
    private long rows;

    SqliteRowParser(InputStream in, String entry) {
        this.in = new java.io.BufferedInputStream(in, 1 << 16);
        this.entry = entry;
    }

    long parse(RowSink sink) throws Exception {
        while (true) {
            skipSpace();
            if (peek() < 0) {
                return rows;
            }
            word("INSERT");
            space();
            word("INTO");
            space();
            String table = identifier();
            skipSpace();
            expect('(');
            List<String> columns = new ArrayList<>();
            while (true) {
                skipSpace();
                columns.add(identifier());
                skipSpace();
                int c = next();
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw fail("expected ',' or ')' in the column list");
                }
            }
            skipSpace();
            word("VALUES");
            while (true) {
                skipSpace();
                expect('(');
                Value[] values = new Value[columns.size()];
                rows++;
                for (int i = 0; i < values.length; i++) {
                    skipSpace();
                    if (i > 0) {
                        expect(',');
                        skipSpace();
                    }
                    values[i] = value();
                }
                skipSpace();
                expect(')');
                sink.row(table, columns, values, rows);
                skipSpace();
                int c = next();
                if (c == ';') {
                    break;
                }
                if (c != ',') {
                    throw fail("expected ',' or ';' after row " + rows);
                }
            }
        }
    }

    private Value value() throws IOException {
        int c = peek();
        if (c == 'N') {
            word("NULL");
            return new Value(Kind.NULL, null, null);
        }
        if (c == '\'') {
            next();
            return new Value(Kind.TEXT, null, quoted());
        }
        if (c == 'X' || c == 'x') {
            next();
            expect('\'');
            return new Value(Kind.BLOB, null, hex());
        }
        if (c == 'C') {
            word("CAST(X'");
            byte[] bytes = hex();
            space();
            word("AS");
            space();
            word("TEXT)");
            return new Value(Kind.TEXT, null, bytes);
        }
        StringBuilder number = new StringBuilder();
        if (c == '-') {
            number.append((char) next());
        }
        boolean real = false;
        while (true) {
            int d = peek();
            if (d >= '0' && d <= '9') {
                number.append((char) next());
            } else if (d == '.' || d == 'e' || d == 'E' || ((d == '+' || d == '-') && real
                    && Character.toLowerCase(number.charAt(number.length() - 1)) == 'e')) {
                real = true;
                number.append((char) next());
            } else {
                break;
            }
            if (number.length() > 400) {
                throw fail("row " + rows + ": a number is too long");
            }
        }
        String text = number.toString();
        if (!text.matches(real ? "-?[0-9]*\\.?[0-9]+([eE][-+]?[0-9]+)?"
                : "-?[0-9]{1,19}")) {
            throw fail("row " + rows + ": a value is not a SQLite literal");
        }
        return new Value(real ? Kind.REAL : Kind.INTEGER, text, null);
    }

    private byte[] quoted() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int c = next();
            if (c < 0) {
                throw fail("row " + rows + ": an unterminated string");
            }
            if (c == '\'') {
                if (peek() != '\'') {
                    return out.toByteArray();
                }
                next();
            }
            out.write(c);
        }
    }

    private byte[] hex() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            int c = next();
            if (c == '\'') {
                return out.toByteArray();
            }
            int lo = Character.digit(next(), 16);
            int hi = Character.digit(c, 16);
            if (hi < 0 || lo < 0) {
                throw fail("row " + rows + ": a blob is not hexadecimal");
            }
            out.write(hi * 16 + lo);
        }
    }

    private String identifier() throws IOException {
        expect('"');
        ByteArrayOutputStream name = new ByteArrayOutputStream();
        while (true) {
            int c = next();
            if (c < 0 || name.size() > 1024) {
                throw fail("an unterminated identifier");
            }
            if (c == '"') {
                if (peek() != '"') {
                    return name.toString(StandardCharsets.UTF_8);
                }
                next();
            }
            name.write(c);
        }
    }

    private void word(String word) throws IOException {
        for (int i = 0; i < word.length(); i++) {
            if (next() != word.charAt(i)) {
                throw fail("expected " + word + (rows == 0 ? "" : " after row " + rows));
            }
        }
    }

    private void space() throws IOException {
        if (peek() != ' ') {
            throw fail("expected a space");
        }
        skipSpace();
    }

    private void expect(int c) throws IOException {
        if (next() != c) {
            throw fail("expected '" + (char) c + "'" + (rows == 0 ? "" : " in row " + rows));
        }
    }

    private void skipSpace() throws IOException {
        while (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r') {
            next();
        }
    }

    private int peek() throws IOException {
        if (peeked == -2) {
            peeked = in.read();
        }
        return peeked;
    }

    private int next() throws IOException {
        int c = peek();
        peeked = -2;
        return c;
    }

    private InvalidArchiveException fail(String what) {
        return new InvalidArchiveException("entry '" + entry + "': " + what);
    }
}
