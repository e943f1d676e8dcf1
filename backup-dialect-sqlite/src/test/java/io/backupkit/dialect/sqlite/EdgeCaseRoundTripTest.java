package io.backupkit.dialect.sqlite;

import static io.backupkit.dialect.sqlite.SqliteTestTools.assertHealthy;
import static io.backupkit.dialect.sqlite.SqliteTestTools.assertIdentical;
import static io.backupkit.dialect.sqlite.SqliteTestTools.assertSameRows;
import static io.backupkit.dialect.sqlite.SqliteTestTools.exactValues;
import static io.backupkit.dialect.sqlite.SqliteTestTools.query;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.ZstdInputStream;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.ManifestEntry;
import io.backupkit.TableSummary;
import io.backupkit.dialect.sqlite.SqliteTestTools.RoundTrip;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated edge cases of the SQL writer (issue 2, point 5): each database is backed up, exported
 * as one script, loaded with the real {@code sqlite3} shell and compared with {@code .dump | sort}
 * plus targeted queries that show what {@code .dump} cannot (NUL bytes, the sign of zero, the last
 * bit of a double, storage classes, rowids of full-text tables).
 */
class EdgeCaseRoundTripTest {

    @TempDir
    Path work;

    private Path original;

    /** Creates the source database from statements run through sqlite-jdbc. */
    private Path source(String... statements) throws SQLException {
        original = work.resolve("original.db");
        SqliteTestTools.execute(original, statements);
        return original;
    }

    private RoundTrip roundTrip() throws IOException {
        return roundTrip(BackupOptions.defaults());
    }

    private RoundTrip roundTrip(BackupOptions options) throws IOException {
        return SqliteTestTools.roundTrip(original, Files.createDirectories(work.resolve("trip")), options);
    }

    private RoundTrip roundTripIdentical() throws IOException {
        RoundTrip trip = roundTrip();
        assertIdentical(original, trip.restored());
        assertHealthy(trip.restored());
        return trip;
    }

    private void assertSameExactValues(RoundTrip trip, String table, String column, String orderBy)
            throws SQLException {
        List<String> expected = exactValues(original, table, column, orderBy);
        assertThat(exactValues(trip.restored(), table, column, orderBy))
                .as("exact values of %s.%s", table, column).containsExactlyElementsOf(expected);
    }

    // ---- values -------------------------------------------------------------------------------

    @Test
    void nullEmptyTextAndEmptyBlobStayDistinct() throws Exception {
        source("CREATE TABLE v(id INTEGER PRIMARY KEY, c, t TEXT, b BLOB)",
                "INSERT INTO v(id, c, t, b) VALUES (1, NULL, NULL, NULL), (2, '', '', ''), (3, X'', X'', X''),"
                        + " (4, 'NULL', 'NULL', 'NULL'), (5, 'X''''', 'X''''', 'X''''')");

        RoundTrip trip = roundTripIdentical();

        assertThat(exactValues(original, "v", "c", "id"))
                .containsExactly("null", "text X''", "blob X''", "text X'4E554C4C'", "text X'582727'");
        for (String column : List.of("c", "t", "b")) {
            assertSameExactValues(trip, "v", column, "id");
        }
    }

    /**
     * The staging load groups rows by which columns hold TEXT (bound as bytes through
     * {@code CAST(? AS TEXT)}) into multi-row INSERTs: rows whose storage classes alternate, in a
     * table wider than 32 columns with raw TEXT past the 32nd, must each keep every storage class.
     */
    @Test
    void storageClassesThatAlternateRowByRowInAWideTableSurvive() throws Exception {
        StringBuilder create = new StringBuilder("CREATE TABLE wide(id INTEGER PRIMARY KEY");
        for (int c = 1; c <= 40; c++) {
            create.append(", c").append(c);
        }
        List<String> statements = new java.util.ArrayList<>(List.of(create.append(")").toString()));
        String[] kinds = {"'t'", "7", "2.5", "X'0102'", "NULL", "CAST(X'C328FF' AS TEXT)", "'7'", "CAST(X'610062' AS TEXT)"};
        for (int row = 1; row <= 300; row++) {
            StringBuilder insert = new StringBuilder("INSERT INTO wide VALUES (").append(row);
            for (int c = 1; c <= 40; c++) {
                insert.append(", ").append(kinds[(row * 7 + c * (c > 32 ? 3 : 1)) % kinds.length]);
            }
            statements.add(insert.append(")").toString());
        }
        source(statements.toArray(String[]::new));

        RoundTrip trip = roundTripIdentical();

        assertThat(exactValues(original, "wide", "c35", "id")).contains("text X'C328FF'", "integer 7", "blob X'0102'",
                "text X'37'", "real 2.5 bits 4004000000000000");
        for (int c = 1; c <= 40; c++) {
            assertSameExactValues(trip, "wide", "c" + c, "id");
        }
    }

