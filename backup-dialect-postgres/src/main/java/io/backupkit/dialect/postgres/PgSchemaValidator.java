package io.backupkit.dialect.postgres;

import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.dialect.postgres.PgSql.Kind;
import io.backupkit.dialect.postgres.PgSql.Token;
import io.backupkit.spi.SchemaStatement.Type;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks every schema statement of a PostgreSQL backup before anything runs. Only the statement
 * shapes the writer emits pass:
 *
 * <ul>
 *   <li>{@code CREATE TABLE / [UNIQUE] INDEX / VIEW / SEQUENCE / TYPE ... AS ENUM / DOMAIN} of an
 *       unqualified name (so it lands in the staging schema);</li>
 *   <li>{@code ALTER TABLE ONLY <table> ADD CONSTRAINT} and {@code ... ALTER COLUMN c SET GENERATED
 *       ALWAYS}, {@code ALTER SEQUENCE s OWNED BY <table>.c}, for tables of the backup;</li>
 *   <li>{@code COMMENT ON} a table, view, sequence, index, type, domain or column;</li>
 *   <li>in the finish phase only {@code SELECT pg_catalog.setval('<name>', <integer>, true|false)},
 *       which is parsed into values and never executed as text.</li>
 * </ul>
 *
 * <p>Everywhere: one statement (no semicolon), no comments, no dollar quoting; no call of a
 * function that reads files, sleeps, signals backends, changes settings, runs SQL text or writes
 * sequences; no schema-qualified function other than in {@code pg_catalog}. Unqualified calls can
 * only reach {@code pg_catalog}: the staging session's {@code search_path} holds nothing else.
 */
final class PgSchemaValidator {

    /** Functions refused anywhere by prefix. */
    private static final List<String> DENIED_PREFIXES = List.of("pg_", "lo_", "dblink", "query_to_", "cursor_to_",
            "table_to_", "schema_to_", "database_to_");
    /** Functions refused anywhere by name. */
    private static final Set<String> DENIED = Set.of("set_config", "setval", "ts_stat", "ts_rewrite", "currtid",
            "currtid2", "txid_current", "binary_upgrade_set_next_pg_type_oid", "copy", "execute");

    private final Set<String> tables;
    private final String where;

    PgSchemaValidator(Set<String> tables, String where) {
        this.tables = tables;
        this.where = where;
    }

    /** The name a finish statement sets, with the value and flag; it is never run as text. */
    record Setval(String sequence, long value, boolean called) {
    }

    void validate(SchemaObject object) {
        try {
            if (object.phase() == ManifestEntry.Kind.FINISH) {
                setval(object.sql());
                return;
            }
            List<Token> t = PgSql.tokenize(object.sql());
            String created = shape(object, t);
            if (created != null && !created.equals(object.name())) {
                throw new PgSql.Rejected("it creates '" + created + "', not the object the manifest names");
            }
            calls(t);
        } catch (PgSql.Rejected e) {
            throw new InvalidArchiveException(where + ": " + object.type().name().toLowerCase(Locale.ROOT) + " '"
                    + printable(object.name()) + "' is rejected: " + e.getMessage());
        }
    }

