package io.backupkit.dialect.sqlite;

import io.backupkit.InvalidArchiveException;
import io.backupkit.dialect.sqlite.SqliteTokenizer.Token;
import io.backupkit.dialect.sqlite.SqliteTokenizer.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether a schema statement from an archive may be executed as it stands. Schema
 * statements are the one kind of archive text restore runs verbatim (sqlite_schema keeps the
 * original text of every CREATE, and only that text recreates an object exactly), so each must be
 * exactly one statement of a harmless kind:
 *
 * <ul>
 *   <li>{@code CREATE TABLE}, {@code CREATE [UNIQUE] INDEX}, {@code CREATE VIEW}, {@code CREATE
 *       TRIGGER} or {@code CREATE VIRTUAL TABLE}, optionally {@code IF NOT EXISTS}, in the main
 *       database (not {@code TEMP}, not another schema);
 *   <li>{@code ANALYZE sqlite_schema}, which the writer uses to recreate {@code sqlite_stat1} like
 *       {@code sqlite3}'s {@code .dump};
 *   <li>{@code INSERT INTO "t"("t") VALUES('rebuild')} for a known table {@code t}, which the writer
 *       emits to rebuild an external-content full-text index (see {@code SqliteSnapshot}).
 * </ul>
 *
 * <p>The text is tokenized as SQLite tokenizes it, so strings, quoted names and comments cannot
 * hide anything. Rejected, naming the object and the reason: a second statement; the words ATTACH,
 * DETACH, PRAGMA or VACUUM anywhere outside strings and quoted names; a call of {@code
 * load_extension} or {@code fts3_tokenizer} (which can load code or install a native pointer);
 * virtual table modules other than fts3, fts4, fts5, rtree and rtree_i32; {@code CREATE TABLE ...
 * AS SELECT} (a table must come with its declared columns); and trigger bodies with a statement
 * other than INSERT, UPDATE, DELETE or SELECT, or that write to a table not among the known ones:
 * a trigger is code that runs later, on the live database, with the application's privileges.
 *
 * <p>The word check is deliberately blunt: a column named {@code pragma} without quotes is
 * rejected too. Such names are rare; quoted, they pass.
 */
final class SqliteSchemaValidator {

    /** What a validated statement creates or does. */
    enum Kind { TABLE, INDEX, VIEW, TRIGGER, VIRTUAL_TABLE, ANALYZE, FTS_REBUILD }

    /**
     * A statement that passed.
     *
     * @param kind what it is
     * @param name the object it creates, or {@code sqlite_stat1} / the rebuilt table
     * @param sql  the statement, unchanged
     */
    record Statement(Kind kind, String name, String sql) {
    }

    private static final Set<String> FORBIDDEN_WORDS = Set.of("attach", "detach", "pragma", "vacuum");
    private static final Set<String> FORBIDDEN_FUNCTIONS = Set.of("load_extension", "fts3_tokenizer");
    private static final Set<String> MODULES = Set.of("fts3", "fts4", "fts5", "rtree", "rtree_i32");

    private final Set<String> knownTables;
    private final String entryName;

    /**
     * @param knownTables the backup's tables (and any views that triggers may write through);
     *                    compared as SQLite compares names, ignoring ASCII case
     * @param entryName   the entry the statements come from, for messages
     */
    SqliteSchemaValidator(Collection<String> knownTables, String entryName) {
        this.entryName = Objects.requireNonNull(entryName, "entryName");
        Set<String> folded = new HashSet<>();
        for (String table : knownTables) {
            folded.add(SqliteTokenizer.asciiLower(table));
        }
        this.knownTables = Set.copyOf(folded);
    }