    @Test
    void integerExtremesKeepTheirValue() throws Exception {
        source("CREATE TABLE i(id INTEGER PRIMARY KEY, c, n INTEGER, r REAL)",
                "INSERT INTO i(id, c, n) VALUES (1, 9223372036854775807, 9223372036854775807),"
                        + " (2, -9223372036854775808, -9223372036854775808), (3, 0, 0), (4, -1, -1),"
                        + " (5, 2147483648, -2147483649), (6, 9007199254740993, 9007199254740993)");

        RoundTrip trip = roundTripIdentical();

        assertThat(exactValues(original, "i", "c", "id")).startsWith("integer 9223372036854775807",
                "integer -9223372036854775808");
        assertSameExactValues(trip, "i", "c", "id");
        assertSameExactValues(trip, "i", "n", "id");
    }

    @Test
    void realsRoundTripToTheLastBit() throws Exception {
        double[] values = {0.1, 1.0 / 3, 1e300, 5e-324, -0.0, 0.0, 3.0, -1.5, 0.1 + 0.2, 1e23, 1e16, 123456789.125,
            Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_NORMAL, 2.225073858507201e-308, 4.35, 9007199254740993.0,
            Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Math.PI, Math.E, 1e-5, 100.0, 1e21, 1e22};
        source("CREATE TABLE r(id INTEGER PRIMARY KEY, c, typed REAL, num NUMERIC, label TEXT)");
        try (Connection c = SqliteTestTools.connect(original);
             PreparedStatement insert = c.prepareStatement("INSERT INTO r(c, typed, num, label) VALUES (?, ?, ?, ?)")) {
            for (double value : values) {
                insert.setDouble(1, value);
                insert.setDouble(2, value);
                insert.setDouble(3, value);
                insert.setString(4, Double.toString(value));
                insert.executeUpdate();
            }
        }
        // And as SQL literals, the way a user would write infinities in SQLite.
        SqliteTestTools.execute(original, "INSERT INTO r(c, typed, num, label) VALUES (9e999, 9e999, 9e999, 'inf'),"
                + " (-9e999, -9e999, -9e999, '-inf'), (-0.0, -0.0, -0.0, '-0.0 literal')");

        RoundTrip trip = roundTripIdentical();

        List<String> originalValues = exactValues(original, "r", "c", "id");
        assertThat(originalValues).contains("real 0.1 bits 3fb999999999999a", "real 4.9E-324 bits 1",
                "real Infinity bits 7ff0000000000000", "real -Infinity bits fff0000000000000");
        // Whatever SQLite keeps of -0.0 in a column without REAL affinity, the restore keeps too.
        for (String column : List.of("c", "typed", "num")) {
            assertSameExactValues(trip, "r", column, "id");
        }
    }

