package io.backupkit.dialect.sqlite;

import io.backupkit.InvalidArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The strict reader of an archive's data entries: restore binds what it returns as parameters and
 * never executes the entry's text.
 *
 * <p>An entry is a sequence of statements exactly of the form the writer produces,
 *
 * <pre>
 * INSERT INTO "table" ("column",...) VALUES
 * (literal,...),
 * (literal,...);
 * </pre>
 *
 * where the table and every column must be in the allowed schema (exact names: the writer copies
 * them from the database, so a different spelling means a different archive), no column appears
 * twice, and every row has one literal per column. A literal is {@code NULL}, an integer that fits
 * in 64 bits, a REAL, {@code '...'}, {@code X'...'} or {@code CAST(X'...' AS TEXT)}; keywords are
 * case-insensitive and whitespace between tokens is free, as in SQLite. Anything else is an
 * {@link InvalidArchiveException} naming the entry, the line and the problem: another statement,
 * an expression, a function call, an identifier where a value belongs, a comment, bytes after the
 * last {@code ;}, a malformed literal, or a statement or value over the {@link Limits}.
 *
 * <p>Values are handed over as {@code null}, {@link Long}, {@link Double}, {@link String} (TEXT
 * that is valid UTF-8), {@link SqliteText} (TEXT that is not) or {@link SqliteBlob}. TEXT is
 * classified by its bytes, not by how the literal spelled it, so equal values are always equal
 * objects. A quoted TEXT literal may hold any byte but NUL, CR included: {@link SqliteLiterals}
 * writes CR raw, and bound as a parameter it stays exact. A REAL is parsed correctly rounded, the
 * way the writer's shortest round-trip digits were produced, with {@code 9e999} overflowing to
 * infinity as in SQLite.
 *
 * <p>The entry is read as a stream; rows are handed to the {@link RowSink} as soon as each is
 * complete, so memory holds one row and a fixed window, whatever the entry's size. Rows handed over
 * before a rejection were valid; the caller discards them with the rest of the restore. Instances
 * are not thread-safe: one parser per entry.
 */
final class SqliteInsertParser {

    /**
     * Bounds on what one entry may make the parser hold.
     *
     * <p>The defaults allow any statement the writer produces for ordinary tables (it ends a
     * statement after 256 KiB), with room for single rows holding values of tens of megabytes.
     *
     * @param maxStatementBytes the most bytes one INSERT statement may span
     * @param maxValueBytes     the most bytes one TEXT or BLOB value may hold, once decoded
     */
    record Limits(long maxStatementBytes, int maxValueBytes) {

        /** 64 MiB for both. */
        static final Limits DEFAULT = new Limits(64L * 1024 * 1024, 64 * 1024 * 1024);

        Limits {
            if (maxStatementBytes < 1 || maxValueBytes < 1) {
                throw new IllegalArgumentException("limits must be positive: " + maxStatementBytes + ", "
                        + maxValueBytes);
            }
        }
    }

    /**
     * Receives each row as soon as it is parsed.
     *
     * @param <X> what the sink may throw, for example {@link java.sql.SQLException} when it binds
     */
    @FunctionalInterface
    interface RowSink<X extends Exception> {
        /**
         * @param table   the table, as spelled in the allowed schema
         * @param columns the statement's columns in its order; the same instance for every row of
         *                one statement, so a sink can keep one prepared statement per instance
         * @param values  one value per column; a new array for every row, which the sink may keep
         */
        void row(String table, List<String> columns, Object[] values) throws X;
    }

    private final Map<String, Map<String, Integer>> tables;
    private final String entryName;
    private final Limits limits;
    private boolean textAsBytes;

    /**
     * @param schema    every table a data entry may fill, with the columns it may name
     * @param entryName the entry's name in the archive, for messages
     */
    SqliteInsertParser(Map<String, List<String>> schema, String entryName) {
        this(schema, entryName, Limits.DEFAULT);
    }

    SqliteInsertParser(Map<String, List<String>> schema, String entryName, Limits limits) {
        this.entryName = Objects.requireNonNull(entryName, "entryName");
        this.limits = Objects.requireNonNull(limits, "limits");
        Map<String, Map<String, Integer>> copy = new HashMap<>();
        schema.forEach((table, columns) -> {
            Map<String, Integer> index = new LinkedHashMap<>();
            for (String column : columns) {
                if (index.putIfAbsent(column, index.size()) != null) {
                    throw new IllegalArgumentException("table " + table + " lists column " + column + " twice");
                }
            }
            copy.put(table, index);
        });
        this.tables = copy;
    }