    /**
     * Checks one statement, given without its terminating {@code ;}.
     *
     * @throws InvalidArchiveException if it may not be executed, naming the object and the reason
     */
    Statement validate(String sql) {
        List<Token> tokens;
        try {
            tokens = SqliteTokenizer.tokenize(sql);
        } catch (IllegalArgumentException e) {
            throw reject(describeStart(sql), e.getMessage());
        }
        if (tokens.isEmpty()) {
            throw reject("an empty statement", "there is nothing to execute");
        }
        Token first = tokens.get(0);
        if (first.is("ANALYZE")) {
            if (tokens.size() == 2 && tokens.get(1).is("sqlite_schema")) {
                return new Statement(Kind.ANALYZE, "sqlite_stat1", sql);
            }
            throw reject("an ANALYZE statement", "only ANALYZE sqlite_schema is allowed");
        }
        if (first.is("INSERT")) {
            return ftsRebuild(tokens, sql);
        }
        if (!first.is("CREATE")) {
            throw reject("a " + (first.type() == Type.WORD ? first.value().toUpperCase(java.util.Locale.ROOT)
                    : "'" + first.value() + "'") + " statement", "only CREATE TABLE, INDEX, VIEW, TRIGGER or"
                    + " VIRTUAL TABLE may be executed from an archive");
        }

        Cursor c = new Cursor(tokens);
        c.next();
        if (c.peekIs("TEMP") || c.peekIs("TEMPORARY")) {
            throw reject("a CREATE " + c.peek().value().toUpperCase(java.util.Locale.ROOT) + " statement",
                    "temporary objects are not part of a backup, and a TEMP trigger could watch the main"
                            + " database");
        }
        Kind kind;
        if (c.peekIs("UNIQUE")) {
            c.next();
            if (!c.peekIs("INDEX")) {
                throw reject("a CREATE UNIQUE statement", "UNIQUE must be followed by INDEX");
            }
            c.next();
            kind = Kind.INDEX;
        } else if (c.peekIs("TABLE")) {
            c.next();
            kind = Kind.TABLE;
        } else if (c.peekIs("INDEX")) {
            c.next();
            kind = Kind.INDEX;
        } else if (c.peekIs("VIEW")) {
            c.next();
            kind = Kind.VIEW;
        } else if (c.peekIs("TRIGGER")) {
            c.next();
            kind = Kind.TRIGGER;
        } else if (c.peekIs("VIRTUAL")) {
            c.next();
            if (!c.peekIs("TABLE")) {
                throw reject("a CREATE VIRTUAL statement", "VIRTUAL must be followed by TABLE");
            }
            c.next();
            kind = Kind.VIRTUAL_TABLE;
        } else {
            throw reject("a CREATE " + (c.atEnd() ? "" : c.peek().value()) + " statement",
                    "only CREATE TABLE, INDEX, VIEW, TRIGGER or VIRTUAL TABLE are allowed");
        }
        String what = kind.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        if (c.peekIs("IF")) {
            c.next();
            c.expectWord("NOT", "a " + what);
            c.expectWord("EXISTS", "a " + what);
        }
        if (c.atEnd() || !c.peek().isName()) {
            throw reject("a " + what, "no name after CREATE " + what.toUpperCase(java.util.Locale.ROOT));
        }
        String name = c.next().value();
        if (c.peekType(Type.DOT)) {
            c.next();
            if (!SqliteTokenizer.asciiEqualsIgnoreCase(name, "main")) {
                throw reject(what + " " + SqlEntryLexer.printable(name) + "....",
                        "it creates an object in database " + SqlEntryLexer.printable(name) + "; only main is"
                                + " restored");
            }
            if (c.atEnd() || !c.peek().isName()) {
                throw reject("a " + what, "no name after main.");
            }
            name = c.next().value();
        }
        String subject = what + " " + SqlEntryLexer.printable(name);

        scanWholeStatement(tokens, subject, kind);
        switch (kind) {
            case TABLE -> checkTable(c, subject);
            case VIRTUAL_TABLE -> checkVirtualTable(c, subject);
            case INDEX -> checkIndex(c, subject);
            case VIEW -> checkView(c, subject);
            case TRIGGER -> checkTrigger(c, subject);
            default -> throw new IllegalStateException(kind.name());
        }
        return new Statement(kind, name, sql);
    }