    /** Checks the statement's shape; returns the name it creates, or null when it creates nothing by name. */
    private String shape(SchemaObject object, List<Token> t) throws PgSql.Rejected {
        if (t.size() < 3) {
            throw new PgSql.Rejected("too short to be a schema statement");
        }
        Type type = object.type();
        if (t.get(0).is("create")) {
            if (t.get(1).is("table") && type == Type.TABLE) {
                String name = name(t, 2);
                expect(t, 3, Kind.LPAREN);
                if (close(t, 3) != t.size() - 1) {
                    throw new PgSql.Rejected("text follows the column list");
                }
                columnTypes(t);
                return name;
            }
            int at = t.get(1).is("unique") ? 2 : 1;
            if (t.get(at).is("index") && type == Type.INDEX) {
                String name = name(t, at + 1);
                word(t, at + 2, "on");
                table(t, at + 3);
                word(t, at + 4, "using");
                return name;
            }
            if (t.get(1).is("view") && type == Type.VIEW) {
                String name = name(t, 2);
                word(t, 3, "as");
                if (!(at(t, 4).is("select") || at(t, 4).is("with") || at(t, 4).is("values")
                        || at(t, 4).kind() == Kind.LPAREN)) {
                    throw new PgSql.Rejected("a view that is not a query");
                }
                return name;
            }
            if (t.get(1).is("sequence") && type == Type.SEQUENCE) {
                String name = name(t, 2);
                for (int i = 3; i < t.size(); i++) {
                    Token k = t.get(i);
                    if (!(k.kind() == Kind.WORD || k.kind() == Kind.NUMBER || (k.kind() == Kind.OP
                            && k.text().equals("-")))) {
                        throw new PgSql.Rejected("a sequence option that is not a word or number");
                    }
                }
                return name;
            }
            if (t.get(1).is("type") && type == Type.TYPE) {
                String name = name(t, 2);
                word(t, 3, "as");
                word(t, 4, "enum");
                expect(t, 5, Kind.LPAREN);
                for (int i = 6; i < t.size() - 1; i++) {
                    Kind want = (i - 6) % 2 == 0 ? Kind.STRING : Kind.COMMA;
                    expect(t, i, want);
                }
                expect(t, t.size() - 1, Kind.RPAREN);
                return name;
            }
            if (t.get(1).is("domain") && type == Type.TYPE) {
                String name = name(t, 2);
                word(t, 3, "as");
                return name;
            }
        }
        if (t.get(0).is("alter") && t.get(1).is("table") && at(t, 2).is("only")) {
            if (at(t, 4).is("add") && at(t, 5).is("constraint") && type == Type.CONSTRAINT) {
                table(t, 3);
                String name = name(t, 6);
                Token kind = at(t, 7);
                if (!(kind.is("primary") || kind.is("unique") || kind.is("check") || kind.is("foreign")
                        || kind.is("exclude"))) {
                    throw new PgSql.Rejected("an unknown kind of constraint");
                }
                for (int i = 8; i < t.size(); i++) {
                    if (t.get(i).is("references")) {
                        // unqualified, so it can only name a table of the staging schema; one left out
                        // of the backup (excluded by redaction) makes the key be skipped on restore
                        name(t, i + 1);
                    }
                }
                return name;
            }
            if (at(t, 4).is("alter") && at(t, 5).is("column") && type == Type.CONSTRAINT && t.size() == 10) {
                table(t, 3);
                name(t, 6);
                word(t, 7, "set");
                word(t, 8, "generated");
                word(t, 9, "always");
                return null;
            }
        }
        if (t.get(0).is("alter") && t.get(1).is("sequence") && type == Type.SEQUENCE && t.size() == 8) {
            String name = name(t, 2);
            word(t, 3, "owned");
            word(t, 4, "by");
            table(t, 5);
            expect(t, 6, Kind.DOT);
            name(t, 7);
            return name;
        }
        if (t.get(0).is("comment") && t.get(1).is("on") && type == Type.COMMENT) {
            Token what = at(t, 2);
            int is;
            if (what.is("column")) {
                table(t, 3);
                expect(t, 4, Kind.DOT);
                name(t, 5);
                is = 6;
            } else if (what.is("table") || what.is("view") || what.is("sequence") || what.is("index")
                    || what.is("type") || what.is("domain")) {
                name(t, 3);
                is = 4;
            } else {
                throw new PgSql.Rejected("a comment on an object the dialect does not write");
            }
            word(t, is, "is");
            expect(t, is + 1, Kind.STRING);
            if (t.size() != is + 2) {
                throw new PgSql.Rejected("text follows the comment");
            }
            return null;
        }
        throw new PgSql.Rejected("only CREATE TABLE/INDEX/VIEW/SEQUENCE/TYPE/DOMAIN, ALTER TABLE ONLY ... ADD "
                + "CONSTRAINT, ALTER SEQUENCE ... OWNED BY and COMMENT ON are allowed, in their own phase");
    }

    /** Column types must not be qualified with a schema other than pg_catalog. */
    private static void columnTypes(List<Token> t) throws PgSql.Rejected {
        for (int i = 0; i + 2 < t.size(); i++) {
            if (t.get(i).isName() && t.get(i + 1).kind() == Kind.DOT && t.get(i + 2).isName()
                    && i + 3 < t.size() && t.get(i + 3).kind() != Kind.LPAREN && !t.get(i).text().equals("pg_catalog")
                    && depth(t, i) == 1) {
                throw new PgSql.Rejected("a column type qualified with schema '" + printable(t.get(i).text()) + "'");
            }
        }
    }

    private static int depth(List<Token> t, int until) {
        int depth = 0;
        for (int i = 0; i < until; i++) {
            if (t.get(i).kind() == Kind.LPAREN) {
                depth++;
            } else if (t.get(i).kind() == Kind.RPAREN) {
                depth--;
            }
        }
        return depth;
    }

    /** Function calls: none that is denied, none qualified outside pg_catalog, no three-part names. */
    private static void calls(List<Token> t) throws PgSql.Rejected {
        for (int i = 0; i < t.size(); i++) {
            Token k = t.get(i);
            if (!k.isName()) {
                continue;
            }
            boolean qualified = i + 2 < t.size() && t.get(i + 1).kind() == Kind.DOT && t.get(i + 2).isName();
            if (qualified && i + 4 < t.size() && t.get(i + 3).kind() == Kind.DOT && t.get(i + 4).isName()) {
                throw new PgSql.Rejected("a name with three parts");
            }
            if (qualified && i + 3 < t.size() && t.get(i + 3).kind() == Kind.LPAREN) {
                if (!k.text().equals("pg_catalog")) {
                    throw new PgSql.Rejected("a call of a function in schema '" + printable(k.text()) + "'");
                }
                deny(t.get(i + 2).text());
                i += 2;
                continue;
            }
            if (i + 1 < t.size() && t.get(i + 1).kind() == Kind.LPAREN) {
                deny(k.text());
            }
        }
    }