    @Test
    void textIsPreservedByteForByte() throws Exception {
        source("CREATE TABLE t(id INTEGER PRIMARY KEY, c, typed TEXT, label TEXT)");
        Map<String, String> texts = new LinkedHashMap<>();
        texts.put("quotes", "'it''s' \"quoted\" `back` [bracket]'");
        texts.put("cr", "a\rb");
        texts.put("lf", "a\nb");
        texts.put("crlf", "a\r\nb\r\n");
        texts.put("only crlf", "\r\n");
        texts.put("lone cr at end", "end\r");
        texts.put("cr before quote", "\r'\n'");
        texts.put("tabs", "a\tb\t\t");
        texts.put("emoji", "🛠🔥 👩‍👩‍👧 é 表 \u2028 \u200B \uFEFF");
        texts.put("backslashes", "C:\\path\\n\\0");
        texts.put("sql-like", "'); DROP TABLE t; --");
        texts.put("semicolons", ";\n;");
        texts.put("long text", "x".repeat(100_000) + "'");
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("nul in the middle", "610062");
        raw.put("nul at the end", "6100");
        raw.put("only nul", "00");
        raw.put("nul then cr lf", "000D0A");
        raw.put("invalid utf-8", "C328FF");
        raw.put("lone continuation byte", "80");
        raw.put("overlong slash", "C0AF");
        raw.put("surrogate half", "EDA080");
        raw.put("truncated sequence", "F09F98");
        raw.put("invalid with quote", "27FF27");
        try (Connection c = SqliteTestTools.connect(original);
             PreparedStatement asString = c.prepareStatement("INSERT INTO t(c, typed, label) VALUES (?, ?, ?)");
             PreparedStatement asBytes = c.prepareStatement(
                     "INSERT INTO t(c, typed, label) VALUES (CAST(?1 AS TEXT), CAST(?1 AS TEXT), ?2)")) {
            for (Map.Entry<String, String> e : texts.entrySet()) {
                asString.setString(1, e.getValue());
                asString.setString(2, e.getValue());
                asString.setString(3, e.getKey());
                asString.executeUpdate();
            }
            for (Map.Entry<String, String> e : raw.entrySet()) {
                asBytes.setBytes(1, HexFormat.of().parseHex(e.getValue()));
                asBytes.setString(2, e.getKey());
                asBytes.executeUpdate();
            }
        }

        RoundTrip trip = roundTripIdentical();

        List<String> originalValues = exactValues(original, "t", "c", "id");
        assertThat(originalValues).contains("text X'610062'", "text X'6100'", "text X'00'", "text X'C328FF'",
                "text X'610D0A620D0A'");
        assertSameExactValues(trip, "t", "c", "id");
        assertSameExactValues(trip, "t", "typed", "id");
        assertSameRows(original, trip.restored(), "SELECT id, label, length(c), length(CAST(c AS BLOB)) FROM t ORDER BY id");
    }

    @Test
    void blobsKeepEveryByte() throws Exception {
        source("CREATE TABLE b(id INTEGER PRIMARY KEY, c, typed BLOB, t TEXT)");
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        byte[] reversed = new byte[256];
        for (int i = 0; i < reversed.length; i++) {
            reversed[i] = (byte) (255 - i);
        }
        try (Connection c = SqliteTestTools.connect(original);
             PreparedStatement insert = c.prepareStatement("INSERT INTO b(c, typed, t) VALUES (?, ?, ?)")) {
            for (byte[] value : List.of(all, reversed, new byte[0], new byte[] {0}, "'".getBytes(StandardCharsets.UTF_8),
                    new byte[100_000])) {
                insert.setBytes(1, value);
                insert.setBytes(2, value);
                // A BLOB in a TEXT column stays a BLOB.
                insert.setBytes(3, value);
                insert.executeUpdate();
            }
        }

        RoundTrip trip = roundTripIdentical();

        assertThat(exactValues(original, "b", "c", "id").get(0))
                .isEqualTo("blob X'" + HexFormat.of().withUpperCase().formatHex(all) + "'");
        assertThat(exactValues(original, "b", "c", "id").get(2)).isEqualTo("blob X''");
        for (String column : List.of("c", "typed", "t")) {
            assertSameExactValues(trip, "b", column, "id");
        }
    }

    // ---- identifiers and storage classes ---------------------------------------------------------

