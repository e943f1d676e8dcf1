package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupOptions;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.RedactionRules;
import io.backupkit.dialect.sqlite.SqliteSchemaValidator.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SqliteSchemaValidatorTest {

    private static final String ENTRY = "sql/000004-post-data.sql";
    private static final Path DATASETS = Path.of("/work/shared/datasets");

    @TempDir
    Path tmp;

    /** Objects beyond the sample databases: every kind of statement the validator must let through. */
    private static final List<String> EXTRA_SCHEMA = List.of(
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT DEFAULT 'ATTACH; DROP TABLE x; PRAGMA',"
                    + " b INTEGER, g INTEGER GENERATED ALWAYS AS (b * 2) STORED, h AS (lower(a)) VIRTUAL)",
            "CREATE TABLE \"t2\" (k TEXT PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID",
            "CREATE TABLE strict_t (a INTEGER, b ANY, c TEXT CHECK (c <> 'load_extension')) STRICT",
            "CREATE TABLE [semi;colon] (\"x;y\" TEXT, `z` /* a ; comment */ -- another ; one\n)",
            "CREATE TABLE audit (at TEXT, what TEXT)",
            "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61')",
            "CREATE VIRTUAL TABLE docs_ext USING fts5(a, content='t', content_rowid='id')",
            "CREATE VIRTUAL TABLE IF NOT EXISTS old_fts USING fts4(x)",
            "CREATE UNIQUE INDEX IF NOT EXISTS t_b ON t (b) WHERE b IS NOT NULL AND a <> 'x;y'",
            "CREATE INDEX t_expr ON t (lower(a), b DESC)",
            "CREATE VIEW v1 AS SELECT id, a FROM t WHERE b > 0",
            "CREATE VIEW \"v2\" (ident, text_) AS SELECT id, a || ';' FROM v1",
            "CREATE VIEW v3 AS WITH c AS (SELECT 1 AS one) SELECT one FROM c",
            "CREATE TRIGGER t_count AFTER INSERT ON t FOR EACH ROW WHEN new.b IS NOT NULL BEGIN\n"
                    + "  UPDATE t2 SET n = n + 1 WHERE k = 'count';\n"
                    + "  INSERT INTO audit (at, what) VALUES (datetime('now'), CASE WHEN new.b > 0 THEN 'pos;' ELSE 'neg' END);\n"
                    + "  INSERT OR REPLACE INTO \"T2\" (k, n) SELECT 'last', new.b;\n"
                    + "  DELETE FROM audit WHERE at < '2000';\n"
                    + "  SELECT CASE WHEN new.b < 0 THEN RAISE(ABORT, 'negative') END;\n"
                    + "END",
            "CREATE TRIGGER IF NOT EXISTS v1_insert INSTEAD OF INSERT ON v1 BEGIN REPLACE INTO t (id, a) VALUES (new.id, new.a); END",
            "CREATE TRIGGER t_upd BEFORE UPDATE OF b ON t BEGIN UPDATE OR IGNORE audit SET what = 'u' WHERE at = old.a; END");

    private Path copy(String dataset) throws Exception {
        Path target = tmp.resolve(dataset);
        Files.copy(DATASETS.resolve(dataset), target);
        return target;
    }

    private Path extraDatabase() throws Exception {
        Path db = tmp.resolve("extra.db");
        try (Connection c = SqliteTestArchives.open(db)) {
            SqliteTestArchives.execute(c, EXTRA_SCHEMA.toArray(String[]::new));
            SqliteTestArchives.execute(c, "INSERT INTO t2 VALUES ('count', 0)",
                    "INSERT INTO t (a, b) VALUES ('x', 1), ('y', 2)",
                    "INSERT INTO docs VALUES ('hello', 'world')",
                    "ANALYZE");
        }
        return db;
    }

    private record SchemaRow(String type, String name, String sql) {
    }

    private static List<SchemaRow> schemaOf(Path db) throws Exception {
        List<SchemaRow> rows = new ArrayList<>();
        try (Connection c = SqliteTestArchives.open(db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT type, name, sql FROM sqlite_schema WHERE sql NOT NULL")) {
            while (rs.next()) {
                rows.add(new SchemaRow(rs.getString(1), rs.getString(2), rs.getString(3)));
            }
        }
        return rows;
    }

    private static List<String> tablesOf(List<SchemaRow> schema) {
        return schema.stream().filter(r -> r.type().equals("table")).map(SchemaRow::name).toList();
    }

    // ---------------------------------------------------------------------------------------------
    // Accepted

    @ParameterizedTest
    @ValueSource(strings = {"chinook.sqlite", "northwind.sqlite", "extra"})
    void acceptsEverySchemaStatementOfTheSampleDatabases(String dataset) throws Exception {
        Path db = dataset.equals("extra") ? extraDatabase() : copy(dataset);
        List<SchemaRow> schema = schemaOf(db);
        SqliteSchemaValidator validator = new SqliteSchemaValidator(tablesOf(schema), ENTRY);

        assertThat(schema).hasSizeGreaterThan(10);
        for (SchemaRow row : schema) {
            if (row.name().startsWith("sqlite_")) {
                continue; // sqlite_sequence and sqlite_stat1 are rebuilt, never created from their text
            }
            SqliteSchemaValidator.Statement ok = validator.validate(row.sql());
            assertThat(ok.sql()).isEqualTo(row.sql());
            assertThat(ok.name()).as(row.sql()).isEqualTo(row.name());
            String expected = row.type().equals("table") && row.sql().matches("(?is)CREATE\\s+VIRTUAL.*")
                    ? "VIRTUAL_TABLE" : row.type().toUpperCase(java.util.Locale.ROOT);
            assertThat(ok.kind().name()).as(row.sql()).isEqualTo(expected);
        }
    }

    /**
     * What the library itself writes, split into statements as restore will split it: every
     * statement of the schema and post-data entries of real backups passes, including the
     * {@code ANALYZE sqlite_schema} and full-text {@code 'rebuild'} statements.
     */
    @Test
    void acceptsEveryStatementOfRealBackups() throws Exception {
        List<SqliteSchemaValidator.Statement> seen = new ArrayList<>();
        for (Path db : List.of(copy("chinook.sqlite"), copy("northwind.sqlite"), extraDatabase())) {
            List<String> tables = tablesOf(schemaOf(db));
            SqliteTestArchives.backUpAndRead(db, tmp.resolve("store-" + db.getFileName()),
                    SqliteTestArchives.options(BackupOptions.defaults(), RedactionRules.none()), (entry, content) -> {
                        if (entry.kind() == ManifestEntry.Kind.SCHEMA || entry.kind() == ManifestEntry.Kind.POST_DATA) {
                            String text = new String(content.readAllBytes(), StandardCharsets.UTF_8);
                            SqliteSchemaValidator validator = new SqliteSchemaValidator(tables, entry.name());
                            for (String statement : SqliteSchemaValidator.splitStatements(text, entry.name())) {
                                seen.add(validator.validate(statement));
                            }
                        }
                    });
        }
        assertThat(seen).extracting(SqliteSchemaValidator.Statement::kind)
                .contains(Kind.TABLE, Kind.INDEX, Kind.VIEW, Kind.TRIGGER, Kind.VIRTUAL_TABLE, Kind.ANALYZE,
                        Kind.FTS_REBUILD);
        assertThat(seen).filteredOn(s -> s.kind() == Kind.TRIGGER).extracting(SqliteSchemaValidator.Statement::name)
                .contains("t_count", "v1_insert", "t_upd");
    }

    @Test
    void acceptsTheWritersOwnSpecialStatements() {
        SqliteSchemaValidator validator = new SqliteSchemaValidator(Set.of("docs_ext"), ENTRY);

        assertThat(validator.validate("ANALYZE sqlite_schema").kind()).isEqualTo(Kind.ANALYZE);
        assertThat(validator.validate("INSERT INTO \"docs_ext\"(\"docs_ext\") VALUES('rebuild')"))
                .isEqualTo(new SqliteSchemaValidator.Statement(Kind.FTS_REBUILD, "docs_ext",
                        "INSERT INTO \"docs_ext\"(\"docs_ext\") VALUES('rebuild')"));
    }

    @Test
    void tableNamesInTriggerBodiesAreComparedIgnoringAsciiCaseLikeSqlite() {
        SqliteSchemaValidator validator = new SqliteSchemaValidator(Set.of("Audit"), ENTRY);

        assertThat(validator.validate("CREATE TRIGGER tr AFTER INSERT ON x BEGIN INSERT INTO AUDIT VALUES (1); "
                + "DELETE FROM \"audit\"; UPDATE [aUdIt] SET a = 1; END").kind()).isEqualTo(Kind.TRIGGER);
    }

    // ---------------------------------------------------------------------------------------------
    // Rejected

    static Stream<Arguments> rejected() {
        return Stream.of(
                // Not a CREATE at all.
                Arguments.of("ATTACH DATABASE '/tmp/evil.db' AS evil", "ATTACH statement"),
                Arguments.of("PRAGMA writable_schema = 1", "PRAGMA statement"),
                Arguments.of("DROP TABLE t", "DROP statement"),
                Arguments.of("DELETE FROM t", "DELETE statement"),
                Arguments.of("UPDATE t SET a = 1", "UPDATE statement"),
                Arguments.of("SELECT load_extension('x')", "SELECT statement"),
                Arguments.of("VACUUM", "VACUUM statement"),
                Arguments.of("ANALYZE", "only ANALYZE sqlite_schema"),
                Arguments.of("ANALYZE t", "only ANALYZE sqlite_schema"),
                Arguments.of("ANALYZE sqlite_schema; DROP TABLE t", "only ANALYZE sqlite_schema"),
                Arguments.of("INSERT INTO t VALUES (1)", "the only INSERT"),
                Arguments.of("INSERT INTO \"evil\"(\"evil\") VALUES('rebuild')", "\"evil\""),
                Arguments.of("INSERT INTO \"t\"(\"t\") VALUES('delete-all')", "the only INSERT"),
                Arguments.of("", "empty statement"),
                Arguments.of("  -- only a comment", "empty statement"),
                // Second statements.
                Arguments.of("CREATE TABLE t(a); DROP TABLE u", "table \"t\" rejected: it holds a second statement"),
                Arguments.of("CREATE TABLE t(a);", "second statement"),
                Arguments.of("CREATE VIEW v AS SELECT 1; ATTACH 'x' AS y", "view \"v\" rejected: it holds a second statement"),
                Arguments.of("CREATE INDEX i ON t(a); DELETE FROM t", "index \"i\" rejected: it holds a second statement"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END; DROP TABLE t",
                        "the body does not end with END"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t; DROP TABLE t; BEGIN SELECT 1; END",
                        "second statement after ';' before BEGIN"),
                // Temporary, other schemas, CREATE ... AS.
                Arguments.of("CREATE TEMP TABLE t(a)", "CREATE TEMP statement rejected: temporary objects"),
                Arguments.of("CREATE TEMPORARY TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "CREATE TEMPORARY statement rejected: temporary objects"),
                Arguments.of("CREATE TABLE temp.x(a)", "database \"temp\""),
                Arguments.of("CREATE VIEW aux.v AS SELECT 1", "database \"aux\""),
                Arguments.of("CREATE TABLE x AS SELECT * FROM t", "table \"x\" rejected: CREATE TABLE ... AS SELECT"),
                Arguments.of("CREATE TABLE x(a) AS SELECT 1", "unexpected AS after the column definitions"),
                Arguments.of("CREATE TABLE x", "expected '('"),
                Arguments.of("CREATE DATABASE x", "only CREATE TABLE"),
                Arguments.of("CREATE UNIQUE TABLE x(a)", "UNIQUE must be followed by INDEX"),
                // Triggers writing outside the schema.
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO evil VALUES(1); END",
                        "trigger \"tr\" rejected: its body writes to table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; UPDATE evil SET a = 1; END",
                        "trigger \"tr\" rejected: its body writes to table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DELETE FROM \"evil\"; END", "table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN REPLACE INTO [evil] VALUES (1); END",
                        "table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT OR REPLACE INTO 'evil' VALUES (1); END",
                        "table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE OR ROLLBACK evil SET a = 1; END",
                        "table \"evil\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO t VALUES (1); INSERT INTO sqlite_schema"
                        + " VALUES (1); END", "table \"sqlite_schema\""),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN INSERT INTO main.t VALUES(1); END",
                        "qualified with a schema name"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DROP TABLE t; END",
                        "its body holds DROP"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN CREATE TABLE u(a); END",
                        "its body holds CREATE"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN PRAGMA writable_schema = 1; END", "PRAGMA"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN DETACH x; END", "DETACH"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN WITH x AS (SELECT 1) INSERT INTO evil"
                        + " SELECT * FROM x; END", "its body holds WITH"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1 END", "not terminated by ';'"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN END", "its body is empty"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN ; END", "empty statement"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t SELECT 1", "no BEGIN"),
                // load_extension and friends, wherever they hide.
                Arguments.of("CREATE VIEW v AS SELECT load_extension('x')", "view \"v\" rejected: it refers to load_extension"),
                Arguments.of("CREATE VIEW v AS SELECT \"LOAD_EXTENSION\"('x', 'y')", "load_extension"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT load_extension('/tmp/x.so'); END",
                        "trigger \"tr\" rejected: it refers to load_extension"),
                Arguments.of("CREATE TRIGGER tr AFTER INSERT ON t WHEN load_extension('x') BEGIN SELECT 1; END",
                        "load_extension"),
                Arguments.of("CREATE TABLE x (a CHECK (load_extension('x')))", "load_extension"),
                Arguments.of("CREATE INDEX i ON t (a) WHERE load_extension('x') IS NULL", "load_extension"),
                Arguments.of("CREATE VIEW v AS SELECT fts3_tokenizer('simple', X'0000000000000000')", "fts3_tokenizer"),
                Arguments.of("CREATE VIEW v AS SELECT 1 AS pragma", "keyword PRAGMA"),
                Arguments.of("CREATE VIEW v AS SELECT 1 FROM t WHERE 1 /* */ AND vacuum", "keyword VACUUM"),
                // Virtual tables.
                Arguments.of("CREATE VIRTUAL TABLE v USING evilmod(a)", "module \"evilmod\" is not allowed"),
                Arguments.of("CREATE VIRTUAL TABLE v USING fts5x(a)", "module \"fts5x\" is not allowed"),
                Arguments.of("CREATE VIRTUAL TABLE v USING fts5(a) extra", "unexpected EXTRA"),
                Arguments.of("CREATE VIRTUAL TABLE v (a)", "expected USING"),
                // Malformed text.
                Arguments.of("CREATE TABLE x (a TEXT DEFAULT 'unterminated)", "unterminated string"),
                Arguments.of("CREATE TABLE x (a) /* unterminated", "unterminated /* comment"),
                Arguments.of("CREATE TABLE x (a DEFAULT ?)", "parameter"),
                Arguments.of("CREATE TABLE x (a DEFAULT 1))", "no matching '('"),
                Arguments.of("CREATE TABLE x ((a)", "never closed"),
                Arguments.of("CREATE TABLE x (a DEFAULT X'ABC')", "malformed X'...'"),
                Arguments.of("CREATE TABLE x (a DEFAULT 12abc)", "malformed number"),
                Arguments.of("CREATE TABLE \"a\u001B[2Jb\" (a) ; ", "table \"a\\u001B[2Jb\""));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("rejected")
    void rejectsNamingTheObjectAndTheProblem(String sql, String problem) {
        SqliteSchemaValidator validator = new SqliteSchemaValidator(Set.of("t", "u", "t2", "audit"), ENTRY);

        assertThatThrownBy(() -> validator.validate(sql))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(ENTRY)
                .hasMessageContaining(problem)
                .hasMessageNotContaining("\u001B");
    }

    // ---------------------------------------------------------------------------------------------
    // Splitting an entry

    @Test
    void splitsAnEntryIntoItsStatementsKeepingTriggerBodiesWhole() {
        String trigger = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  INSERT INTO u VALUES (';', CASE WHEN 1 THEN 2 END);"
                + "\n  SELECT 'END;';\nEND";
        String entry = "CREATE TABLE \"a;b\" (x TEXT DEFAULT ';' /* ; */);\n"
                + trigger + ";\n"
                + "CREATE TEMP TRIGGER tt AFTER INSERT ON t BEGIN SELECT 1; END;\n"
                + "CREATE VIEW v AS SELECT 1 -- ;\n;\n"
                + "ANALYZE sqlite_schema;\n";

        assertThat(SqliteSchemaValidator.splitStatements(entry, ENTRY)).containsExactly(
                "CREATE TABLE \"a;b\" (x TEXT DEFAULT ';' /* ; */)",
                trigger,
                "CREATE TEMP TRIGGER tt AFTER INSERT ON t BEGIN SELECT 1; END",
                "CREATE VIEW v AS SELECT 1 -- ;\n",
                "ANALYZE sqlite_schema");
    }

    @Test
    void splittingRejectsAnUnterminatedLastStatement() {
        assertThatThrownBy(() -> SqliteSchemaValidator.splitStatements(
                "CREATE TABLE a(x);\nCREATE TRIGGER tr AFTER INSERT ON a BEGIN SELECT 1; END\n", ENTRY))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(ENTRY)
                .hasMessageContaining("not terminated by ';' after the trigger's END");
        assertThatThrownBy(() -> SqliteSchemaValidator.splitStatements("CREATE TABLE a(x 'oops);\n", ENTRY))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("unterminated string at line 1 of the entry");
    }
}
