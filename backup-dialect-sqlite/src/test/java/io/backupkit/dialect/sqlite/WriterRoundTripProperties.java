package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.backupkit.BackupOptions;
import io.backupkit.dialect.sqlite.SqliteTestTools.RoundTrip;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Property: random rows of random storage classes, inserted with prepared statements, come back
 * from backup, {@code exportSql} and a load by the real {@code sqlite3} shell with the same
 * {@code typeof()} and exactly the same value (raw bytes for TEXT and BLOB, raw IEEE-754 bits for
 * REAL) in every column: untyped, typed with each affinity, and {@code ANY} in a STRICT table.
 *
 * <p>Each try is a dynamic test with its own seed, so a failure names the seed and the generated
 * row; rerun one seed with {@code -Dbackupkit.writerSeed=SEED} (and more tries with
 * {@code -Dbackupkit.writerTries=N}).
 *
 * <p>REAL values are judged twice. The writer's part is strict and needs no loader: the literal it
 * wrote must denote exactly the original double (Java parses decimals with correct rounding). The
 * loader's part: older {@code sqlite3} shells do not round every decimal correctly. Debian 12's
 * 3.40.1 misreads about 1 in 200 random double bit patterns (most of them near or below 1e-308) by
 * one unit in the last place, whatever the number of digits, while the 3.54 library inside
 * sqlite-jdbc reads the same literals exactly. A restored REAL that differs is therefore accepted,
 * with a warning, only when that same shell reads that same literal to that same wrong value on
 * its own; {@code -Dbackupkit.strictCliReals=true} makes even that a failure.
 */
class WriterRoundTripProperties {

    private static final int ROWS_PER_TRY = 50;
    private static final List<String> COLUMNS = List.of("u", "i", "r", "x", "b", "n");

    @TempDir
    Path work;

    @TestFactory
    Stream<DynamicTest> randomRowsRoundTripExactly() {
        long baseSeed = Long.getLong("backupkit.writerSeed", 0x5EED_2025L);
        boolean oneSeed = System.getProperty("backupkit.writerSeed") != null;
        int tries = Integer.getInteger("backupkit.writerTries", oneSeed ? 1 : 40);
        return IntStream.range(0, tries).mapToObj(i -> {
            long seed = baseSeed + i;
            return DynamicTest.dynamicTest("seed " + seed, () -> checkOneTry(seed));
        });
    }