    @Test
    void awkwardIdentifiersSurvive() throws Exception {
        source("CREATE TABLE \"we\"\"ird tab le\" (\"col \"\"q\"\"\" TEXT UNIQUE, \"select\" INTEGER, \"order\" TEXT,"
                        + " \"café_été\" TEXT, \"表\" TEXT, \"rowid\" INTEGER, \"a;b\" TEXT, [brack et] TEXT, `tick` TEXT)",
                "INSERT INTO \"we\"\"ird tab le\" VALUES ('q', 1, 'o', 'é', '表', 42, ';', 'b', 't'),"
                        + " ('q2', 2, 'o2', 'è', '裡', -7, ';;', 'b2', 't2')",
                "CREATE TABLE \"表\" (\"select\" INTEGER PRIMARY KEY,"
                        + " \"order\" TEXT REFERENCES \"we\"\"ird tab le\"(\"col \"\"q\"\"\"))",
                "INSERT INTO \"表\" VALUES (1, 'q'), (2, NULL)",
                "CREATE TABLE \"group\" (\"from\" TEXT, \"where\" TEXT, PRIMARY KEY (\"from\", \"where\")) WITHOUT ROWID",
                "INSERT INTO \"group\" VALUES ('a', 'b'), ('a', 'c')",
                "CREATE INDEX \"idx \"\"x\"\" 表\" ON \"we\"\"ird tab le\" (\"select\", \"café_été\")",
                "CREATE VIEW \"view of \"\"weird\"\"\" AS SELECT \"select\", \"order\", \"rowid\" FROM \"we\"\"ird tab le\"");

        RoundTrip trip = roundTripIdentical();

        assertThat(trip.manifest().tables()).extracting(TableSummary::name)
                .containsExactlyInAnyOrder("we\"ird tab le", "表", "group");
        assertSameRows(original, trip.restored(), "SELECT * FROM \"we\"\"ird tab le\" ORDER BY \"select\"");
        assertSameRows(original, trip.restored(), "SELECT \"rowid\", \"col \"\"q\"\"\" FROM \"we\"\"ird tab le\" ORDER BY 1");
        assertSameRows(original, trip.restored(), "SELECT * FROM \"view of \"\"weird\"\"\" ORDER BY 1");
        assertSameRows(original, trip.restored(), "SELECT * FROM \"表\" ORDER BY 1");
        assertSameExactValues(trip, "we\"ird tab le", "rowid", "\"select\"");
    }

    @Test
    void storageClassesSurviveInUntypedAndStrictTables() throws Exception {
        source("CREATE TABLE u(id INTEGER PRIMARY KEY, c, num NUMERIC, i INTEGER, r REAL, t TEXT)",
                "INSERT INTO u(id, c, num, i, r, t) VALUES"
                        + " (1, '7', '7', '7', '7', '7'), (2, 7, 7, 7, 7, 7), (3, 3.0, 3.0, 3.0, 3.0, 3.0),"
                        + " (4, '3.0', '3.0', '3.0', '3.0', '3.0'), (5, ' 7', ' 7', ' 7', ' 7', ' 7'),"
                        + " (6, '0x10', '0x10', '0x10', '0x10', '0x10'), (7, X'37', X'37', X'37', X'37', X'37'),"
                        + " (8, '1e3', '1e3', '1e3', '1e3', '1e3'), (9, 1e300, 1e300, 1e300, 1e300, 1e300),"
                        + " (10, 'abc', 'abc', 'abc', 'abc', 'abc'), (11, -0.0, -0.0, -0.0, -0.0, -0.0)",
                "CREATE TABLE s(a INTEGER, b TEXT, c REAL, d BLOB, e ANY) STRICT",
                "INSERT INTO s VALUES (7, '7', 3.0, X'07', '7'), (-7, '', 0.5, X'', 7), (NULL, NULL, NULL, NULL, 3.0),"
                        + " (0, 'x', 1e300, X'00', X'37'), (1, 'y', -0.0, X'FF', NULL), (2, 'z', 7, X'01', '3.0')");

        RoundTrip trip = roundTripIdentical();

        assertThat(exactValues(original, "u", "c", "id")).startsWith("text X'37'", "integer 7",
                "real 3.0 bits 4008000000000000");
        assertThat(exactValues(original, "s", "e", "rowid"))
                .containsExactly("text X'37'", "integer 7", "real 3.0 bits 4008000000000000", "blob X'37'", "null",
                        "text X'332E30'");
        for (String column : List.of("c", "num", "i", "r", "t")) {
            assertSameExactValues(trip, "u", column, "id");
        }
        for (String column : List.of("a", "b", "c", "d", "e")) {
            assertSameExactValues(trip, "s", column, "rowid");
        }
        assertThat(query(trip.restored(), "SELECT strict FROM pragma_table_list('s')")).containsExactly(List.of("1"));
    }

    // ---- schema features ------------------------------------------------------------------------

    @Test
    void generatedColumnsAreLeftOutOfInsertsAndRecomputed() throws Exception {
        source("CREATE TABLE g(id INTEGER PRIMARY KEY, a INTEGER, b TEXT,"
                        + " v INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,"
                        + " s TEXT GENERATED ALWAYS AS (b || '-' || a) STORED, z INTEGER DEFAULT 5)",
                "CREATE INDEX g_s ON g(s)",
                "INSERT INTO g(id, a, b) VALUES (1, 1, 'x'), (2, 2, 'y'), (3, NULL, 'z')");

        RoundTrip trip = roundTripIdentical();

        String script = Files.readString(trip.script(), StandardCharsets.UTF_8);
        assertThat(script).contains("INSERT INTO \"g\" (\"id\",\"a\",\"b\",\"z\") VALUES");
        assertSameRows(original, trip.restored(), "SELECT id, a, b, v, s, z FROM g ORDER BY id");
        assertThat(query(trip.restored(), "SELECT v, s FROM g WHERE id = 2")).containsExactly(List.of("4", "y-2"));
    }

