package io.backupkit.dialect.postgres;

import io.backupkit.InvalidArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The strict parser for PostgreSQL data entries. It accepts only what the writer emits:
 *
 * <pre>
 * INSERT INTO "table" ("col", ...) VALUES
 * (literal, ...),
 * (literal, ...);
 * </pre>
 *
 * <p>with a known table and exactly its backed-up columns, and literals that are {@code NULL}, a
 * decimal number, a {@code '...'} string or an {@code E'...'} string whose only escapes are
 * {@code \\}, {@code \r} and {@code \xHH}. Every row is turned into one line of
 * {@code COPY ... FROM STDIN} text format for the staging table, so values reach the server only
 * as data, through the column type's input function, never as SQL. Strings must be valid UTF-8
 * without NUL (PostgreSQL text cannot hold NUL); the error names the entry, table, row and column,
 * never the value.
 */
final class PgInsertParser {

    /** Receives COPY text rows. */
    interface Sink {
        /** A statement for {@code table} starts. */
        void start(String table) throws Exception;

        /** COPY text bytes of whole rows, each ending with a newline. */
        void rows(byte[] buffer, int length) throws Exception;
    }

    private static final int FLUSH_AT = 256 << 10;
    private static final byte[] INSERT_INTO = "INSERT INTO ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] VALUES = "VALUES".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] NULL = "NULL".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Map<String, List<String>> columns;
    private final String entry;
    private final byte[] in = new byte[64 << 10];
    private int pos;
    private int limit;
    private InputStream stream;
    private byte[] out = new byte[FLUSH_AT + (64 << 10)];
    private int outLength;
    private long rows;
    private String table;
    private int column;
    private List<String> tableColumns;

    PgInsertParser(Map<String, List<String>> columns, String entry) {
        this.columns = columns;
        this.entry = entry;
    }

    /** Parses a whole entry; returns the number of rows. */
    long parse(InputStream content, Sink sink) throws Exception {
        this.stream = content;
        while (true) {
            skipSpace();
            if (peek() < 0) {
                break;
            }
            statement(sink);
        }
        return rows;
    }

    private void statement(Sink sink) throws Exception {
        expectBytes(INSERT_INTO, "INSERT INTO");
        table = identifier();
        tableColumns = columns.get(table);
        if (tableColumns == null) {
            throw fail("inserts into '" + PgSchemaValidator.printable(table) + "', which is not a table of the backup");
        }
        skipSpace();
        expect('(');
        List<String> names = new ArrayList<>();
        while (true) {
            skipSpace();
            names.add(identifier());
            skipSpace();
            int c = next();
            if (c == ')') {
                break;
            }
            if (c != ',') {
                throw fail("expected ',' or ')' in the column list");
            }
        }
        if (!names.equals(tableColumns)) {
            throw fail("names columns that differ from the backed-up columns of table '"
                    + PgSchemaValidator.printable(table) + "'");
        }
        skipSpace();
        expectBytes(VALUES, "VALUES");
        sink.start(table);
        while (true) {
            skipSpace();
            expect('(');
            row();
            skipSpace();
            int c = next();
            if (outLength >= FLUSH_AT) {
                sink.rows(out, outLength);
                outLength = 0;
            }
            if (c == ';') {
                break;
            }
            if (c != ',') {
                throw fail("expected ',' or ';' after row " + (rows));
            }
        }
        if (outLength > 0) {
            sink.rows(out, outLength);
            outLength = 0;
        }
    }

    private void row() throws IOException {
        rows++;
        for (column = 0; column < tableColumns.size(); column++) {
            if (column > 0) {
                skipSpace();
                if (next() != ',') {
                    throw fail("row " + rows + " has fewer values than columns");
                }
                put('\t');
            }
            skipSpace();
            value();
        }
        skipSpace();
        if (next() != ')') {
            throw fail("row " + rows + " has more values than columns, or a value that is not a literal");
        }
        put('\n');
    }

    private void value() throws IOException {
        int c = peek();
        if (c == 'N') {
            expectBytes(NULL, "NULL");
            put('\\');
            put('N');
        } else if (c == '\'') {
            pos++;
            string(false);
        } else if (c == 'E' && peekAt(1) == '\'') {
            pos += 2;
            string(true);
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            number();
        } else {
            throw failAt("is not a literal (NULL, a number or a string)");
        }
    }