    private void checkOneTry(long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path folder = Files.createDirectories(work.resolve("try-" + seed));
        Path original = folder.resolve("original.db");
        SqliteTestTools.execute(original,
                "CREATE TABLE t(id INTEGER PRIMARY KEY, u, i INTEGER, r REAL, x TEXT, b BLOB, n NUMERIC)",
                "CREATE TABLE s(id INTEGER PRIMARY KEY, a ANY, z ANY) STRICT");
        List<List<Value>> rows = new ArrayList<>();
        try (Connection c = SqliteTestTools.connect(original)) {
            c.setAutoCommit(false);
            for (int id = 1; id <= ROWS_PER_TRY; id++) {
                List<Value> row = new ArrayList<>();
                for (int col = 0; col < COLUMNS.size() + 2; col++) {
                    row.add(Value.random(random));
                }
                rows.add(row);
                insert(c, "t", COLUMNS, id, row.subList(0, COLUMNS.size()));
                insert(c, "s", List.of("a", "z"), id, row.subList(COLUMNS.size(), COLUMNS.size() + 2));
            }
            c.commit();
        }
        // Small batches and chunks too, so statement and entry boundaries fall between random values.
        BackupOptions options = random.nextBoolean() ? BackupOptions.defaults()
                : BackupOptions.builder().insertBatchRows(1 + random.nextInt(9)).chunkBytes(4096).build();

        RoundTrip trip = SqliteTestTools.roundTrip(original, folder.resolve("trip"), options);

        Map<String, Map<Long, List<String>>> literals = literalsByRow(trip.script());
        List<String> loaderMisreads = new ArrayList<>();
        for (int col = 0; col < COLUMNS.size() + 2; col++) {
            String table = col < COLUMNS.size() ? "t" : "s";
            int position = col < COLUMNS.size() ? col : col - COLUMNS.size();
            String column = col < COLUMNS.size() ? COLUMNS.get(col) : List.of("a", "z").get(position);
            List<String> expected = SqliteTestTools.exactValues(original, table, column, "id");
            List<String> actual = SqliteTestTools.exactValues(trip.restored(), table, column, "id");
            assertThat(actual).as("row count of %s", table).hasSameSizeAs(expected);
            for (int r = 0; r < expected.size(); r++) {
                long id = r + 1;
                String literal = literals.get(table).get(id).get(position + 1);
                String context = "seed " + seed + ": " + table + "." + column + " of row id " + id + " was inserted as "
                        + rows.get(r).get(col) + ", read back from the original as " + expected.get(r)
                        + ", written as " + abbreviate(literal) + ", and read back from the restored copy as "
                        + actual.get(r) + " (rerun with -Dbackupkit.writerSeed=" + seed + ")";
                if (expected.get(r).startsWith("real ")) {
                    // The writer's part, independent of any loader: the literal denotes exactly this double.
                    double original64 = Double.longBitsToDouble(Long.parseUnsignedLong(
                            expected.get(r).substring(expected.get(r).lastIndexOf(' ') + 1), 16));
                    if (Double.doubleToRawLongBits(Double.parseDouble(literal))
                            != Double.doubleToRawLongBits(original64)) {
                        fail(context + ": the literal does not denote the original double");
                    }
                }
                if (!expected.get(r).equals(actual.get(r))) {
                    if (expected.get(r).startsWith("real ") && actual.get(r).startsWith("real ")
                            && cliParsesAs(literal).equals(actual.get(r).substring(actual.get(r).lastIndexOf(' ') + 1))
                            && !STRICT_CLI_REALS) {
                        loaderMisreads.add(context);
                    } else {
                        fail(context);
                    }
                }
            }
        }
        if (!loaderMisreads.isEmpty()) {
            // The literal was exact, and the shell misreads that very literal on its own: its
            // parser does not round correctly. See the class comment.
            System.out.println("WARNING: " + SqliteTestTools.run(List.of(SqliteTestTools.sqlite3(), "--version"), null)
                    .out().strip() + " misread " + loaderMisreads.size() + " exact REAL literal(s), for example:\n  "
                    + String.join("\n  ", loaderMisreads.subList(0, Math.min(2, loaderMisreads.size()))));
        } else {
            SqliteTestTools.assertIdentical(original, trip.restored());
        }
        SqliteTestTools.assertSameHeader(original, trip.restored());
    }

    private static final boolean STRICT_CLI_REALS = Boolean.getBoolean("backupkit.strictCliReals");

    private static String abbreviate(String literal) {
        return literal.length() > 80 ? literal.substring(0, 77) + "..." : literal;
    }

    /** The raw bits, in lower-case hex, that the sqlite3 shell itself gives a REAL literal. */
    private static String cliParsesAs(String literal) {
        String hex = SqliteTestTools.run(List.of(SqliteTestTools.sqlite3(), ":memory:",
                "SELECT hex(ieee754_to_blob(" + literal + "));"), null).requireClean().out().strip();
        return Long.toHexString(Long.parseUnsignedLong(hex, 16));
    }

    /**
     * Every row of the exported script's INSERT statements, by table and then by id (the first
     * value), as the literal texts the writer produced, in column order.
     */
    static Map<String, Map<Long, List<String>>> literalsByRow(Path script) throws java.io.IOException {
        String sql = new String(Files.readAllBytes(script), StandardCharsets.ISO_8859_1);
        Map<String, Map<Long, List<String>>> result = new HashMap<>();
        Matcher insert = Pattern.compile("(?m)^INSERT INTO \"([^\"]+)\" \\([^\\n]*\\) VALUES\n").matcher(sql);
        int from = 0;
        while (insert.find(from)) {
            Map<Long, List<String>> rowsOfTable = result.computeIfAbsent(insert.group(1), k -> new HashMap<>());
            int i = insert.end();
            while (true) {
                if (sql.charAt(i) != '(') {
                    throw new AssertionError("expected '(' at offset " + i + " of " + script);
                }
                i++;
                List<String> values = new ArrayList<>();
                while (true) {
                    int start = i;
                    i = endOfLiteral(sql, i);
                    values.add(sql.substring(start, i));
                    char next = sql.charAt(i++);
                    if (next == ')') {
                        break;
                    }
                    if (next != ',') {
                        throw new AssertionError("unexpected '" + next + "' at offset " + (i - 1) + " of " + script);
                    }
                }
                rowsOfTable.put(Long.parseLong(values.get(0)), values);
                if (sql.startsWith(",\n", i)) {
                    i += 2;
                } else if (sql.startsWith(";\n", i)) {
                    i += 2;
                    break;
                } else {
                    throw new AssertionError("unexpected text after a row at offset " + i + " of " + script);
                }
            }
            from = i;
        }
        return result;
    }