    @Test
    void withoutRowidTableWithCompositeKey() throws Exception {
        source("CREATE TABLE w(k1 TEXT, k2 INTEGER, val BLOB, note, PRIMARY KEY (k2 DESC, k1)) WITHOUT ROWID",
                "INSERT INTO w VALUES ('b', 1, X'01', 'one'), ('a', 1, X'02', 2), ('a', 2, NULL, 3.5),"
                        + " ('', -5, X'', NULL), ('z', 9223372036854775807, X'FF', '')");

        RoundTrip trip = roundTripIdentical();

        assertThat(query(trip.restored(), "SELECT wr FROM pragma_table_list('w')")).containsExactly(List.of("1"));
        assertSameRows(original, trip.restored(), "SELECT k1, k2, hex(val), typeof(note), note FROM w");
        assertSameExactValues(trip, "w", "note", "k2, k1");
    }

    @Test
    void autoincrementCountersAreRestoredExactly() throws Exception {
        source("CREATE TABLE a(id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)",
                "INSERT INTO a(x) VALUES ('1'), ('2'), ('3'), ('4'), ('5'), ('6'), ('7'), ('8'), ('9'), ('10')",
                "DELETE FROM a WHERE id > 7",
                "CREATE TABLE emptied(id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
                "INSERT INTO emptied(x) VALUES (1), (2)",
                "DELETE FROM emptied",
                "CREATE TABLE \"raised seq\"(id INTEGER PRIMARY KEY AUTOINCREMENT, x)",
                "INSERT INTO \"raised seq\"(x) VALUES (1)",
                "UPDATE sqlite_sequence SET seq = 1000000 WHERE name = 'raised seq'",
                "CREATE TABLE never(id INTEGER PRIMARY KEY AUTOINCREMENT, x)");

        RoundTrip trip = roundTripIdentical();

        assertThat(query(original, "SELECT name, seq FROM sqlite_sequence ORDER BY name"))
                .containsExactly(List.of("a", "10"), List.of("emptied", "2"), List.of("raised seq", "1000000"));
        assertSameRows(original, trip.restored(), "SELECT name, seq FROM sqlite_sequence ORDER BY rowid");
        // The next id is what it would have been in the original.
        for (Path db : List.of(original, trip.restored())) {
            SqliteTestTools.execute(db, "INSERT INTO a(x) VALUES ('next')", "INSERT INTO \"raised seq\"(x) VALUES ('next')");
        }
        assertSameRows(original, trip.restored(), "SELECT id, x FROM a ORDER BY id");
        assertThat(query(trip.restored(), "SELECT max(id) FROM a")).containsExactly(List.of("11"));
        assertSameRows(original, trip.restored(), "SELECT id, x FROM \"raised seq\" ORDER BY id");
    }

    @Test
    void triggersDoNotFireDuringTheLoad() throws Exception {
        source("CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT)",
                "CREATE TABLE audit(id INTEGER PRIMARY KEY, item_id INTEGER, note TEXT)",
                "CREATE TABLE counters(name TEXT PRIMARY KEY, n INTEGER)",
                "INSERT INTO counters VALUES ('items', 0)",
                "CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN"
                        + " INSERT INTO audit(item_id, note) VALUES (NEW.id, 'inserted');"
                        + " UPDATE counters SET n = n + 1 WHERE name = 'items'; END",
                "INSERT INTO items(name) VALUES ('a'), ('b'), ('c')",
                // The audit trail is edited afterwards, so a trigger firing during the load would show.
                "DELETE FROM audit WHERE item_id = 2",
                "UPDATE audit SET note = 'edited' WHERE item_id = 3",
                "UPDATE counters SET n = 100",
                "CREATE TRIGGER audit_bi BEFORE INSERT ON audit BEGIN SELECT RAISE(ABORT, 'audit is closed'); END",
                "CREATE TRIGGER items_bu BEFORE UPDATE ON items BEGIN SELECT RAISE(ABORT, 'items are frozen'); END");

        RoundTrip trip = roundTripIdentical();

        assertSameRows(original, trip.restored(), "SELECT id, item_id, note FROM audit ORDER BY id");
        assertSameRows(original, trip.restored(), "SELECT name, n FROM counters");
        assertThat(query(trip.restored(), "SELECT n FROM counters")).containsExactly(List.of("100"));
        assertSameRows(original, trip.restored(), "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY name");
        // The triggers are there and work after the load.
        SqliteTestTools.execute(trip.restored(), "DROP TRIGGER audit_bi", "INSERT INTO items(name) VALUES ('d')");
        assertThat(query(trip.restored(), "SELECT n FROM counters")).containsExactly(List.of("101"));
    }

