package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.dialect.sqlite.StoredValue.TextBytes;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Edge values rendered by {@link SqliteLiterals}, each loaded by the real {@code sqlite3} shell and
 * compared, storage class and exact content, with the same value bound through sqlite-jdbc. Tests
 * that need the shell fail without it (see {@link SqliteCli}); the others run anyway.
 */
class SqliteLiteralsTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> edgeValues() {
        return Stream.of(
                // value, expected literal text (null: only the round trip is checked)
                Arguments.of(null, "NULL"),
                Arguments.of(0L, "0"),
                Arguments.of(-1L, "-1"),
                Arguments.of(Long.MAX_VALUE, "9223372036854775807"),
                // SQLite folds the minus sign into the literal, so this is an INTEGER as is.
                Arguments.of(Long.MIN_VALUE, "-9223372036854775808"),
                Arguments.of(Integer.MIN_VALUE, "-2147483648"),
                Arguments.of((short) -32768, "-32768"),
                Arguments.of((byte) 127, "127"),
                Arguments.of(0.0, "0.0"),
                Arguments.of(-0.0, "-0.0"),
                Arguments.of(3.0, "3.0"),
                Arguments.of(100.0, "100.0"),
                Arguments.of(-2.5, "-2.5"),
                Arguments.of(0.1, "0.1"),
                Arguments.of(1.0 / 3, "0.3333333333333333"),
                Arguments.of(0.1 + 0.2, "0.30000000000000004"),
                Arguments.of(1e23, "1.0e+23"),
                Arguments.of(1e22, "1.0e+22"),
                Arguments.of(1e15, "1.0e+15"),
                Arguments.of(1e14, "100000000000000.0"),
                Arguments.of(1e-4, "0.0001"),
                Arguments.of(1e-5, "1.0e-5"),
                Arguments.of(1e300, "1.0e+300"),
                Arguments.of(9007199254740993.0, "9.007199254740992e+15"),
                // JDK 17 prints 2.82879384806159008E17 (JDK-4511638); 15 digits suffice.
                Arguments.of(2.82879384806159E17, "2.82879384806159e+17"),
                // Shortest is 1598.962503426024, which sqlite3 3.40 loads one ulp off.
                Arguments.of(1598.962503426024, "1598.9625034260241"),
                Arguments.of(Double.MAX_VALUE, "1.7976931348623157e+308"),
                Arguments.of(-Double.MAX_VALUE, "-1.7976931348623157e+308"),
                Arguments.of(1e-290, "1.0e-290"),
                // Below 1e-290 old SQLite misparses decimals; an exact quotient is written.
                Arguments.of(Double.MIN_NORMAL, null),
                Arguments.of(Double.MIN_VALUE, null),
                Arguments.of(-Double.MIN_VALUE, null),
                Arguments.of(2.5e-300, null),
                Arguments.of(Double.POSITIVE_INFINITY, "9e999"),
                Arguments.of(Double.NEGATIVE_INFINITY, "-9e999"),
                // SQLite has no NaN: binding one stores NULL, and so does the literal.
                Arguments.of(Double.NaN, "NULL"),
                // A float is stored widened to double, as binding it does.
                Arguments.of(0.1f, "0.10000000149011612"),
                Arguments.of(Float.MAX_VALUE, "3.4028234663852886e+38"),
                Arguments.of("", "''"),
                Arguments.of("plain", "'plain'"),
                Arguments.of("it's", "'it''s'"),
                Arguments.of("''", "''''''"),
                // The shell drops a CR that ends an input line, so TEXT with CR is written as hex.
                Arguments.of("a\r\nb", "CAST(X'610D0A62' AS TEXT)"),
                Arguments.of("\r\n\r\n", "CAST(X'0D0A0D0A' AS TEXT)"),
                Arguments.of("it's\r\n", "CAST(X'697427730D0A' AS TEXT)"),
                Arguments.of("\r", "CAST(X'0D' AS TEXT)"),
                Arguments.of("\n\r", "CAST(X'0A0D' AS TEXT)"),
                Arguments.of("tab\there", "'tab\there'"),
                Arguments.of("mix \uD83D\uDE00 \u00E9\u4E2D", "'mix \uD83D\uDE00 \u00E9\u4E2D'"),
                Arguments.of("-- no comment; DROP TABLE t;", "'-- no comment; DROP TABLE t;'"),
                Arguments.of("\u0000", "CAST(X'00' AS TEXT)"),
                Arguments.of("a\u0000b'", "CAST(X'61006227' AS TEXT)"),
                Arguments.of(new byte[0], "X''"),
                Arguments.of(new byte[] {0}, "X'00'"),
                Arguments.of(new byte[] {(byte) 0xDE, (byte) 0xAD, 0x27, 0x0A}, "X'DEAD270A'"),
                Arguments.of(text("abc"), "'abc'"),
                Arguments.of(text("it's \uD83D\uDE00"), "'it''s \uD83D\uDE00'"),
                Arguments.of(text("a\r\nb"), "CAST(X'610D0A62' AS TEXT)"),
                Arguments.of(bytes(), "''"),
                Arguments.of(bytes('a', 0, 'b'), "CAST(X'610062' AS TEXT)"),
                Arguments.of(bytes(0xFF, 0xFE), "CAST(X'FFFE' AS TEXT)"),
                // overlong '/', UTF-8-encoded surrogate, truncated sequence, beyond U+10FFFF
                Arguments.of(bytes(0xC0, 0xAF), "CAST(X'C0AF' AS TEXT)"),
                Arguments.of(bytes(0xED, 0xA0, 0x80), "CAST(X'EDA080' AS TEXT)"),
                Arguments.of(bytes('x', 0xE2, 0x82), "CAST(X'78E282' AS TEXT)"),
                Arguments.of(bytes(0xF4, 0x90, 0x80, 0x80), "CAST(X'F4908080' AS TEXT)"));
    }

    /** Each value alone through the shell, compared with JDBC binding and with the literal text. */
    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("edgeValues")
    void edgeValueLoadsLikeABoundParameter(Object value, String expectedLiteral) throws Exception {
        byte[] literal = StoredValue.literalOf(value);
        if (expectedLiteral != null) {
            assertThat(utf8(literal)).isEqualTo(expectedLiteral);
        }
        Path db = tmp.resolve("cli.db");
        StoredValue.loadWithCli(db, List.of(literal));

        StoredValue loaded = StoredValue.readAll(db).get(0);
        StoredValue bound = StoredValue.bindWithJdbc(Arrays.asList(value)).get(0);
        assertThat(loaded).as("shell-loaded vs expected").isEqualTo(StoredValue.expected(value));
        assertThat(loaded).as("shell-loaded vs JDBC-bound").isEqualTo(bound);

        // The shell's own view: same storage class, and hex(v) agrees with the bound value
        // (except for REAL, whose hex() is of a text rendering that differs across versions).
        String[] cli = SqliteCli.run(db, "SELECT typeof(v), hex(v) FROM t;").strip()
                .split("\\|", -1);
        assertThat(cli[0]).isEqualTo(loaded.type());
        if (!loaded.type().equals("real")) {
            assertThat(cli[1]).isEqualTo(StoredValue.boundHex(value));
        }
    }

    /** All edge values in one script, so that literals also parse side by side. */
    @Test
    void remembered_tiny_values_come_back_equal_and_in_arrays_the_caller_owns() {
        double[] tiny = {1e-300, -1e-300, Double.MIN_VALUE, 2.5e-295, 1e-300};
        List<String> first = new ArrayList<>();
        for (double d : tiny) {
            byte[] literal = SqliteLiterals.realLiteral(d);
            first.add(new String(literal, StandardCharsets.US_ASCII));
            literal[0] = 'X'; // the caller owns the array: this must not reach the next call
        }
        for (int i = 0; i < tiny.length; i++) {
            assertThat(new String(SqliteLiterals.realLiteral(tiny[i]), StandardCharsets.US_ASCII))
                    .isEqualTo(first.get(i));
            assertThat(Double.parseDouble(first.get(i))).isEqualTo(tiny[i]);
        }
        assertThat(first.get(0)).isEqualTo("1.0e-300");
        assertThat(first.get(1)).isEqualTo("-1.0e-300");
    }

    @Test
    void allEdgeValuesInOneStatement() throws Exception {
        List<Object> values = new ArrayList<>();
        edgeValues().forEach(a -> values.add(a.get()[0]));
        List<byte[]> literals = new ArrayList<>();
        values.forEach(v -> literals.add(StoredValue.literalOf(v)));
        Path db = tmp.resolve("all.db");
        StoredValue.loadWithCli(db, literals);

        List<StoredValue> expected = new ArrayList<>();
        values.forEach(v -> expected.add(StoredValue.expected(v)));
        List<StoredValue> loaded = StoredValue.readAll(db);
        assertThat(loaded).containsExactlyElementsOf(expected);
        assertThat(loaded).containsExactlyElementsOf(StoredValue.bindWithJdbc(values));
    }

    @Test
    void negativeZeroKeepsItsSignButQuoteHidesIt() throws Exception {
        Path db = tmp.resolve("zero.db");
        StoredValue.loadWithCli(db,
                List.of(SqliteLiterals.literal(-0.0), SqliteLiterals.literal(0.0)));
        List<StoredValue> rows = StoredValue.readAll(db);
        assertThat(Double.doubleToRawLongBits((Double) rows.get(0).value()))
                .isEqualTo(0x8000000000000000L);
        assertThat(Double.doubleToRawLongBits((Double) rows.get(1).value())).isZero();
        // quote(), printf() and .dump print it as 0.0, so quote()-based paths lose the sign.
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT quote(v), typeof(v) FROM t ORDER BY i")) {
            rs.next();
            assertThat(rs.getString(1) + "|" + rs.getString(2)).isEqualTo("0.0|real");
        }
    }

    @Test
    void emptyTextEmptyBlobAndNullStayDistinct() throws Exception {
        Path db = tmp.resolve("empty.db");
        StoredValue.loadWithCli(db, List.of(SqliteLiterals.literal(""),
                SqliteLiterals.literal(new byte[0]), SqliteLiterals.literal(null)));
        assertThat(SqliteCli.run(db,
                "SELECT typeof(v), length(v), v IS NULL, quote(v) FROM t ORDER BY i;"))
                .isEqualTo("text|0|0|''\nblob|0|0|X''\nnull||1|NULL\n");
    }

    @Test
    void textWithNulKeepsEveryByte() throws Exception {
        Path db = tmp.resolve("nul.db");
        StoredValue.loadWithCli(db, List.of(SqliteLiterals.literal("a\u0000b")));
        // length() counts characters up to the first NUL, the stored value keeps all bytes.
        assertThat(SqliteCli.run(db,
                "SELECT typeof(v), length(v), hex(v), length(CAST(v AS BLOB)) FROM t;"))
                .isEqualTo("text|1|610062|3\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "a\uDC00", "\uD83D", "x\uDE00\uD83D"})
    void unpairedSurrogatesAreRejected(String s) {
        assertThatThrownBy(() -> SqliteLiterals.literal(s))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
    }

    @Test
    void unsupportedTypesAreRejectedByName() {
        assertThatThrownBy(() -> SqliteLiterals.literal(new BigDecimal("1.5")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.math.BigDecimal");
        assertThatThrownBy(() -> SqliteLiterals.literal(Boolean.TRUE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Boolean");
        assertThatThrownBy(() -> SqliteLiterals.literal('c'))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("java.lang.Character");
    }

    @Test
    void tinyValuesGetTheirPlainShortestDecimal() throws SQLException {
        assertThat(utf8(SqliteLiterals.literal(Double.MIN_VALUE))).isEqualTo("5.0e-324");
        assertThat(utf8(SqliteLiterals.literal(-Double.MIN_NORMAL))).isEqualTo("-2.2250738585072014e-308");
        assertThat(utf8(SqliteLiterals.literal(1.5e-300))).isEqualTo("1.5e-300");
        // Exact in Java and in the SQLite that sqlite-jdbc bundles (the shell 3.40 may be one ulp off).
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:"); Statement s = c.createStatement()) {
            for (double d : new double[] {Double.MIN_VALUE, -Double.MIN_NORMAL, 1.5e-300, 3.7e-310}) {
                String literal = utf8(SqliteLiterals.literal(d));
                assertThat(Double.parseDouble(literal)).isEqualTo(d);
                try (ResultSet rs = s.executeQuery("SELECT " + literal)) {
                    rs.next();
                    assertThat(Double.doubleToRawLongBits(rs.getDouble(1))).as(literal)
                            .isEqualTo(Double.doubleToRawLongBits(d));
                }
            }
        }
    }

    /**
     * Pins what sqlite-jdbc's SQLite (3.54.1) prints from quote() for REAL values: not always the
     * shortest digits, infinities as 9.0e+999, and -0.0 as 0.0. The shell on the build machine
     * (3.40.1 on Debian 12) prints Inf/-Inf instead; both spellings are normalized.
     */
    @Test
    void quoteOutputOfTheBundledSqlite() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT quote(9e999), quote(-9e999), quote(0.1),"
                        + " quote(1.0/3), quote(-0.0), quote(1e300), quote(5e-324), quote(100.0),"
                        + " quote(1e16), quote(1e17)")) {
            rs.next();
            List<String> quoted = new ArrayList<>();
            for (int i = 1; i <= 10; i++) {
                quoted.add(rs.getString(i));
            }
            assertThat(quoted).containsExactly("9.0e+999", "-9.0e+999", "0.1",
                    "0.33333333333333332", "0.0", "1.0e+300", "4.9406564584124654e-324", "100.0",
                    "10000000000000000.0", "1.0e+17");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"9.0e+999", "-9.0e+999", "Inf", "-Inf", "0.1", "0.33333333333333332",
            "0.0", "1.0e+300", "4.9406564584124654e-324", "4.94065645841247e-324", "100.0",
            "10000000000000000.0", "1.0e+17", "3.33333333333333314829e-01", "1.0e-05", "-2.5"})
    void normalizeQuotedRealMatchesLiteral(String quoted) {
        double d = quoted.endsWith("Inf")
                ? (quoted.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
                : Double.parseDouble(quoted);
        byte[] q = quoted.getBytes(StandardCharsets.US_ASCII);
        assertThat(SqliteLiterals.isRealLiteral(q)).isTrue();
        assertThat(utf8(SqliteLiterals.normalizeQuotedReal(q)))
                .isEqualTo(utf8(SqliteLiterals.literal(d)));
    }

    @Test
    void normalizeQuotedRealShortensWhatQuoteWrites() {
        assertThat(normalize("0.33333333333333332")).isEqualTo("0.3333333333333333");
        assertThat(normalize("9.0e+999")).isEqualTo("9e999");
        assertThat(normalize("-Inf")).isEqualTo("-9e999");
        assertThat(normalize("10000000000000000.0")).isEqualTo("1.0e+16");
        assertThat(normalize("1.0e-05")).isEqualTo("1.0e-5");
    }

    /** The shell's own quote() output, whatever its version, normalizes to our literal. */
    @Test
    void normalizeQuotedRealAcceptsTheShellsQuote() throws Exception {
        double[] values = {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1, 1.0 / 3, 1e300,
            100.0, 1e23, 0.30000000000000004, Double.MAX_VALUE, 123456.789, -7.25e-12};
        List<byte[]> literals = new ArrayList<>();
        for (double d : values) {
            literals.add(SqliteLiterals.literal(d));
        }
        Path db = tmp.resolve("quote.db");
        StoredValue.loadWithCli(db, literals);
        String[] quoted = SqliteCli.run(db, "SELECT quote(v) FROM t ORDER BY i;").split("\n");
        assertThat(quoted).hasSize(values.length);
        for (int i = 0; i < values.length; i++) {
            byte[] q = quoted[i].getBytes(StandardCharsets.US_ASCII);
            assertThat(SqliteLiterals.isRealLiteral(q)).as(quoted[i]).isTrue();
            assertThat(SqliteLiterals.normalizeQuotedReal(q)).as(quoted[i])
                    .isEqualTo(SqliteLiterals.literal(values[i]));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"'abc'", "''", "'1.5'", "X''", "X'00'", "NULL", "0", "-1",
            "9223372036854775807", "-9223372036854775808", "", "-", "x'AB'"})
    void nonRealQuoteOutputIsNotReal(String quoted) {
        assertThat(SqliteLiterals.isRealLiteral(quoted.getBytes(StandardCharsets.UTF_8))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"'1.5'", "NULL", "abc", "Infinity", "0x10", "1.5d", "", "-", "e", ".",
            "1e"})
    void normalizeQuotedRealRejectsNonReals(String quoted) {
        byte[] q = quoted.getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> SqliteLiterals.normalizeQuotedReal(q))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * How often a double gets more digits than its shortest form, so that old SQLite parsers read
     * it back exactly: rarely for short decimals such as prices and measurements.
     */
    @Test
    void robustDigitsAreRarelyLongerThanShortest() {
        Random random = new Random(20240601);
        int longer = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            // up to 7 digits, exponents -10 .. 10
            int exponent = random.nextInt(21) - 10;
            double d = Double.parseDouble(random.nextInt(1, 10_000_000) + "e" + exponent);
            if (significantDigits(SqliteLiterals.literal(d)) > shortestDigits(d)) {
                longer++;
            }
        }
        assertThat(longer).as("values longer than shortest").isLessThan(n / 200);
    }

    /** Significant digits of a plain decimal literal such as 0.00120 or 1.5e+20. */
    static int significantDigits(byte[] literal) {
        String mantissa = utf8(literal).split("e")[0].replace("-", "");
        String digits = mantissa.replace(".", "").replaceFirst("^0+", "").replaceFirst("0+$", "");
        return digits.length();
    }

    /** Digits of the shortest decimal that Java parses back to d (finite, non-zero). */
    static int shortestDigits(double d) {
        BigDecimal x = new BigDecimal(Math.abs(d));
        for (int p = 1; ; p++) {
            BigDecimal below = x.round(new MathContext(p, RoundingMode.FLOOR));
            BigDecimal above = x.round(new MathContext(p, RoundingMode.CEILING));
            if (below.doubleValue() == Math.abs(d) || above.doubleValue() == Math.abs(d)) {
                return p;
            }
        }
    }

    private static String normalize(String quoted) {
        return utf8(SqliteLiterals.normalizeQuotedReal(quoted.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static TextBytes text(String s) {
        return new TextBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    /** TEXT given as raw bytes, written as unsigned values. */
    private static TextBytes bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return new TextBytes(b);
    }
}