    /** Where the literal starting at {@code i} ends: quoted text, X'..', CAST(X'..' AS TEXT) or a bare word. */
    private static int endOfLiteral(String sql, int i) {
        if (sql.startsWith("CAST(X'", i)) {
            return sql.indexOf(" AS TEXT)", sql.indexOf('\'', i + 7) + 1) + " AS TEXT)".length();
        }
        if (sql.startsWith("X'", i)) {
            return sql.indexOf('\'', i + 2) + 1;
        }
        if (sql.charAt(i) == '\'') {
            int j = i + 1;
            while (true) {
                j = sql.indexOf('\'', j);
                if (j + 1 < sql.length() && sql.charAt(j + 1) == '\'') {
                    j += 2;
                } else {
                    return j + 1;
                }
            }
        }
        int j = i;
        while (sql.charAt(j) != ',' && sql.charAt(j) != ')') {
            j++;
        }
        return j;
    }

    private static void insert(Connection c, String table, List<String> columns, int id, List<Value> values)
            throws SQLException {
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(table).append("(id");
        columns.forEach(name -> sql.append(", ").append(name));
        sql.append(") VALUES (?");
        values.forEach(v -> sql.append(", ").append(v.placeholder()));
        sql.append(')');
        try (PreparedStatement insert = c.prepareStatement(sql.toString())) {
            insert.setInt(1, id);
            for (int i = 0; i < values.size(); i++) {
                values.get(i).bind(insert, i + 2);
            }
            insert.executeUpdate();
        }
    }

    /** One generated value and how it is bound. */
    private sealed interface Value {

        String placeholder();

        void bind(PreparedStatement statement, int index) throws SQLException;

        static Value random(SplittableRandom random) {
            return switch (random.nextInt(6)) {
                case 0 -> new Null();
                case 1 -> new Int(randomLong(random));
                case 2 -> new Real(randomDouble(random));
                case 3 -> new Text(randomString(random));
                case 4 -> new RawText(randomBytes(random, true));
                default -> new Blob(randomBytes(random, false));
            };
        }
    }

    private record Null() implements Value {
        public String placeholder() {
            return "?";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setNull(index, java.sql.Types.NULL);
        }

        public String toString() {
            return "NULL";
        }
    }

    private record Int(long value) implements Value {
        public String placeholder() {
            return "?";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setLong(index, value);
        }

        public String toString() {
            return "INTEGER " + value;
        }
    }

    private record Real(double value) implements Value {
        public String placeholder() {
            return "?";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setDouble(index, value);
        }

        public String toString() {
            return "REAL " + value + " (bits " + Long.toHexString(Double.doubleToRawLongBits(value)) + ")";
        }
    }

    private record Text(String value) implements Value {
        public String placeholder() {
            return "?";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setString(index, value);
        }

        public String toString() {
            return "TEXT X'" + HexFormat.of().formatHex(value.getBytes(StandardCharsets.UTF_8)) + "'";
        }
    }

    /** TEXT given as raw bytes, which may be invalid UTF-8 or hold NUL. */
    private record RawText(byte[] value) implements Value {
        public String placeholder() {
            return "CAST(? AS TEXT)";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setBytes(index, value);
        }

        public String toString() {
            return "CAST(X'" + HexFormat.of().formatHex(value) + "' AS TEXT)";
        }
    }

    private record Blob(byte[] value) implements Value {
        public String placeholder() {
            return "?";
        }