    @Test
    void indexesViewsOnViewsAndPartialIndexesAreRestored() throws Exception {
        source("CREATE TABLE p(id INTEGER PRIMARY KEY, name TEXT NOT NULL COLLATE NOCASE, price REAL, active INTEGER"
                        + " CHECK (active IN (0, 1)), UNIQUE (name, price))",
                "INSERT INTO p(name, price, active) VALUES ('Widget', 1.5, 1), ('gadget', 2.25, 0), ('Gizmo', NULL, 1)",
                "CREATE INDEX p_active ON p(name) WHERE active = 1",
                "CREATE UNIQUE INDEX p_lower ON p(lower(name))",
                "CREATE INDEX p_desc ON p(price DESC, name COLLATE BINARY)",
                "CREATE VIEW v1 AS SELECT id, name, price FROM p WHERE active = 1",
                "CREATE VIEW v2 AS SELECT name, price * 2 AS double_price FROM v1",
                "CREATE VIEW \"v3 on v2\" (n, d) AS SELECT upper(name), double_price FROM v2 ORDER BY 1",
                // Through sqlite-jdbc, whose SQLite is built with STAT4, as an application's would be.
                "ANALYZE");

        RoundTrip trip = roundTrip();

        // The dialect leaves sqlite_stat4 out on purpose (ANALYZE statistics; a sqlite3 shell
        // built without STAT4, like Debian's, could not load its rows). Everything else is
        // compared as usual, and sqlite_stat1 must be restored exactly.
        assertThat(dumpWithoutStat4(trip.restored())).containsExactlyElementsOf(dumpWithoutStat4(original));
        SqliteTestTools.assertSameHeader(original, trip.restored());
        assertHealthy(trip.restored());
        assertThat(query(original, "SELECT count(*) FROM sqlite_stat1")).isNotEqualTo(List.of(List.of("0")));
        assertSameRows(original, trip.restored(), "SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY tbl, idx");
        assertSameRows(original, trip.restored(), "SELECT type, name, tbl_name, sql FROM sqlite_schema"
                + " WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name");
        assertSameRows(original, trip.restored(), "SELECT * FROM \"v3 on v2\"");
        assertSameRows(original, trip.restored(), "SELECT * FROM pragma_index_list('p') ORDER BY name");
        assertThat(query(trip.restored(), "SELECT partial FROM pragma_index_list('p') WHERE name = 'p_active'"))
                .containsExactly(List.of("1"));
        // The partial index is used, so it holds the right rows.
        assertSameRows(original, trip.restored(), "SELECT name FROM p INDEXED BY p_active WHERE active = 1 ORDER BY name");
    }

    private static List<String> dumpWithoutStat4(Path db) {
        return SqliteTestTools.dumpSorted(db).stream()
                .filter(line -> !line.startsWith("INSERT INTO sqlite_stat4 ") && !line.equals("ANALYZE sqlite_schema;"))
                .toList();
    }

