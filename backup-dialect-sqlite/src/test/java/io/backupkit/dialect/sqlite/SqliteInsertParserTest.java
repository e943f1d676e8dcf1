package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.RedactionRules;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SqliteInsertParserTest {

    private static final String ENTRY = "sql/000007-data-t-00003.sql";

    /** The schema of the hand-written entries below. */
    private static final Map<String, List<String>> SCHEMA = Map.of(
            "t", List.of("a", "b", "c"),
            "ta\"ble", List.of("id", "na me"),
            "T", List.of("a"));

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------------------------------------
    // A real archive

    /**
     * SQL expressions whose values cover every edge the writer handles. Each becomes one row,
     * stored in columns of every affinity, so each is also seen as SQLite converts it.
     */
    private static final List<String> EDGE_VALUES = List.of(
            "NULL", "0", "1", "-1", "9223372036854775807", "-9223372036854775808",
            "0.0", "-0.0", "9e999", "-9e999", "1.7976931348623157e308", "-1.7976931348623157e308",
            "4.9e-324", "2.2250738585072014e-308", "2.225073858507201e-308", "0.1", "1e23", "1.0/3",
            "100.0", "-1e-5", "123456789012345678.0", "2e16", "0.30000000000000004",
            "'it''s'", "''", "'a' || char(13) || char(10) || 'b'", "'tab' || char(9) || 'and' || char(10) || 'lf'",
            "CAST(X'610062' AS TEXT)", "CAST(X'00' AS TEXT)", "CAST(X'FF80' AS TEXT)", "CAST(X'C0AF' AS TEXT)",
            "CAST(X'EDA080' AS TEXT)", "CAST(X'F4908080' AS TEXT)", "CAST(X'E282' AS TEXT)",
            "'😀 ⛄ é ' || char(8238) || ' ''quoted'''", "'-- not a comment /* nor this */'", "'NULL'", "'X''00'''",
            "X''", "X'00'", "X'00FF7F80'", "zeroblob(3)", "randomblob(64)");

    @Test
    void parsesEveryEntryOfARealBackupToWhatSqliteHolds() throws Exception {
        Path db = tmp.resolve("edge.db");
        try (Connection c = SqliteTestArchives.open(db)) {
            SqliteTestArchives.execute(c,
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA user_version = 42",
                    "PRAGMA application_id = -123456",
                    "CREATE TABLE \"ta\"\"ble\" (\"id\" INTEGER PRIMARY KEY, \"na me\" TEXT, \"v\", \"b\" BLOB, \"r\" REAL,"
                            + " \"n\" NUMERIC, \"g\" AS (\"id\" * 2))",
                    "CREATE TABLE \"ünï ⛄\" (k INTEGER PRIMARY KEY AUTOINCREMENT, \"x\"\"y\" ANY)",
                    "CREATE TABLE \"strict one\" (a INTEGER, b TEXT, c ANY, d BLOB, e REAL) STRICT",
                    "CREATE TABLE wr (k TEXT PRIMARY KEY, v) WITHOUT ROWID",
                    "CREATE TABLE redacted (id INTEGER PRIMARY KEY, secret TEXT, note TEXT)",
                    "CREATE VIRTUAL TABLE fts USING fts5(body)");
            for (String value : EDGE_VALUES) {
                SqliteTestArchives.execute(c,
                        "INSERT INTO \"ta\"\"ble\" (\"na me\", \"v\", \"b\", \"r\", \"n\") VALUES (" + value + ", "
                                + value + ", " + value + ", " + value + ", " + value + ")",
                        "INSERT INTO \"ünï ⛄\" (\"x\"\"y\") VALUES (" + value + ")",
                        "INSERT INTO wr VALUES (" + "'k' || (SELECT count(*) FROM wr)" + ", " + value + ")");
            }
            // Values that span the parser's 64 KiB window, with quotes near its edges.
            SqliteTestArchives.execute(c,
                    "INSERT INTO \"ta\"\"ble\" (\"na me\", \"v\") VALUES (replace(hex(zeroblob(100000)), '00', 'x'''),"
                            + " randomblob(100000))",
                    "INSERT INTO \"strict one\" VALUES (-9223372036854775808, 'tëxt', -0.0, X'', 9e999),"
                            + " (NULL, CAST(X'FE' AS TEXT), CAST(X'0000' AS TEXT), NULL, -9e999)",
                    "INSERT INTO redacted (secret, note) VALUES ('hidden', 'n1'), ('also hidden', 'n2')",
                    "INSERT INTO fts (rowid, body) VALUES (7, 'full text'), (9, 'more ''text''')",
                    "DELETE FROM \"ünï ⛄\" WHERE k > 40",
                    // Enough rows for several data entries of one table.
                    "INSERT INTO wr SELECT 'f' || x, x * 1.5 FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL"
                            + " SELECT x + 1 FROM c WHERE x < 500) SELECT x FROM c)");
        }

        List<String> tables = List.of("ta\"ble", "ünï ⛄", "strict one", "wr", "redacted", "fts");
        Map<String, List<String>> schema;
        Map<String, List<List<Object>>> expected = new LinkedHashMap<>();
        Map<String, Long> expectedSequences = new LinkedHashMap<>();
        try (Connection c = SqliteTestArchives.open(db)) {
            schema = SqliteTestArchives.insertableColumns(c, tables);
            for (String table : tables) {
                String order = table.equals("wr") ? "ORDER BY k" : "ORDER BY rowid";
                expected.put(table, SqliteTestArchives.rowsOf(c, table, schema.get(table), order));
            }
            try (var s = c.createStatement(); var rs = s.executeQuery("SELECT name, seq FROM sqlite_sequence")) {
                while (rs.next()) {
                    expectedSequences.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        assertThat(schema.get("ta\"ble")).doesNotContain("g");
        assertThat(schema.get("fts")).startsWith("rowid");
        // The redacted column is written by SqliteLiterals from a Java value, not by quote().
        // With NUL it becomes CAST(X'..' AS TEXT); without, a quoted literal holding a raw CR.
        String redactedValue = "x\r\ny 'z' \u0000 end";
        String redactedNote = "line1\r\nline2 'q'";
        expected.get("redacted").forEach(row -> {
            row.set(1, redactedValue);
            row.set(2, redactedNote);
        });

        Map<String, List<List<Object>>> parsed = new LinkedHashMap<>();
        List<SqliteFinishParser.Finish> finishes = new ArrayList<>();
        List<String> dataEntries = new ArrayList<>();
        BackupOptions options = BackupOptions.builder().insertBatchRows(3).chunkBytes(4096).build();
        RedactionRules redaction = RedactionRules.builder().fixed("redacted", "secret", redactedValue)
                .fixed("redacted", "note", redactedNote).build();
        BackupManifest manifest = SqliteTestArchives.backUpAndRead(db, tmp.resolve("store"),
                SqliteTestArchives.options(options, redaction), (entry, content) -> {
                    if (entry.kind() == ManifestEntry.Kind.DATA) {
                        dataEntries.add(entry.name());
                        long rows = new SqliteInsertParser(schema, entry.name()).parse(content,
                                (table, columns, values) -> {
                                    assertThat(table).isEqualTo(entry.table());
                                    assertThat(columns).isEqualTo(schema.get(table));
                                    parsed.computeIfAbsent(table, k -> new ArrayList<>()).add(Arrays.asList(values));
                                });
                        assertThat(rows).as(entry.name()).isEqualTo(entry.rows());
                    } else if (entry.kind() == ManifestEntry.Kind.FINISH) {
                        finishes.add(new SqliteFinishParser(entry.name()).parse(content));
                    }
                });

        assertThat(manifest.compression().algorithm()).isEqualTo(io.backupkit.Compression.Algorithm.ZSTD);
        assertThat(dataEntries).hasSizeGreaterThan(tables.size()); // several chunks per table
        for (String table : tables) {
            List<List<Object>> want = expected.get(table);
            List<List<Object>> got = parsed.getOrDefault(table, List.of());
            assertThat(got).as(table).hasSameSizeAs(want);
            for (int i = 0; i < want.size(); i++) {
                // List.equals compares doubles with Double.equals: bit for bit, so -0.0 != 0.0.
                assertThat(got.get(i)).as("%s row %d", table, i).isEqualTo(want.get(i));
            }
        }
        assertThat(finishes).singleElement().satisfies(f -> {
            assertThat(f.userVersion()).isEqualTo(42);
            assertThat(f.applicationId()).isEqualTo(-123456);
            assertThat(f.sequences()).isEqualTo(expectedSequences);
        });
        // The edge values really reached the parser as the kinds of value they are meant to be.
        List<Object> flat = parsed.values().stream().flatMap(List::stream).flatMap(List::stream).toList();
        assertThat(flat).contains(Long.MIN_VALUE, Long.MAX_VALUE, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE, "", "a\r\nb", "a\u0000b",
                new SqliteText(new byte[] {(byte) 0xFF, (byte) 0x80}), new SqliteBlob(new byte[0]));
    }

    // ---------------------------------------------------------------------------------------------
    // Accepted input

    @Test
    void parsesTheWritersLayout() throws Exception {
        String entry = "INSERT INTO \"ta\"\"ble\" (\"id\",\"na me\") VALUES\n(1,'it''s'),\n(2,NULL);\n"
                + "INSERT INTO \"t\" (\"c\",\"a\") VALUES\n(X'00ff',-0.0);\n";
        List<Object[]> rows = new ArrayList<>();
        List<String> tables = new ArrayList<>();
        List<List<String>> columns = new ArrayList<>();
        long count = new SqliteInsertParser(SCHEMA, ENTRY).parse(utf8(entry), (table, cols, values) -> {
            tables.add(table);
            columns.add(cols);
            rows.add(values);
        });

        assertThat(count).isEqualTo(3);
        assertThat(tables).containsExactly("ta\"ble", "ta\"ble", "t");
        assertThat(columns.get(0)).containsExactly("id", "na me").isSameAs(columns.get(1));
        assertThat(columns.get(2)).containsExactly("c", "a");
        assertThat(rows.get(0)).containsExactly(1L, "it's");
        assertThat(rows.get(1)).containsExactly(2L, null);
        assertThat(rows.get(2)).containsExactly(new SqliteBlob(new byte[] {0, (byte) 0xFF}), -0.0);
        assertThat(Double.doubleToRawLongBits((Double) rows.get(2)[1])).isEqualTo(Long.MIN_VALUE);
    }

    static Stream<Arguments> literals() {
        return Stream.of(
                Arguments.of("NULL", null),
                Arguments.of("nUlL", null),
                Arguments.of("0", 0L),
                Arguments.of("-0", 0L),
                Arguments.of("007", 7L),
                Arguments.of("9223372036854775807", Long.MAX_VALUE),
                Arguments.of("-9223372036854775808", Long.MIN_VALUE),
                Arguments.of("0.1", 0.1),
                Arguments.of("-0.0", -0.0),
                Arguments.of("0.0", 0.0),
                Arguments.of("100.0", 100.0),
                Arguments.of("1.0e+23", 1e23),
                Arguments.of("1.0e-05", 1e-5),
                Arguments.of("3.3333333333333331e-01", 1.0 / 3),
                Arguments.of("9e999", Double.POSITIVE_INFINITY),
                Arguments.of("-9e999", Double.NEGATIVE_INFINITY),
                Arguments.of("9.0e+999", Double.POSITIVE_INFINITY),
                Arguments.of("1e-999", 0.0),
                Arguments.of("-1e-999", -0.0),
                Arguments.of("5.0e-324", Double.MIN_VALUE),
                Arguments.of("4.9406564584124654e-324", Double.MIN_VALUE),
                Arguments.of("1.7976931348623157e+308", Double.MAX_VALUE),
                Arguments.of("9007199254740993.0", 9007199254740992.0),
                Arguments.of("123456789012345678901234567890.0", 123456789012345678901234567890.0),
                Arguments.of(".5", 0.5),
                Arguments.of("5.", 5.0),
                Arguments.of("1E5", 1e5),
                Arguments.of("2e0", 2.0),
                Arguments.of("'it''s'", "it's"),
                Arguments.of("''", ""),
                Arguments.of("''''", "'"),
                Arguments.of("'-- /* */'", "-- /* */"),
                Arguments.of("'a\nb\tc\rd'", "a\nb\tc\rd"),
                Arguments.of("'😀'", "😀"),
                Arguments.of("X''", new SqliteBlob(new byte[0])),
                Arguments.of("x'0aFf'", new SqliteBlob(new byte[] {10, (byte) 0xFF})),
                Arguments.of("CAST(X'616263' AS TEXT)", "abc"),
                Arguments.of("cast ( x'00' as text )", "\u0000"),
                Arguments.of("CAST(X'' AS TEXT)", ""),
                Arguments.of("CAST(X'FF' AS TEXT)", new SqliteText(new byte[] {(byte) 0xFF})),
                Arguments.of("CAST(X'EDA080' AS TEXT)", new SqliteText(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("literals")
    void parsesEachLiteralForm(String literal, Object expected) throws Exception {
        Object value = parseOne(literal.getBytes(StandardCharsets.UTF_8));

        assertThat(value).isEqualTo(expected);
        if (expected instanceof Double d) {
            assertThat(Double.doubleToRawLongBits((Double) value)).isEqualTo(Double.doubleToRawLongBits(d));
        }
    }

    @Test
    void quotedTextWithInvalidUtf8IsKeptAsBytes() throws Exception {
        byte[] literal = {'\'', 'a', (byte) 0xC3, '\'', '\'', (byte) 0xFF, '\''};

        assertThat(parseOne(literal)).isEqualTo(new SqliteText(new byte[] {'a', (byte) 0xC3, '\'', (byte) 0xFF}));
    }

    @Test
    void emptyAndBlankEntriesHaveNoRows() throws Exception {
        SqliteInsertParser parser = new SqliteInsertParser(SCHEMA, ENTRY);

        assertThat(parser.parse(utf8(""), (t, c, v) -> { })).isZero();
        assertThat(parser.parse(utf8(" \n\t\r\n"), (t, c, v) -> { })).isZero();
    }

    @Test
    void whitespaceBetweenTokensIsFreeAndKeywordsAreCaseInsensitive() throws Exception {
        String entry = "\n  insert\tinto\"t\"(\"a\" , \"b\")values( 1 ,\n'x' ) ,(2,3.5)\n;\n\n";
        List<List<Object>> rows = parseAll(utf8(entry));

        assertThat(rows).containsExactly(List.of(1L, "x"), List.of(2L, 3.5));
    }

    /** The same entry read in one piece and in random slivers of 1 to 9 bytes gives the same rows. */
    @Test
    void streamingInSliversGivesTheSameRows() throws Exception {
        StringBuilder big = new StringBuilder("INSERT INTO \"t\" (\"a\",\"b\",\"c\") VALUES\n");
        Random random = new Random(7);
        for (int i = 0; i < 3000; i++) {
            String text = "x".repeat(random.nextInt(100)) + "''" + "é".repeat(random.nextInt(5)) + "\n";
            big.append(i > 0 ? "),\n(" : "(").append(i).append(",'").append(text).append("',X'")
                    .append("0A".repeat(random.nextInt(60))).append("'");
        }
        big.append(");\n");
        byte[] bytes = big.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(bytes.length).isGreaterThan(3 * SqlEntryLexer.WINDOW);

        List<List<Object>> whole = parseAll(new ByteArrayInputStream(bytes));
        List<List<Object>> slivers = parseAll(new SliverStream(new ByteArrayInputStream(bytes), new Random(3)));

        assertThat(whole).hasSize(3000);
        assertThat(slivers).isEqualTo(whole);
    }

    @Test
    void aSinkExceptionPropagatesUnchanged() {
        java.sql.SQLException boom = new java.sql.SQLException("bind failed");
        assertThatThrownBy(() -> new SqliteInsertParser(SCHEMA, ENTRY).parse(
                utf8("INSERT INTO \"T\" (\"a\") VALUES (1);"), (table, columns, values) -> {
                    throw boom;
                })).isSameAs(boom);
    }

    // ---------------------------------------------------------------------------------------------
    // Rejected input

    private static final String ONE_ROW = "INSERT INTO \"t\" (\"a\") VALUES\n(1);\n";

    static Stream<Arguments> rejected() {
        return Stream.of(
                // Statements other than INSERT INTO.
                Arguments.of(ONE_ROW + "DROP TABLE t;\n", 3, "DROP statement"),
                Arguments.of(ONE_ROW + "ATTACH DATABASE '/tmp/x' AS x;\n", 3, "ATTACH statement"),
                Arguments.of(ONE_ROW + "PRAGMA writable_schema = 1;\n", 3, "PRAGMA statement"),
                Arguments.of("DELETE FROM \"t\";\n", 1, "DELETE statement"),
                Arguments.of(ONE_ROW + "UPDATE \"t\" SET \"a\" = 2;\n", 3, "UPDATE statement"),
                Arguments.of(ONE_ROW + "\nSELECT load_extension('x');\n", 4, "SELECT statement"),
                Arguments.of("CREATE TABLE evil(x);\n" + ONE_ROW, 1, "CREATE statement"),
                Arguments.of("BEGIN;\n" + ONE_ROW, 1, "BEGIN statement"),
                Arguments.of("REPLACE INTO \"t\" (\"a\") VALUES (1);", 1, "REPLACE statement"),
                Arguments.of("INSERT OR REPLACE INTO \"t\" (\"a\") VALUES (1);", 1, "expected INTO"),
                Arguments.of("INSERT INTO \"t\" (\"a\") SELECT 1;", 1, "expected VALUES"),
                Arguments.of("INSERT INTO \"t\" DEFAULT VALUES;", 1, "'(' starting the column list"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1) ON CONFLICT DO NOTHING;", 1, "',' or ';' after a row"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1) RETURNING *;", 1, "',' or ';' after a row"),
                // Names.
                Arguments.of(ONE_ROW + "INSERT INTO \"evil\" (\"a\") VALUES (1);", 3, "unknown table \"evil\""),
                Arguments.of("INSERT INTO \"t \" (\"a\") VALUES (1);", 1, "unknown table"),
                Arguments.of("INSERT INTO \"main\".\"t\" (\"a\") VALUES (1);", 1, "unknown table \"main\""),
                Arguments.of("INSERT INTO t (\"a\") VALUES (1);", 1, "double-quoted"),
                Arguments.of("INSERT INTO [t] (\"a\") VALUES (1);", 1, "double-quoted"),
                Arguments.of("INSERT INTO \"t\" (\"a\",\n\"zz\") VALUES (1, 2);", 2, "unknown column \"zz\""),
                Arguments.of("INSERT INTO \"t\" (\"A\") VALUES (1);", 1, "unknown column \"A\""),
                Arguments.of("INSERT INTO \"t\" (\"a\",\"b\",\"a\") VALUES (1,2,3);", 1, "named twice"),
                Arguments.of("INSERT INTO \"t\" () VALUES ();", 1, "column name"),
                Arguments.of("INSERT INTO \"t\" (a) VALUES (1);", 1, "double-quoted"),
                Arguments.of("INSERT INTO \"\u00FF\" (\"a\") VALUES (1);", 1, "not valid UTF-8"),
                // Value counts.
                Arguments.of("INSERT INTO \"t\" (\"a\",\"b\") VALUES\n(1,2),\n(3);", 3, "1 values but the statement"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(1),\n(2,3);", 3, "more values than the 1 columns"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n();", 2, "expected a literal"),
                // Not literals.
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(1),\n(load_extension('x'));", 3, "function call load_extension"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (readfile ('/etc/passwd'));", 1, "function call readfile"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES ((SELECT 1));", 1, "subqueries"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (\"b\");", 1, "expected a literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (b);", 1, "the name or keyword b"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (TRUE);", 1, "the name or keyword TRUE"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (CURRENT_TIMESTAMP);", 1, "CURRENT_TIMESTAMP"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1+1);", 1, "',' or ')' after a value but found '+<number>);'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1 || 2);", 1, "',' or ')' after a value"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES ('a' 'b');", 1, "',' or ')' after a value"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (-(1));", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (- 1);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (+1);", 1, "expected a literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (?);", 1, "expected a literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (:x);", 1, "expected a literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (CAST('a' AS TEXT));", 1, "X'...' inside CAST"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (CAST(X'00' AS BLOB));", 1, "expected TEXT"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (CAST(X'00' AS TEXT) || 'x');", 1, "',' or ')'"),
                // Comments, outside strings only.
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(1 /* hidden */);", 2, "comment"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(1), -- hidden\n(2);", 2, "comment"),
                Arguments.of("/* x */ INSERT INTO \"t\" (\"a\") VALUES (1);", 1, "comment"),
                Arguments.of(ONE_ROW + "-- trailing", 3, "comment"),
                // After the last statement.
                Arguments.of(ONE_ROW + "xyz", 3, "found a xyz statement"),
                Arguments.of(ONE_ROW + ")", 3, "found ')'"),
                Arguments.of(ONE_ROW + ";", 3, "found ';'"),
                Arguments.of(ONE_ROW + "\u0000", 3, "found '\\x00'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1); SELECT 1", 1, "SELECT statement"),
                // Unterminated and truncated.
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n('abc\n\n", 2, "unterminated string literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n('abc'')", 2, "unterminated string literal"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(X'00", 2, "unterminated X'...'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1)", 1, "missing ';'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1),", 1, "missing ';'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (", 1, "missing ';'"),
                Arguments.of("INSERT INTO \"t\" (\"a", 1, "unterminated identifier"),
                Arguments.of("INSERT INTO", 1, "missing ';'"),
                // Malformed literals.
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(X'ABC');", 2, "odd number of hex digits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(CAST(X'0' AS TEXT));", 2, "odd number of hex digits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(X'GG');", 2, "non-hex character 'G'"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(X'0\n0');", 2, "non-hex character \\x0A"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(9223372036854775808);", 2, "does not fit in 64 bits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(-9223372036854775809);", 2, "does not fit in 64 bits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n(99999999999999999999999);", 2, "does not fit in 64 bits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1e);", 1, "exponent without digits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1e+);", 1, "exponent without digits"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1.2.3);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (0x10);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1abc);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (1_000);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (.);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (-);", 1, "malformed number"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (Infinity);", 1, "Infinity"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (NaN);", 1, "NaN"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES (" + "1".repeat(1001) + ");", 1, "longer than 1000"),
                Arguments.of("INSERT INTO \"t\" (\"a\") VALUES\n('a\u0000b');", 2, "NUL byte"));
    }

    @ParameterizedTest(name = "[{index}] line {1}: {2}")
    @MethodSource("rejected")
    void rejectsWithEntryLineAndProblem(String entry, int line, String problem) {
        // ISO-8859-1 so that \u00FF and \u0000 above stand for single raw bytes.
        byte[] bytes = entry.getBytes(StandardCharsets.ISO_8859_1);

        assertThatThrownBy(() -> new SqliteInsertParser(SCHEMA, ENTRY).parse(new ByteArrayInputStream(bytes),
                (table, columns, values) -> { }))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(ENTRY)
                .hasMessageContaining("line " + line + ":")
                .hasMessageContaining(problem);
    }

    @Test
    void messagesShowHostileBytesEscaped() {
        String entry = "INSERT INTO \"t\u001B[31m\" (\"a\") VALUES (1);";

        assertThatThrownBy(() -> parseAll(utf8(entry)))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("unknown table \"t\\u001B[31m\"")
                .hasMessageNotContaining("\u001B");
    }

    @Test
    void lineNumbersCountLineFeedsInsideStrings() {
        String entry = "INSERT INTO \"t\" (\"a\") VALUES\n('one\ntwo\nthree'),\n(oops);";

        assertThatThrownBy(() -> parseAll(utf8(entry))).hasMessageContaining("line 5:");
    }

    @Test
    void rowsBeforeARejectionWereHandedOverAndNothingAfter() {
        List<Object> seen = new ArrayList<>();
        String entry = "INSERT INTO \"t\" (\"a\") VALUES\n(1),\n(2),\n(nope),\n(4);";

        assertThatThrownBy(() -> new SqliteInsertParser(SCHEMA, ENTRY).parse(utf8(entry),
                (table, columns, values) -> seen.add(values[0])))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("line 4:");
        assertThat(seen).containsExactly(1L, 2L);
    }

    // ---------------------------------------------------------------------------------------------
    // Limits

    @Test
    void rejectsAStatementOverTheLimit() {
        SqliteInsertParser parser = new SqliteInsertParser(SCHEMA, ENTRY, new SqliteInsertParser.Limits(1000, 1000));
        StringBuilder entry = new StringBuilder(ONE_ROW).append("INSERT INTO \"t\" (\"a\") VALUES\n(0)");
        for (int i = 0; i < 200; i++) {
            entry.append(",\n(").append(i).append(')');
        }
        entry.append(';');

        assertThatThrownBy(() -> parser.parse(utf8(entry.toString()), (t, c, v) -> { }))
                .isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining(ENTRY).hasMessageContaining("line 3:")
                .hasMessageContaining("larger than the limit of 1000 bytes");
    }

    @Test
    void rejectsAStatementOverTheLimitEvenInsideOneHugeValue() {
        SqliteInsertParser parser = new SqliteInsertParser(SCHEMA, ENTRY,
                new SqliteInsertParser.Limits(100_000, Integer.MAX_VALUE));
        // Never ends: without the limit, the parser would hold the string until memory runs out.
        InputStream endless = new InputStream() {
            private final byte[] head = "INSERT INTO \"t\" (\"a\") VALUES ('".getBytes(StandardCharsets.US_ASCII);
            private long n;

            @Override
            public int read() {
                return n < head.length ? head[(int) n++] : 'x';
            }
        };

        assertThatThrownBy(() -> parser.parse(endless, (t, c, v) -> { }))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("line 1:")
                .hasMessageContaining("larger than the limit of 100000 bytes");
    }

    @Test
    void rejectsValuesOverTheLimit() {
        SqliteInsertParser parser = new SqliteInsertParser(SCHEMA, ENTRY, new SqliteInsertParser.Limits(1 << 30, 100));

        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES ('" + "x".repeat(100) + "');")).isNull();
        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES\n('" + "x".repeat(101) + "');"))
                .contains(ENTRY, "line 2:", "string literal is longer than the limit of 100 bytes");
        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES\n('" + "x''".repeat(100) + "');"))
                .contains("line 2:", "longer than the limit of 100 bytes");
        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES\n(X'" + "AB".repeat(101) + "');"))
                .contains("line 2:", "X'...' literal is longer than the limit of 100 bytes");
        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES\n(CAST(X'" + "AB".repeat(101) + "' AS TEXT));"))
                .contains("line 2:", "longer than the limit of 100 bytes");
        // Beyond one window of the stream too.
        assertThat(catching(parser, "INSERT INTO \"t\" (\"a\") VALUES\n('" + "x".repeat(200_000) + "');"))
                .contains("line 2:", "longer than the limit of 100 bytes");
    }

    // ---------------------------------------------------------------------------------------------
    // Speed

    /**
     * Parses a generated 50 MB entry of typical rows and reports the rate. The bound only catches a
     * pathological slowdown (say, quadratic buffering); the rate itself is printed for the record.
     */
    @Test
    void parsesFiftyMegabytesQuickly() throws Exception {
        Map<String, List<String>> schema = Map.of("tickets", List.of("id", "title", "body", "score", "owner", "data"));
        ByteArrayOutputStream out = new ByteArrayOutputStream(56 << 20);
        Random random = new Random(1);
        long id = 0;
        while (out.size() < 50 << 20) {
            out.writeBytes("INSERT INTO \"tickets\" (\"id\",\"title\",\"body\",\"score\",\"owner\",\"data\") VALUES\n("
                    .getBytes(StandardCharsets.UTF_8));
            for (int r = 0; r < 500; r++) {
                if (r > 0) {
                    out.writeBytes("),\n(".getBytes(StandardCharsets.US_ASCII));
                }
                Object[] row = {++id, "Ticket number " + id + " can''t login",
                        "Body text ".repeat(random.nextInt(20)) + "é", random.nextDouble() * 1000,
                        random.nextBoolean() ? null : (long) random.nextInt(100_000),
                        new byte[random.nextInt(16)]};
                for (int c = 0; c < row.length; c++) {
                    if (c > 0) {
                        out.write(',');
                    }
                    out.writeBytes(c == 1 ? ("'" + row[c] + "'").getBytes(StandardCharsets.UTF_8)
                            : SqliteLiterals.literal(row[c]));
                }
            }
            out.writeBytes(");\n".getBytes(StandardCharsets.US_ASCII));
        }
        byte[] entry = out.toByteArray();
        // Several rounds: the first shows a cold JVM, the best one the rate once the JIT has compiled the parser.
        long[] rows = new long[1];
        double first = 0;
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            rows[0] = 0;
            long started = System.nanoTime();
            new SqliteInsertParser(schema, ENTRY).parse(new ByteArrayInputStream(entry),
                    (table, columns, values) -> rows[0]++);
            double seconds = (System.nanoTime() - started) / 1e9;
            first = round == 0 ? seconds : first;
            best = Math.min(best, seconds);
            assertThat(rows[0]).isEqualTo(id);
        }
        System.out.printf("SqliteInsertParser: %.1f MB, %d rows: first pass %.3f s = %.0f MB/s, best %.3f s = %.0f MB/s%n",
                entry.length / 1e6, id, first, entry.length / 1e6 / first, best, entry.length / 1e6 / best);
        assertThat(first).isLessThan(30);
    }

    // ---------------------------------------------------------------------------------------------

    private static InputStream utf8(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Object parseOne(byte[] literal) throws Exception {
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        entry.writeBytes("INSERT INTO \"T\" (\"a\") VALUES\n(".getBytes(StandardCharsets.US_ASCII));
        entry.writeBytes(literal);
        entry.writeBytes(");\n".getBytes(StandardCharsets.US_ASCII));
        List<List<Object>> rows = parseAll(new ByteArrayInputStream(entry.toByteArray()));
        assertThat(rows).hasSize(1);
        return rows.get(0).get(0);
    }

    private static List<List<Object>> parseAll(InputStream in) throws Exception {
        List<List<Object>> rows = new ArrayList<>();
        new SqliteInsertParser(SCHEMA, ENTRY).parse(in, (table, columns, values) -> rows.add(Arrays.asList(values)));
        return rows;
    }

    /** The rejection message, or null when the entry parsed. */
    private static String catching(SqliteInsertParser parser, String entry) {
        try {
            parser.parse(utf8(entry), (t, c, v) -> { });
            return null;
        } catch (InvalidArchiveException e) {
            return e.getMessage();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Hands out the stream in slivers of random length, as a network or decompressor might. */
    static final class SliverStream extends FilterInputStream {
        private final Random random;

        SliverStream(InputStream in, Random random) {
            super(in);
            this.random = random;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 1 + random.nextInt(9)));
        }
    }
}
