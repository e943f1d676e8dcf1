package io.backupkit.dialect.sqlite;

import io.backupkit.InvalidArchiveException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The strict reader of an archive's finish entry, which the SQLite dialect writes as
 *
 * <pre>
 * DELETE FROM sqlite_sequence WHERE name = 'tickets';
 * INSERT INTO sqlite_sequence(name, seq) VALUES('tickets', 120);
 * PRAGMA user_version = 7;
 * PRAGMA application_id = 0;
 * </pre>
 *
 * (see {@code SqliteSnapshot.readSchema}). It returns the values so that restore sets them itself,
 * with statements of its own; nothing of the entry is executed. Any other statement, pragma or
 * table, an INSERT without the DELETE of the same name before it, a repeated name or setting, a
 * missing setting, or a value of the wrong type is an {@link InvalidArchiveException} naming the
 * entry and line. Keywords are case-insensitive; whitespace between tokens is free.
 */
final class SqliteFinishParser {

    /**
     * What the finish entry sets.
     *
     * @param sequences     AUTOINCREMENT counters by table name, in the entry's order
     * @param userVersion   {@code PRAGMA user_version}
     * @param applicationId {@code PRAGMA application_id}
     */
    record Finish(Map<String, Long> sequences, int userVersion, int applicationId) {
        Finish {
            sequences = Collections.unmodifiableMap(new LinkedHashMap<>(sequences));
        }
    }

    /** A finish entry holds a few statements per table; this bounds a forged one. */
    private static final long MAX_STATEMENT_BYTES = 1024 * 1024;

    private final String entryName;

    /** @param entryName the entry's name in the archive, for messages */
    SqliteFinishParser(String entryName) {
        this.entryName = Objects.requireNonNull(entryName, "entryName");
    }

    /**
     * Reads the whole entry.
     *
     * @throws InvalidArchiveException if it holds anything but the statements above
     * @throws IOException             if reading the stream fails
     */
    Finish parse(InputStream in) throws IOException {
        SqlEntryLexer lexer = new SqlEntryLexer(in, entryName, (int) MAX_STATEMENT_BYTES);
        Map<String, Long> sequences = new LinkedHashMap<>();
        Integer userVersion = null;
        Integer applicationId = null;
        String deleted = null;
        while (true) {
            lexer.skipSpace();
            if (lexer.atEnd()) {
                break;
            }
            int line = lexer.line();
            lexer.startStatement(MAX_STATEMENT_BYTES);
            String keyword = lexer.word();
            if (keyword == null) {
                throw lexer.fail("expected a statement or the end of the entry but found " + lexer.describeNext());
            }
            if (deleted != null && !keyword.equalsIgnoreCase("INSERT")) {
                throw lexer.fail(line, "the DELETE of the sequence of " + SqlEntryLexer.printable(deleted)
                        + " is not followed by its INSERT");
            }
            if (keyword.equalsIgnoreCase("DELETE")) {
                lexer.expectWord("FROM", "after DELETE");
                expectSequenceTable(lexer);
                lexer.expectWord("WHERE", "after DELETE FROM sqlite_sequence");
                lexer.expectWord("name", "after WHERE");
                lexer.expect('=', "'=' after WHERE name");
                deleted = tableName(lexer);
                if (sequences.containsKey(deleted)) {
                    throw lexer.fail(line, "the sequence of " + SqlEntryLexer.printable(deleted) + " is set twice");
                }
            } else if (keyword.equalsIgnoreCase("INSERT")) {
                lexer.expectWord("INTO", "after INSERT");
                expectSequenceTable(lexer);
                lexer.expect('(', "'(' after INSERT INTO sqlite_sequence");
                lexer.expectWord("name", "as the first column of sqlite_sequence");
                lexer.expect(',', "',' between name and seq");
                lexer.expectWord("seq", "as the second column of sqlite_sequence");
                lexer.expect(')', "')' after name, seq");
                lexer.expectWord("VALUES", "after the column list");
                lexer.expect('(', "'(' after VALUES");
                String table = tableName(lexer);
                lexer.expect(',', "',' after the table name");
                Object seq = lexer.literal();
                int at = lexer.tokenLine();
                if (!(seq instanceof Long)) {
                    throw lexer.fail(at, "the sequence of " + SqlEntryLexer.printable(table)
                            + " is not an integer");
                }
                lexer.expect(')', "')' after the sequence value");
                if (!table.equals(deleted)) {
                    throw lexer.fail(line, "the INSERT of the sequence of " + SqlEntryLexer.printable(table)
                            + " does not follow the DELETE of the same name");
                }
                sequences.put(table, (Long) seq);
                deleted = null;
            } else if (keyword.equalsIgnoreCase("PRAGMA")) {
                String pragma = lexer.word();
                int at = lexer.tokenLine();
                if (pragma == null) {
                    throw lexer.unexpected("a pragma name");
                }
                boolean user = pragma.equalsIgnoreCase("user_version");
                if (!user && !pragma.equalsIgnoreCase("application_id")) {
                    throw lexer.fail(at, "PRAGMA " + pragma + " is not allowed; a finish entry may only set"
                            + " user_version and application_id");
                }
                lexer.expect('=', "'=' after PRAGMA " + pragma);
                int value = int32(lexer, pragma);
                if (user ? userVersion != null : applicationId != null) {
                    throw lexer.fail(at, "PRAGMA " + pragma + " is set twice");
                }
                if (user) {
                    userVersion = value;
                } else {
                    applicationId = value;
                }
            } else {
                throw lexer.fail(line, "found a " + keyword + " statement; a finish entry may only hold the"
                        + " sqlite_sequence DELETE/INSERT pairs and PRAGMA user_version/application_id");
            }
            lexer.expect(';', "';' ending the statement");
            lexer.endStatement();
        }
        if (deleted != null) {
            throw lexer.fail("the DELETE of the sequence of " + SqlEntryLexer.printable(deleted)
                    + " is not followed by its INSERT");
        }
        if (userVersion == null || applicationId == null) {
            throw lexer.fail("the entry does not set PRAGMA " + (userVersion == null ? "user_version" : "application_id")
                    + "; the writer always sets both");
        }
        return new Finish(sequences, userVersion, applicationId);
    }

    private static void expectSequenceTable(SqlEntryLexer lexer) throws IOException {
        String table = lexer.word();
        int at = lexer.tokenLine();
        if (table == null) {
            throw lexer.unexpected("sqlite_sequence");
        }
        if (!table.equalsIgnoreCase("sqlite_sequence")) {
            throw lexer.fail(at, "table " + table + " is not allowed; a finish entry may only write sqlite_sequence");
        }
    }

    private static String tableName(SqlEntryLexer lexer) throws IOException {
        Object name = lexer.literal();
        int at = lexer.tokenLine();
        if (!(name instanceof String)) {
            throw lexer.fail(at, "a sequence's table name must be a UTF-8 string literal");
        }
        return (String) name;
    }

    private static int int32(SqlEntryLexer lexer, String pragma) throws IOException {
        Object value = lexer.literal();
        int at = lexer.tokenLine();
        if (!(value instanceof Long) || (Long) value != ((Long) value).intValue()) {
            throw lexer.fail(at, "PRAGMA " + pragma + " must be set to a 32-bit integer");
        }
        return ((Long) value).intValue();
    }
}