    private void number() throws IOException {
        int start = outLength;
        if (peek() == '-') {
            put(next());
        }
        int digits = 0;
        while (peek() >= '0' && peek() <= '9') {
            put(next());
            digits++;
        }
        if (peek() == '.') {
            put(next());
            while (peek() >= '0' && peek() <= '9') {
                put(next());
                digits++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            put(next());
            if (peek() == '+' || peek() == '-') {
                put(next());
            }
            int exponent = 0;
            while (peek() >= '0' && peek() <= '9') {
                put(next());
                exponent++;
            }
            if (exponent == 0) {
                digits = 0;
            }
        }
        if (digits == 0 || outLength - start > 4096) {
            throw failAt("is not a valid number");
        }
    }

    /** A string's bytes, checked as UTF-8 and COPY-escaped on the way out. */
    private void string(boolean escapes) throws IOException {
        int pending = 0; // continuation bytes still expected
        int lead = 0;
        while (true) {
            if (pending == 0) {
                // fast path: a run of plain printable ASCII goes out in one copy
                int run = pos;
                while (run < limit) {
                    byte b = in[run];
                    if (b < 0x20 || b == '\'' || b == '\\' || b == 0x7f) {
                        break;
                    }
                    run++;
                }
                if (run > pos) {
                    putAll(in, pos, run - pos);
                    pos = run;
                    continue;
                }
            }
            int c = next();
            if (c < 0) {
                throw failAt("is an unterminated string");
            }
            if (c == '\'') {
                if (peek() == '\'') {
                    pos++;
                } else {
                    break;
                }
            } else if (c == '\\' && escapes) {
                int e = next();
                switch (e) {
                    case '\\' -> c = '\\';
                    case 'r' -> c = '\r';
                    case 'x' -> {
                        int hi = Character.digit(next(), 16);
                        int lo = Character.digit(next(), 16);
                        if (hi < 0 || lo < 0) {
                            throw failAt("has a \\x escape without two hex digits");
                        }
                        c = hi * 16 + lo;
                        if (c >= 0x80) {
                            throw failAt("has a \\x escape of a non-ASCII byte");
                        }
                    }
                    default -> throw failAt("has an escape other than \\\\, \\r and \\xHH");
                }
            }
            if (c == 0) {
                throw failAt("holds a NUL character, which PostgreSQL text cannot store");
            }
            // UTF-8 check, byte by byte
            if (pending > 0) {
                if ((c & 0xc0) != 0x80 || (lead == 0xe0 && pending == 2 && c < 0xa0)
                        || (lead == 0xed && pending == 2 && c > 0x9f) || (lead == 0xf0 && pending == 3 && c < 0x90)
                        || (lead == 0xf4 && pending == 3 && c > 0x8f)) {
                    throw failAt("is not valid UTF-8");
                }
                pending--;
            } else if (c >= 0x80) {
                lead = c;
                if (c >= 0xc2 && c <= 0xdf) {
                    pending = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                    pending = 2;
                } else if (c >= 0xf0 && c <= 0xf4) {
                    pending = 3;
                } else {
                    throw failAt("is not valid UTF-8");
                }
            }
            switch (c) {
                case '\\' -> {
                    put('\\');
                    put('\\');
                }
                case '\n' -> {
                    put('\\');
                    put('n');
                }
                case '\r' -> {
                    put('\\');
                    put('r');
                }
                case '\t' -> {
                    put('\\');
                    put('t');
                }
                default -> put(c);
            }
        }
        if (pending > 0) {
            throw failAt("is not valid UTF-8");
        }
    }

    private String identifier() throws IOException {
        if (next() != '"') {
            throw fail("expected a double-quoted identifier");
        }
        java.io.ByteArrayOutputStream name = new java.io.ByteArrayOutputStream();
        while (true) {
            int c = next();
            if (c < 0 || c == 0 || name.size() > 1024) {
                throw fail("has an unterminated or invalid identifier");
            }
            if (c == '"') {
                if (peek() == '"') {
                    pos++;
                } else {
                    break;
                }
            }
            name.write(c);
        }
        return name.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    private void expectBytes(byte[] word, String what) throws IOException {
        for (byte b : word) {
            if (next() != b) {
                throw fail("expected " + what + (rows == 0 ? "" : " after row " + rows));
            }
        }
    }

    private void expect(int c) throws IOException {
        if (next() != c) {
            throw fail("expected '" + (char) c + "'" + (rows == 0 ? "" : " after row " + rows));
        }
    }

    private void skipSpace() throws IOException {
        while (true) {
            int c = peek();
            if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private void put(int b) {
        if (outLength == out.length) {
            out = java.util.Arrays.copyOf(out, out.length * 2);
        }
        out[outLength++] = (byte) b;
    }

    private void putAll(byte[] source, int from, int count) {
        if (outLength + count > out.length) {
            out = java.util.Arrays.copyOf(out, Math.max(out.length * 2, outLength + count));
        }
        System.arraycopy(source, from, out, outLength, count);
        outLength += count;
    }

    private int peek() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return in[pos] & 0xff;
    }

    private int peekAt(int ahead) throws IOException {
        if (pos + ahead >= limit) {
            // keep it simple: compact and refill so that the look-ahead is in the buffer
            System.arraycopy(in, pos, in, 0, limit - pos);
            limit -= pos;
            pos = 0;
            int n = stream.read(in, limit, in.length - limit);
            if (n > 0) {
                limit += n;
            }
            if (ahead >= limit) {
                return -1;
            }
        }
        return in[pos + ahead] & 0xff;
    }

    private int next() throws IOException {
        int c = peek();
        if (c >= 0) {
            pos++;
        }
        return c;
    }

    private boolean fill() throws IOException {
        pos = 0;
        limit = 0;
        int n = stream.read(in, 0, in.length);
        if (n <= 0) {
            return false;
        }
        limit = n;
        return true;
    }

    private InvalidArchiveException fail(String what) {
        return new InvalidArchiveException("entry '" + entry + "': " + (table == null ? "statement "
                : "table '" + PgSchemaValidator.printable(table) + "': ") + what);
    }

    private InvalidArchiveException failAt(String what) {
        String columnName = tableColumns != null && column < tableColumns.size() ? tableColumns.get(column) : "?";
        return new InvalidArchiveException("entry '" + entry + "': table '" + PgSchemaValidator.printable(table)
                + "', row " + rows + ", column '" + PgSchemaValidator.printable(columnName) + "': the value " + what);
    }
}