        public void bind(PreparedStatement statement, int index) throws SQLException {
            statement.setBytes(index, value);
        }

        public String toString() {
            return "BLOB X'" + HexFormat.of().formatHex(value) + "'";
        }
    }

    private static final long[] EDGE_LONGS = {Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
        0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 53, (1L << 53) + 1, -(1L << 53) - 1, 7};

    private static long randomLong(SplittableRandom random) {
        return switch (random.nextInt(3)) {
            case 0 -> EDGE_LONGS[random.nextInt(EDGE_LONGS.length)];
            case 1 -> random.nextLong(-1000, 1000);
            default -> random.nextLong();
        };
    }

    private static final double[] EDGE_DOUBLES = {-0.0, 0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
        Math.nextDown(Double.MIN_NORMAL), Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.NaN, 0.1, 1.0 / 3, 3.0, -3.0, 1e300, 5e-324, 1e16, 1e22, 1e23, 0.1 + 0.2,
        9007199254740993.0, 123456789012345678.0, 1e-7, 100.0, 4.35, 2.5e-308, 1.7976931348623157e308};

    private static double randomDouble(SplittableRandom random) {
        return switch (random.nextInt(5)) {
            case 0, 1 -> EDGE_DOUBLES[random.nextInt(EDGE_DOUBLES.length)];
            // any bit pattern: subnormals, huge, tiny, and the odd NaN (which SQLite stores as NULL)
            case 2 -> Double.longBitsToDouble(random.nextLong());
            // subnormals
            case 3 -> Double.longBitsToDouble(random.nextLong(1, 1L << 52)) * (random.nextBoolean() ? 1 : -1);
            // short decimals and whole numbers, the common case in applications
            default -> random.nextBoolean() ? random.nextInt(-100_000, 100_000) / 100.0 : (double) random.nextInt();
        };
    }

    private static final String[] PIECES = {"'", "''", "\"", "\r", "\n", "\r\n", "\t", "\0", "\\", ";", "--", "/*",
        "🛠", "🔥", "👩‍👧", "é", "表", "\u2028", "\u200B", "\uFEFF", "X'00'", "NULL", "CAST(", " ", "a", "7", "3.0",
        "%s", "\u007F", "\u0085", "\u00A0"};

    private static String randomString(SplittableRandom random) {
        int length = random.nextInt(4) == 0 ? 0 : random.nextInt(1, 12);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < length; i++) {
            if (random.nextInt(4) == 0) {
                // any character of the Basic Multilingual Plane except surrogates, or one beyond it
                int cp = random.nextBoolean() ? random.nextInt(0x20, 0xD800) : random.nextInt(0x10000, 0x110000);
                s.appendCodePoint(cp);
            } else {
                s.append(PIECES[random.nextInt(PIECES.length)]);
            }
        }
        // Sometimes only something that looks like a number, which typed columns convert.
        return random.nextInt(10) == 0 ? List.of("7", " 7", "3.0", "1e3", "-0", "0x10", "9223372036854775808")
                .get(random.nextInt(7)) : s.toString();
    }

    private static final byte[][] BYTE_PIECES = {{0}, {0x0D}, {0x0A}, {0x0D, 0x0A}, {0x27}, {(byte) 0xFF},
        {(byte) 0xC3, 0x28}, {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xF0, (byte) 0x9F},
        {(byte) 0xC3, (byte) 0xA9}, {0x61}, {0x58, 0x27}};

    private static byte[] randomBytes(SplittableRandom random, boolean textLike) {
        int kind = random.nextInt(textLike ? 3 : 4);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        switch (kind) {
            case 0 -> { } // empty
            case 1 -> {
                for (int i = random.nextInt(1, 10); i > 0; i--) {
                    out.writeBytes(BYTE_PIECES[random.nextInt(BYTE_PIECES.length)]);
                }
            }
            case 2 -> {
                for (int i = random.nextInt(1, 40); i > 0; i--) {
                    out.write(random.nextInt(256));
                }
            }
            default -> {
                for (int i = 0; i < 256; i++) {
                    out.write(i);
                }
            }
        }
        return out.toByteArray();
    }
}