    /**
     * Splits a schema entry as the writer lays it out, each statement followed by {@code ;}, into
     * its statements without the {@code ;}, exactly as they were written. A {@code ;} inside a
     * trigger body does not end the trigger: like {@code sqlite3_complete}, a CREATE TRIGGER ends
     * only at {@code ; END ;}.
     *
     * @throws InvalidArchiveException if the text does not tokenize or its last statement has no
     *                                 {@code ;}
     */
    static List<String> splitStatements(String entryText, String entryName) {
        List<Token> tokens;
        try {
            tokens = SqliteTokenizer.tokenize(entryText);
        } catch (IllegalArgumentException e) {
            throw new InvalidArchiveException("entry " + entryName + ": " + e.getMessage().replace(
                    " of the statement", " of the entry"));
        }
        List<String> statements = new ArrayList<>();
        int start = -1;
        boolean trigger = false;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (start < 0) {
                if (t.type() == Type.SEMI) {
                    continue; // an empty statement, as sqlite3 skips it
                }
                start = i;
                int k = i + 1;
                if (t.is("CREATE") && k < tokens.size() && (tokens.get(k).is("TEMP") || tokens.get(k).is("TEMPORARY"))) {
                    k++;
                }
                trigger = t.is("CREATE") && k < tokens.size() && tokens.get(k).is("TRIGGER");
            }
            if (t.type() != Type.SEMI) {
                continue;
            }
            boolean ends = !trigger || (i >= 2 && tokens.get(i - 1).is("END") && tokens.get(i - 2).type() == Type.SEMI);
            if (ends) {
                statements.add(entryText.substring(tokens.get(start).start(), t.start()));
                start = -1;
            }
        }
        if (start >= 0) {
            throw new InvalidArchiveException("entry " + entryName + ": the last statement ("
                    + describeStart(entryText.substring(tokens.get(start).start())) + ") is not terminated by ';'"
                    + (trigger ? " after the trigger's END" : ""));
        }
        return statements;
    }

    // ---------------------------------------------------------------------------------------------

    /**
     * Checks that hold for every kind: no forbidden word or function anywhere, balanced
     * parentheses, and no {@code ;} except between the statements of a trigger body.
     */
    private void scanWholeStatement(List<Token> tokens, String subject, Kind kind) {
        int depth = 0;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.type() == Type.WORD && FORBIDDEN_WORDS.contains(SqliteTokenizer.asciiLower(t.value()))) {
                throw reject(subject, "it contains the keyword " + t.value().toUpperCase(java.util.Locale.ROOT)
                        + ", which never belongs in a schema statement");
            }
            boolean call = i + 1 < tokens.size() && tokens.get(i + 1).type() == Type.LPAREN;
            if (t.isName() && (call || t.type() != Type.STRING)
                    && FORBIDDEN_FUNCTIONS.contains(SqliteTokenizer.asciiLower(t.value()))) {
                throw reject(subject, "it refers to " + SqliteTokenizer.asciiLower(t.value())
                        + "(), which can load native code or hand SQLite a native pointer");
            }
            if (t.type() == Type.LPAREN) {
                depth++;
            } else if (t.type() == Type.RPAREN) {
                if (--depth < 0) {
                    throw reject(subject, "a ')' has no matching '('");
                }
            } else if (t.type() == Type.SEMI && kind != Kind.TRIGGER) {
                throw reject(subject, "it holds a second statement after ';'");
            }
        }
        if (depth != 0) {
            throw reject(subject, "a '(' is never closed");
        }
    }

    /** {@code name (columns and constraints) [WITHOUT ROWID] [, STRICT]}; never AS SELECT. */
    private void checkTable(Cursor c, String subject) {
        if (c.peekIs("AS")) {
            throw reject(subject, "CREATE TABLE ... AS SELECT is not allowed; a table must be declared with"
                    + " its columns");
        }
        if (!c.peekType(Type.LPAREN)) {
            throw reject(subject, "expected '(' and the column definitions after the table name");
        }
        c.skipParenthesized();
        while (!c.atEnd()) {
            Token t = c.next();
            if (!(t.is("WITHOUT") || t.is("ROWID") || t.is("STRICT") || t.type() == Type.COMMA)) {
                throw reject(subject, "unexpected " + describe(t) + " after the column definitions");
            }
        }
    }

    /** {@code name USING module[(arguments)]}, for the modules the restore can rebuild. */
    private void checkVirtualTable(Cursor c, String subject) {
        c.expectWord("USING", subject);
        if (c.atEnd() || !c.peek().isName()) {
            throw reject(subject, "no module name after USING");
        }
        String module = c.next().value();
        if (!MODULES.contains(SqliteTokenizer.asciiLower(module))) {
            throw reject(subject, "virtual table module " + SqlEntryLexer.printable(module)
                    + " is not allowed; only fts3, fts4, fts5, rtree and rtree_i32 are");
        }
        if (c.peekType(Type.LPAREN)) {
            c.skipParenthesized();
        }
        if (!c.atEnd()) {
            throw reject(subject, "unexpected " + describe(c.peek()) + " after the module arguments");
        }
    }

    /** {@code name ON table (columns) [WHERE ...]}. */
    private void checkIndex(Cursor c, String subject) {
        c.expectWord("ON", subject);
        if (c.atEnd() || !c.peek().isName()) {
            throw reject(subject, "no table name after ON");
        }
        c.next();
        if (!c.peekType(Type.LPAREN)) {
            throw reject(subject, "expected '(' and the indexed columns after the table name");
        }
    }

    /** {@code name [(columns)] AS SELECT|VALUES|WITH ...}. */
    private void checkView(Cursor c, String subject) {
        if (c.peekType(Type.LPAREN)) {
            c.skipParenthesized();
        }
        c.expectWord("AS", subject);
        if (!(c.peekIs("SELECT") || c.peekIs("VALUES") || c.peekIs("WITH"))) {
            throw reject(subject, "a view must be defined by a SELECT");
        }
    }

    /**
     * {@code name [BEFORE|AFTER|INSTEAD OF] event ON table [FOR EACH ROW] [WHEN expr] BEGIN stmt;
     * ... END}. Every body statement is INSERT, REPLACE, UPDATE, DELETE or SELECT, and the table
     * each one writes is known. SQLite itself forbids schema-qualified names, WITH and RETURNING in
     * trigger bodies, and DML inside expressions, so a statement's leading words say everything it
     * can write.
     */
    private void checkTrigger(Cursor c, String subject) {
        List<Token> tokens = c.tokens;
        int begin = -1;
        int depth = 0;
        for (int i = c.index; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.type() == Type.LPAREN) {
                depth++;
            } else if (t.type() == Type.RPAREN) {
                depth--;
            } else if (t.type() == Type.SEMI) {
                throw reject(subject, "it holds a second statement after ';' before BEGIN");
            } else if (depth == 0 && t.is("BEGIN") && tokens.get(i - 1).type() != Type.DOT) {
                begin = i;
                break;
            }
        }
        if (begin < 0) {
            throw reject(subject, "no BEGIN ... END body");
        }
        int end = tokens.size() - 1;
        if (end <= begin || !tokens.get(end).is("END")) {
            throw reject(subject, "the body does not end with END, or something follows END");
        }
        List<List<Token>> statements = new ArrayList<>();
        List<Token> current = new ArrayList<>();
        depth = 0;
        for (int i = begin + 1; i < end; i++) {
            Token t = tokens.get(i);
            if (t.type() == Type.LPAREN) {
                depth++;
            } else if (t.type() == Type.RPAREN) {
                depth--;
            }
            if (t.type() == Type.SEMI && depth == 0) {
                if (current.isEmpty()) {
                    throw reject(subject, "its body holds an empty statement");
                }
                statements.add(current);
                current = new ArrayList<>();
            } else {
                current.add(t);
            }
        }
        if (!current.isEmpty()) {
            throw reject(subject, "the last statement of its body is not terminated by ';' before END");
        }
        if (statements.isEmpty()) {
            throw reject(subject, "its body is empty");
        }
        for (List<Token> statement : statements) {
            checkTriggerStatement(statement, subject);
        }
    }

    private void checkTriggerStatement(List<Token> s, String subject) {
        Token first = s.get(0);
        int target;
        if (first.is("SELECT")) {
            return;
        } else if (first.is("INSERT")) {
            target = skipConflict(s, 1, subject);
            target = expectAt(s, target, "INTO", subject) + 1;
        } else if (first.is("REPLACE")) {
            target = expectAt(s, 1, "INTO", subject) + 1;
        } else if (first.is("UPDATE")) {
            target = skipConflict(s, 1, subject);
        } else if (first.is("DELETE")) {
            target = expectAt(s, 1, "FROM", subject) + 1;
        } else {
            throw reject(subject, "its body holds " + describe(first) + "; a trigger body may only hold INSERT,"
                    + " UPDATE, DELETE and SELECT statements");
        }
        if (target >= s.size() || !s.get(target).isName()) {
            throw reject(subject, "a " + first.value().toUpperCase(java.util.Locale.ROOT)
                    + " in its body names no table");
        }
        String table = s.get(target).value();
        if (target + 1 < s.size() && s.get(target + 1).type() == Type.DOT) {
            throw reject(subject, "its body writes to a table qualified with a schema name ("
                    + SqlEntryLexer.printable(table) + "....)");
        }
        if (!knownTables.contains(SqliteTokenizer.asciiLower(table))) {
            throw reject(subject, "its body writes to table " + SqlEntryLexer.printable(table)
                    + ", which is not a table of the backup");
        }
    }

    /** Skips {@code OR ROLLBACK|ABORT|FAIL|IGNORE|REPLACE} at {@code i}. */
    private int skipConflict(List<Token> s, int i, String subject) {
        if (i < s.size() && s.get(i).is("OR")) {
            if (i + 1 >= s.size() || s.get(i + 1).type() != Type.WORD) {
                throw reject(subject, "OR without a conflict resolution in its body");
            }
            return i + 2;
        }
        return i;
    }

    private int expectAt(List<Token> s, int i, String keyword, String subject) {
        if (i >= s.size() || !s.get(i).is(keyword)) {
            throw reject(subject, "expected " + keyword + " after " + s.get(0).value().toUpperCase(java.util.Locale.ROOT)
                    + " in its body but found " + (i < s.size() ? describe(s.get(i)) : "nothing"));
        }
        return i;
    }

    /** {@code INSERT INTO t(t) VALUES('rebuild')} for a known table t, and nothing else. */
    private Statement ftsRebuild(List<Token> t, String sql) {
        boolean shape = t.size() == 10 && t.get(1).is("INTO") && t.get(2).isName()
                && t.get(3).type() == Type.LPAREN && t.get(4).isName() && t.get(5).type() == Type.RPAREN
                && t.get(6).is("VALUES") && t.get(7).type() == Type.LPAREN && t.get(8).type() == Type.STRING
                && t.get(8).value().equals("rebuild") && t.get(9).type() == Type.RPAREN
                && SqliteTokenizer.asciiEqualsIgnoreCase(t.get(2).value(), t.get(4).value());
        if (!shape) {
            throw reject("an INSERT statement", "the only INSERT a schema entry may hold is a full-text index's"
                    + " INSERT INTO t(t) VALUES('rebuild')");
        }
        String table = t.get(2).value();
        if (!knownTables.contains(SqliteTokenizer.asciiLower(table))) {
            throw reject("the rebuild of " + SqlEntryLexer.printable(table), "it is not a table of the backup");
        }
        return new Statement(Kind.FTS_REBUILD, table, sql);
    }

    private InvalidArchiveException reject(String subject, String reason) {
        return new InvalidArchiveException("entry " + entryName + ": schema statement for " + subject
                + " rejected: " + reason);
    }

    private static String describe(Token t) {
        return switch (t.type()) {
            case WORD -> t.value().toUpperCase(java.util.Locale.ROOT);
            case STRING -> "a string";
            case QUOTED_ID -> "the name " + SqlEntryLexer.printable(t.value());
            default -> "'" + t.value() + "'";
        };
    }

    /** The start of a statement, printable, for messages about statements that have no name yet. */
    private static String describeStart(String sql) {
        String head = sql.length() > 40 ? sql.substring(0, 40) + "..." : sql;
        return SqlEntryLexer.printable(head.replaceAll("\\s+", " "));
    }

    /** A position in a statement's tokens. */
    private final class Cursor {
        final List<Token> tokens;
        int index;

        Cursor(List<Token> tokens) {
            this.tokens = tokens;
        }

        boolean atEnd() {
            return index >= tokens.size();
        }

        Token peek() {
            return tokens.get(index);
        }

        boolean peekIs(String keyword) {
            return !atEnd() && peek().is(keyword);
        }

        boolean peekType(Type type) {
            return !atEnd() && peek().type() == type;
        }

        Token next() {
            return tokens.get(index++);
        }

        void expectWord(String keyword, String subject) {
            if (!peekIs(keyword)) {
                throw reject(subject, "expected " + keyword + " but found "
                        + (atEnd() ? "the end of the statement" : describe(peek())));
            }
            index++;
        }

        /** Skips from a '(' to just after its matching ')'; balance was checked already. */
        void skipParenthesized() {
            int depth = 0;
            do {
                Token t = next();
                if (t.type() == Type.LPAREN) {
                    depth++;
                } else if (t.type() == Type.RPAREN) {
                    depth--;
                }
            } while (depth > 0);
        }
    }
}