    /**
     * Hands every TEXT value to the sink as {@link SqliteText} bytes, neither checked as UTF-8 nor
     * decoded (see {@link SqlEntryLexer#textAsBytes()}); for the staging load, which binds bytes.
     */
    SqliteInsertParser textAsBytes() {
        this.textAsBytes = true;
        return this;
    }

    /**
     * Parses the whole entry, handing each row to the sink.
     *
     * @return the number of rows
     * @throws InvalidArchiveException if the entry is anything but valid INSERT statements
     * @throws IOException             if reading the stream fails
     */
    <X extends Exception> long parse(InputStream in, RowSink<X> sink) throws IOException, X {
        SqlEntryLexer lexer = new SqlEntryLexer(in, entryName, limits.maxValueBytes());
        if (textAsBytes) {
            lexer.textAsBytes();
        }
        long rows = 0;
        while (true) {
            lexer.skipSpace();
            if (lexer.atEnd()) {
                return rows;
            }
            int statementLine = lexer.line();
            lexer.startStatement(limits.maxStatementBytes());
            String keyword = lexer.word();
            if (keyword == null) {
                throw lexer.fail("expected an INSERT statement or the end of the entry but found "
                        + lexer.describeNext());
            }
            if (!keyword.equalsIgnoreCase("INSERT")) {
                throw lexer.fail("found a " + keyword + " statement; a data entry may only hold"
                        + " INSERT INTO <table> (<columns>) VALUES (...) statements");
            }
            lexer.expectWord("INTO", "after INSERT");
            String table = lexer.identifier("the table name");
            int tableLine = lexer.tokenLine();
            Map<String, Integer> known = tables.get(table);
            if (known == null) {
                throw lexer.fail(tableLine, "unknown table " + SqlEntryLexer.printable(table)
                        + ": it is not in the backup's schema");
            }
            List<String> columns = columns(lexer, table, known);
            lexer.expectWord("VALUES", "after the column list");
            int width = columns.size();
            while (true) {
                lexer.expect('(', "'(' starting a row");
                int rowLine = lexer.line();
                Object[] values = new Object[width];
                int count = 0;
                while (true) {
                    lexer.skipSpace();
                    if (count == width) {
                        throw lexer.fail(rowLine, "row has more values than the " + width + " columns of the"
                                + " statement (line " + statementLine + ")");
                    }
                    values[count++] = lexer.literal();
                    lexer.skipSpace();
                    int c = lexer.peek();
                    if (c == ',') {
                        lexer.skip();
                    } else if (c == ')') {
                        lexer.skip();
                        break;
                    } else {
                        throw lexer.unexpected("',' or ')' after a value");
                    }
                }
                if (count != width) {
                    throw lexer.fail(rowLine, "row has " + count + " values but the statement (line "
                            + statementLine + ") names " + width + " columns");
                }
                lexer.checkStatementSize();
                sink.row(table, columns, values);
                rows++;
                lexer.skipSpace();
                int c = lexer.peek();
                if (c == ',') {
                    lexer.skip();
                } else if (c == ';') {
                    lexer.skip();
                    break;
                } else {
                    throw lexer.unexpected("',' or ';' after a row");
                }
            }
            lexer.endStatement();
        }
    }

    /** The parenthesised column list: known columns, each once. */
    private static List<String> columns(SqlEntryLexer lexer, String table, Map<String, Integer> known)
            throws IOException {
        lexer.expect('(', "'(' starting the column list");
        List<String> columns = new ArrayList<>(known.size());
        boolean[] seen = new boolean[known.size()];
        while (true) {
            String column = lexer.identifier("a column name");
            int at = lexer.tokenLine();
            Integer index = known.get(column);
            if (index == null) {
                throw lexer.fail(at, "unknown column " + SqlEntryLexer.printable(column) + " of table "
                        + SqlEntryLexer.printable(table) + ": it is not in the backup's schema");
            }
            if (seen[index]) {
                throw lexer.fail(at, "column " + SqlEntryLexer.printable(column) + " is named twice");
            }
            seen[index] = true;
            columns.add(column);
            lexer.skipSpace();
            int c = lexer.peek();
            if (c == ',') {
                lexer.skip();
            } else if (c == ')') {
                lexer.skip();
                return List.copyOf(columns);
            } else {
                throw lexer.unexpected("',' or ')' in the column list");
            }
        }
    }
}