    @Test
    void fts5TableKeepsItsRowsAndRowids() throws Exception {
        source("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61', prefix = '2')",
                "INSERT INTO docs(rowid, title, body) VALUES (3, 'Pump leak', 'the pump is leaking oil'),"
                        + " (10, 'Belt', 'replace the belt; it''s worn'), (42, 'Café', 'machine à café — leaking'),"
                        + " (43, 'Gone', 'deleted later'), (1000000, 'Quotes', 'say \"hi\" to O''Brien'),"
                        + " (-5, 'Negative rowid', 'pumps and belts')",
                "DELETE FROM docs WHERE rowid = 43",
                "CREATE TABLE posts(id INTEGER PRIMARY KEY, body TEXT)",
                "INSERT INTO posts VALUES (7, 'external content pump'), (8, 'another post')",
                "CREATE VIRTUAL TABLE posts_fts USING fts5(body, content = 'posts', content_rowid = 'id')",
                "INSERT INTO posts_fts(posts_fts) VALUES ('rebuild')");

        RoundTrip trip = roundTrip();

        assertHealthy(trip.restored());
        SqliteTestTools.sql(trip.restored(), "INSERT INTO docs(docs) VALUES ('integrity-check');"
                + " INSERT INTO posts_fts(posts_fts) VALUES ('integrity-check');");
        assertSameRows(original, trip.restored(), "SELECT rowid, * FROM docs ORDER BY rowid");
        assertThat(query(trip.restored(), "SELECT rowid FROM docs ORDER BY rowid"))
                .containsExactly(List.of("-5"), List.of("3"), List.of("10"), List.of("42"), List.of("1000000"));
        for (String match : List.of("leak*", "pump", "belt", "\"o brien\"", "caf*", "title:belt")) {
            String sql = "SELECT rowid FROM docs WHERE docs MATCH '" + match.replace("'", "''") + "' ORDER BY rowid";
            assertThat(query(original, sql)).as(sql).isNotEmpty();
            assertSameRows(original, trip.restored(), sql);
        }
        assertSameRows(original, trip.restored(), "SELECT rowid FROM posts_fts WHERE posts_fts MATCH 'pump' ORDER BY rowid");
        assertSameRows(original, trip.restored(), "SELECT type, name, tbl_name, sql FROM sqlite_schema"
                + " WHERE name IN ('docs', 'posts', 'posts_fts') ORDER BY name");
        // .dump of the shadow tables may differ (segment layout); everything else must not.
        assertThat(dumpWithout(trip.restored(), "_data", "_idx", "_content", "_docsize", "_config"))
                .containsExactlyElementsOf(dumpWithout(original, "_data", "_idx", "_content", "_docsize", "_config"));
        assertThat(trip.manifest().tables()).extracting(TableSummary::name).doesNotContain("docs_data", "docs_idx",
                "docs_content", "docs_docsize", "docs_config").contains("docs");
    }

    private static List<String> dumpWithout(Path db, String... shadowSuffixes) {
        return SqliteTestTools.dumpSorted(db).stream()
                .filter(line -> java.util.Arrays.stream(shadowSuffixes).noneMatch(line::contains)).toList();
    }

    @Test
    void selfReferencesAndForeignKeyCyclesAreReportedAndRestored() throws Exception {
        source("PRAGMA foreign_keys = OFF",
                "CREATE TABLE emp(id INTEGER PRIMARY KEY, name TEXT, boss INTEGER REFERENCES emp(id))",
                "CREATE TABLE a(id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id))",
                "CREATE TABLE b(id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id))",
                "CREATE TABLE child(id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id))",
                "CREATE TABLE root(id INTEGER PRIMARY KEY)",
                // A row whose parent has a larger rowid, so rowid order is not parent order.
                "INSERT INTO emp VALUES (1, 'worker', 3), (2, 'lead', 3), (3, 'boss', NULL)",
                "INSERT INTO a VALUES (1, 2), (2, 1)",
                "INSERT INTO b VALUES (1, 2), (2, 1)",
                "INSERT INTO child VALUES (1, 1), (2, 2)");
        assertHealthy(original);

        RoundTrip trip = roundTripIdentical();

        BackupManifest manifest = trip.manifest();
        assertThat(manifest.plan().cycles()).containsExactlyInAnyOrder(List.of("a", "b"), List.of("emp"));
        List<String> order = manifest.plan().tableOrder();
        assertThat(order).containsExactlyInAnyOrder("emp", "a", "b", "child", "root");
        assertThat(order.indexOf("child")).isGreaterThan(order.indexOf("a"));
        for (String table : order) {
            assertSameRows(original, trip.restored(), "SELECT * FROM " + SqliteSnapshot.quote(table) + " ORDER BY id");
        }
        // The restored database enforces the keys once they are switched on.
        assertThat(SqliteTestTools.run(List.of(SqliteTestTools.sqlite3(), trip.restored().toString(),
                "PRAGMA foreign_keys = ON; INSERT INTO child VALUES (3, 99);"), null).exitCode()).isNotZero();
    }