    private static void deny(String function) throws PgSql.Rejected {
        String name = function.toLowerCase(Locale.ROOT);
        if (DENIED.contains(name) || DENIED_PREFIXES.stream().anyMatch(name::startsWith)) {
            throw new PgSql.Rejected("a call of the function " + printable(name) + ", which is not allowed in a backup");
        }
    }

    /** The table a foreign-key constraint statement references, or null when it is not one. */
    static String referencedTable(String sql) {
        try {
            List<Token> t = PgSql.tokenize(sql);
            for (int i = 0; i + 1 < t.size(); i++) {
                if (t.get(i).is("references") && t.get(i + 1).isName()) {
                    return t.get(i + 1).text();
                }
            }
            return null;
        } catch (PgSql.Rejected e) {
            return null;
        }
    }

    /** Parses a finish statement: {@code SELECT pg_catalog.setval('<name>', <integer>, true|false)}. */
    Setval setval(String sql) throws PgSql.Rejected {
        List<Token> t = PgSql.tokenize(sql);
        if (t.size() != 11 || !t.get(0).is("select") || !t.get(1).is("pg_catalog") || t.get(2).kind() != Kind.DOT
                || !t.get(3).is("setval") || t.get(4).kind() != Kind.LPAREN || t.get(5).kind() != Kind.STRING
                || t.get(6).kind() != Kind.COMMA || t.get(8).kind() != Kind.COMMA
                || !(t.get(9).is("true") || t.get(9).is("false")) || t.get(10).kind() != Kind.RPAREN) {
            throw new PgSql.Rejected("only SELECT pg_catalog.setval('<sequence>', <integer>, true|false) is allowed "
                    + "in the finish phase");
        }
        String quoted = t.get(5).text();
        List<Token> name = PgSql.tokenize(quoted);
        if (name.size() != 1 || name.get(0).kind() != Kind.QUOTED) {
            throw new PgSql.Rejected("setval names its sequence as one quoted identifier");
        }
        long value;
        int sign = 7;
        String digits = t.get(sign).text();
        if (t.get(sign).kind() != Kind.NUMBER || !digits.chars().allMatch(Character::isDigit) || digits.length() > 19) {
            throw new PgSql.Rejected("setval's value is not a non-negative 64-bit integer");
        }
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new PgSql.Rejected("setval's value is out of range");
        }
        return new Setval(name.get(0).text(), value, t.get(9).is("true"));
    }

    private String table(List<Token> t, int i) throws PgSql.Rejected {
        String name = name(t, i);
        if (!tables.contains(name)) {
            throw new PgSql.Rejected("it refers to '" + printable(name) + "', which is not a table of the backup");
        }
        return name;
    }

    /** An unqualified name at position i (followed by a dot only in {@code COLUMN t.c} and {@code OWNED BY t.c}). */
    private static String name(List<Token> t, int i) throws PgSql.Rejected {
        Token k = at(t, i);
        if (!k.isName()) {
            throw new PgSql.Rejected("a name is missing");
        }
        boolean dotted = at(t, i + 1).kind() == Kind.DOT;
        if (dotted && !(at(t, i - 1).is("column") || at(t, i - 1).is("by"))) {
            throw new PgSql.Rejected("a schema-qualified name");
        }
        return k.text();
    }

    private static Token at(List<Token> t, int i) {
        return i < t.size() && i >= 0 ? t.get(i) : new Token(Kind.OP, "");
    }

    private static void word(List<Token> t, int i, String word) throws PgSql.Rejected {
        if (!at(t, i).is(word)) {
            throw new PgSql.Rejected("'" + word.toUpperCase(Locale.ROOT) + "' is missing");
        }
    }

    private static void expect(List<Token> t, int i, Kind kind) throws PgSql.Rejected {
        if (at(t, i).kind() != kind) {
            throw new PgSql.Rejected("unexpected text where " + kind.name().toLowerCase(Locale.ROOT) + " belongs");
        }
    }

    /** The index of the parenthesis closing the one at {@code open}. */
    private static int close(List<Token> t, int open) throws PgSql.Rejected {
        int depth = 0;
        for (int i = open; i < t.size(); i++) {
            if (t.get(i).kind() == Kind.LPAREN) {
                depth++;
            } else if (t.get(i).kind() == Kind.RPAREN && --depth == 0) {
                return i;
            }
        }
        throw new PgSql.Rejected("unbalanced parentheses");
    }

    static String printable(String text) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length() && out.length() < 64; i++) {
            char c = text.charAt(i);
            out.append(c < 0x20 || c == 0x7f ? '?' : c);
        }
        return out.toString();
    }
}