    // ---- batching and chunking -------------------------------------------------------------------

    @Test
    void smallBatchesAndChunksStillRestoreIdentically() throws Exception {
        source("CREATE TABLE big(id INTEGER PRIMARY KEY, name TEXT, amount REAL, payload BLOB, note)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
                        + " INSERT INTO big SELECT i, 'row ' || i || ' it''s', i / 7.0, randomblob(i % 40),"
                        + " CASE i % 4 WHEN 0 THEN NULL WHEN 1 THEN i WHEN 2 THEN 'n' || char(13, 10) || i"
                        + " ELSE CAST(X'00FF' AS TEXT) END FROM n",
                "CREATE TABLE small(id INTEGER PRIMARY KEY, x)",
                "INSERT INTO small VALUES (1, 'only row')");
        int chunkBytes = 4096;
        int batchRows = 7;
        BackupOptions options = BackupOptions.builder().insertBatchRows(batchRows).chunkBytes(chunkBytes).build();

        RoundTrip trip = roundTrip(options);

        assertIdentical(original, trip.restored());
        assertHealthy(trip.restored());
        assertSameExactValues(trip, "big", "note", "id");
        assertSameExactValues(trip, "big", "amount", "id");

        BackupManifest manifest = trip.manifest();
        List<ManifestEntry> bigEntries = manifest.entries().stream()
                .filter(e -> e.kind() == ManifestEntry.Kind.DATA && "big".equals(e.table())).toList();
        assertThat(bigEntries).hasSizeGreaterThan(20);
        assertThat(bigEntries.stream().mapToLong(ManifestEntry::rows).sum()).isEqualTo(5000);
        assertThat(manifest.tables()).filteredOn(t -> t.name().equals("big"))
                .singleElement().satisfies(t -> {
                    assertThat(t.rows()).isEqualTo(5000);
                    assertThat(t.entries()).isEqualTo(bigEntries.size());
                });

        Map<String, byte[]> contents = readArchive(trip);
        Pattern statement = Pattern.compile("INSERT INTO [^\\n]*\\) VALUES\\n\\(.*?\\);\\n", Pattern.DOTALL);
        for (ManifestEntry entry : manifest.entries()) {
            if (entry.kind() != ManifestEntry.Kind.DATA) {
                continue;
            }
            String text = new String(contents.get(entry.name()), StandardCharsets.ISO_8859_1);
            assertThat((long) contents.get(entry.name()).length).isEqualTo(entry.size());
            Matcher m = statement.matcher(text);
            int end = 0;
            int lastStatementLength = 0;
            long rows = 0;
            while (m.find()) {
                assertThat(m.start()).as("statements in %s follow each other", entry.name()).isEqualTo(end);
                end = m.end();
                lastStatementLength = m.group().length();
                // Each row starts on its own line with "(" after "),"; no generated value contains that.
                int rowsInStatement = m.group().split("\\),\\n\\(", -1).length;
                assertThat(rowsInStatement).as("rows in one INSERT of %s", entry.name()).isBetween(1, batchRows);
                rows += rowsInStatement;
            }
            assertThat(end).as("%s holds only whole INSERT statements", entry.name()).isEqualTo(text.length());
            assertThat(rows).as("rows of %s", entry.name()).isEqualTo(entry.rows());
            assertThat(entry.size()).as("size of %s: below chunkBytes plus its last statement", entry.name())
                    .isLessThan(chunkBytes + lastStatementLength);
        }
    }

    /** Every entry of the stored archive, read with Java (zstd-jni and commons-compress). */
    private static Map<String, byte[]> readArchive(RoundTrip trip) throws IOException {
        Path folder = ((io.backupkit.LocalFolderStore) trip.service().store()).folder();
        Path archive = folder.resolve(trip.service().info(trip.manifest().id()).archiveName());
        Map<String, byte[]> contents = new LinkedHashMap<>();
        try (InputStream in = new ZstdInputStream(Files.newInputStream(archive));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                contents.put(e.getName(), tar.readAllBytes());
            }
        }
        assertThat(contents.keySet().stream().filter(n -> n.startsWith("sql/")).collect(Collectors.toList()))
                .isEqualTo(trip.manifest().entries().stream().map(ManifestEntry::name).toList());
        return contents;
    }
}
