package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.backupkit.InvalidArchiveException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * {@code parse(write(rows)) == rows}: random tables of random values, written with the library's
 * own literal renderer ({@link SqliteLiterals}) in the writer's exact layout, parse back to the
 * same values; and damaged entries are rejected cleanly, never with another exception or a hang.
 */
class SqliteInsertParserProperties {

    /** A generated table: its name, its columns and its rows of values to write. */
    record Table(String name, List<String> columns, List<Object[]> rows, List<Integer> batchSizes) {
    }

    /** A value as it is handed to the writer: what SqliteLiterals renders. */
    record TextBytes(byte[] bytes) {
        @Override
        public String toString() {
            return "TextBytes" + Arrays.toString(bytes);
        }
    }

    @Property(tries = 300)
    void parsingWhatTheWriterWroteGivesTheRowsBack(@ForAll("tables") Table table, @ForAll long readSeed) throws Exception {
        byte[] entry = write(table);
        List<List<Object>> expected = new ArrayList<>();
        for (Object[] row : table.rows()) {
            List<Object> values = new ArrayList<>();
            for (Object v : row) {
                values.add(expectedValue(v));
            }
            expected.add(values);
        }

        List<List<Object>> parsed = new ArrayList<>();
        Random slivers = new Random(readSeed);
        long count = new SqliteInsertParser(Map.of(table.name(), table.columns()), "sql/000001-data-x-00000.sql")
                .parse(new SqliteInsertParserTest.SliverStream(new ByteArrayInputStream(entry), slivers),
                        (name, columns, values) -> {
                            assertThat(name).isEqualTo(table.name());
                            assertThat(columns).isEqualTo(table.columns());
                            parsed.add(Arrays.asList(values));
                        });

        assertThat(count).isEqualTo(table.rows().size());
        // List.equals compares Doubles bit for bit (-0.0 is not 0.0) and the records by content.
        assertThat(parsed).isEqualTo(expected);
        Statistics.label("statements").collect(table.batchSizes().size() > 1 ? "several" : "one");
    }

    /**
     * Random damage to a valid entry: flipped, inserted and deleted bytes. The parser either
     * rejects it with InvalidArchiveException or parses it (the damage may leave valid SQL), and
     * never throws anything else or runs away.
     */
    @Property(tries = 1000)
    void damagedEntriesAreRejectedCleanly(@ForAll("smallTables") Table table, @ForAll long damageSeed,
                                          @ForAll @IntRange(min = 1, max = 8) int damages) {
        byte[] valid = write(table);
        byte[] damaged = damage(valid, new Random(damageSeed), damages);
        Map<String, List<String>> schema = Map.of(table.name(), table.columns());

        String outcome = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                new SqliteInsertParser(schema, "sql/000002-data-x-00000.sql")
                        .parse(new ByteArrayInputStream(damaged), (name, columns, values) -> {
                            assertThat(values).hasSameSizeAs(columns);
                        });
                return "parsed";
            } catch (InvalidArchiveException e) {
                assertThat(e.getMessage()).startsWith("entry sql/000002-data-x-00000.sql, line ");
                return "rejected";
            }
        });
        Statistics.label("outcome").collect(outcome);
        Statistics.label("outcome").coverage(c -> c.check("rejected").percentage(p -> p > 50));
    }

    /** Entirely random bytes: rejected cleanly or (rarely) empty; nothing else. */
    @Property(tries = 500)
    void randomBytesAreRejectedCleanly(@ForAll byte[] bytes) {
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            try {
                new SqliteInsertParser(Map.of("t", List.of("a")), "e").parse(new ByteArrayInputStream(bytes),
                        (name, columns, values) -> { });
            } catch (InvalidArchiveException e) {
                // expected for nearly all inputs
            }
        });
    }

    /**
     * Decimal literals in any layout SQLite accepts parse to the double Java's correctly rounded
     * parser gives, which checks the parser's fast path against the slow one.
     */
    @Property(tries = 3000)
    void realLiteralsParseCorrectlyRounded(@ForAll("decimals") String literal) throws Exception {
        String entry = "INSERT INTO \"t\" (\"a\") VALUES (" + literal + ");";
        Object[] value = new Object[1];
        new SqliteInsertParser(Map.of("t", List.of("a")), "e").parse(
                new ByteArrayInputStream(entry.getBytes(StandardCharsets.US_ASCII)), (n, c, v) -> value[0] = v[0]);

        assertThat(value[0]).isInstanceOf(Double.class);
        assertThat(Double.doubleToRawLongBits((Double) value[0]))
                .as(literal).isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(literal)));
    }

    // ---------------------------------------------------------------------------------------------
    // The writer: the exact layout of BackupRun, values rendered by SqliteLiterals.

    static byte[] write(Table table) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringBuilder prefix = new StringBuilder("INSERT INTO ").append(SqliteSnapshot.quote(table.name())).append(" (");
        for (int i = 0; i < table.columns().size(); i++) {
            prefix.append(i > 0 ? "," : "").append(SqliteSnapshot.quote(table.columns().get(i)));
        }
        byte[] insertPrefix = prefix.append(") VALUES\n(").toString().getBytes(StandardCharsets.UTF_8);
        int row = 0;
        for (int batch : table.batchSizes()) {
            out.writeBytes(insertPrefix);
            for (int r = 0; r < batch; r++, row++) {
                if (r > 0) {
                    out.writeBytes("),\n(".getBytes(StandardCharsets.US_ASCII));
                }
                Object[] values = table.rows().get(row);
                for (int c = 0; c < values.length; c++) {
                    if (c > 0) {
                        out.write(',');
                    }
                    out.writeBytes(render(values[c]));
                }
            }
            out.writeBytes(");\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.toByteArray();
    }

    private static byte[] render(Object value) {
        return value instanceof TextBytes t ? SqliteLiterals.textLiteral(t.bytes()) : SqliteLiterals.literal(value);
    }

    /** What the parser should hand back for a value given to the writer. */
    private static Object expectedValue(Object written) {
        if (written instanceof TextBytes t) {
            return SqliteTestArchives.canonicalText(t.bytes());
        }
        if (written instanceof byte[] b) {
            return new SqliteBlob(b);
        }
        return written;
    }

    private static byte[] damage(byte[] valid, Random random, int damages) {
        byte[] b = valid.clone();
        for (int i = 0; i < damages && b.length > 0; i++) {
            int at = random.nextInt(b.length);
            byte replacement = random.nextInt(3) == 0
                    ? (byte) random.nextInt(256)
                    : (byte) "'\"(),;-/*xX0e.\n\\ ".charAt(random.nextInt(17));
            switch (random.nextInt(3)) {
                case 0 -> b[at] = replacement;
                case 1 -> {
                    byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = replacement;
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                default -> {
                    byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter;
                }
            }
        }
        return b;
    }

    // ---------------------------------------------------------------------------------------------
    // Generators

    @Provide
    Arbitrary<Table> tables() {
        return tables(true);
    }

    /** Tables without values of tens of kilobytes, so that damage lands on the structure too. */
    @Provide
    Arbitrary<Table> smallTables() {
        return tables(false);
    }

    private static Arbitrary<Table> tables(boolean big) {
        Arbitrary<String> name = identifiers();
        Arbitrary<List<String>> columns = identifiers().list().ofMinSize(1).ofMaxSize(6).uniqueElements();
        return Combinators.combine(name, columns, Arbitraries.integers().between(1, 40), Arbitraries.longs())
                .flatAs((n, cols, rowCount, seed) -> values(big).array(Object[].class).ofSize(cols.size())
                        .list().ofSize(rowCount)
                        .map(rows -> new Table(n, cols, rows, batches(rowCount, new Random(seed)))));
    }

    private static List<Integer> batches(int rows, Random random) {
        List<Integer> sizes = new ArrayList<>();
        int left = rows;
        while (left > 0) {
            int size = 1 + random.nextInt(Math.min(left, random.nextBoolean() ? 3 : 500));
            sizes.add(size);
            left -= size;
        }
        return sizes;
    }

    /** Quoted identifiers of any characters but NUL and lone surrogates: quotes, spaces, emoji. */
    private static Arbitrary<String> identifiers() {
        Arbitrary<String> anything = codePoints().filter(cp -> cp != 0).list().ofMinSize(1).ofMaxSize(12)
                .map(SqliteInsertParserProperties::fromCodePoints);
        return Arbitraries.oneOf(anything,
                Arbitraries.of("id", "na me", "ta\"ble", "\"", "\"\"", " ", "rowid", "😀", "a'b", "NULL", "x\ny"));
    }

    static Arbitrary<Object> values(boolean big) {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(null)),
                net.jqwik.api.Tuple.of(3, longs()),
                net.jqwik.api.Tuple.of(4, doubles()),
                net.jqwik.api.Tuple.of(4, strings(big)),
                net.jqwik.api.Tuple.of(3, textBytes()),
                net.jqwik.api.Tuple.of(2, blobs(big)));
    }

    private static Arbitrary<Object> longs() {
        return Arbitraries.oneOf(Arbitraries.longs(),
                Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1, 0L, -1L, 1L,
                        (long) Integer.MIN_VALUE, 1L << 53, (1L << 53) + 1)).map(Object.class::cast);
    }

    private static Arbitrary<Object> doubles() {
        Arbitrary<Double> bits = Arbitraries.longs().map(Double::longBitsToDouble).filter(d -> !Double.isNaN(d));
        Arbitrary<Double> subnormal = Combinators.combine(Arbitraries.longs().between(1, (1L << 52) - 1),
                Arbitraries.of(1.0, -1.0)).as((raw, sign) -> sign * Double.longBitsToDouble(raw));
        Arbitrary<Double> edges = Arbitraries.of(0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Double.MIN_NORMAL,
                Double.MAX_VALUE, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, 0.1, 1e23,
                1.0 / 3, 100.0, 1e-5, 2e16, 9007199254740993.0, 123456789.0, 5e-324, 4.35, 0.3);
        Arbitrary<Double> everyday = Arbitraries.doubles().between(-1e6, 1e6).ofScale(3);
        return Arbitraries.oneOf(bits, subnormal, edges, everyday, Arbitraries.doubles()).map(Object.class::cast);
    }

    private static Arbitrary<Object> strings(boolean big) {
        Arbitrary<String> anything = codePoints().list().ofMaxSize(40).map(SqliteInsertParserProperties::fromCodePoints);
        Arbitrary<String> edges = Arbitraries.of("", "'", "''", "it's", "\n", "a\r\nb", "\u0000", "a\u0000b", "😀",
                "NULL", "X'00'", "CAST(X'00' AS TEXT)", "-- x", "/* x */", "\t", "\\", "\"", "é", "\u2028", "\uFEFF");
        // Longer than the parser's window, with quotes to double across its edges.
        Arbitrary<String> huge = Arbitraries.of("x'y", "é'", "''\n").map(s -> s.repeat(30_000));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(10, anything), net.jqwik.api.Tuple.of(5, edges),
                net.jqwik.api.Tuple.of(big ? 1 : 0, huge)).map(Object.class::cast);
    }

    private static Arbitrary<Object> textBytes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(30);
        Arbitrary<byte[]> edges = Arbitraries.of(new byte[0], new byte[] {0}, new byte[] {'\r'}, new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {(byte) 0xE2, (byte) 0x82},
                new byte[] {'a', '\'', 0, '\'', 'b'}, "plain".getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(random, edges).map(TextBytes::new);
    }

    private static Arbitrary<Object> blobs(boolean big) {
        Arbitrary<byte[]> edges = big ? Arbitraries.of(new byte[0], new byte[] {0}, new byte[100_000])
                : Arbitraries.of(new byte[0], new byte[] {0});
        return Arbitraries.oneOf(Arbitraries.bytes().array(byte[].class).ofMaxSize(40), edges).map(Object.class::cast);
    }

    /** Code points without surrogates, biased towards the characters that matter here. */
    private static Arbitrary<Integer> codePoints() {
        Arbitrary<Integer> any = Arbitraries.integers().between(0, 0x10FFFF).filter(cp -> cp < 0xD800 || cp > 0xDFFF);
        Arbitrary<Integer> special = Arbitraries.of((int) '\'', (int) '"', (int) ' ', (int) '\n', (int) '\r', 0,
                (int) ',', (int) ';', (int) '(', (int) ')', 0x1F600, 0xE9, 0x7F, 0xFFFF, 0x10FFFF);
        Arbitrary<Integer> ascii = Arbitraries.integers().between(0x20, 0x7E);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, ascii), net.jqwik.api.Tuple.of(2, special),
                net.jqwik.api.Tuple.of(2, any));
    }

    private static String fromCodePoints(List<Integer> codePoints) {
        StringBuilder s = new StringBuilder();
        codePoints.forEach(s::appendCodePoint);
        return s.toString();
    }

    @Provide
    Arbitrary<String> decimals() {
        Arbitrary<String> digits = Arbitraries.strings().withCharRange('0', '9').ofMinLength(1).ofMaxLength(25);
        Arbitrary<String> optionalDigits = Arbitraries.strings().withCharRange('0', '9').ofMaxLength(25);
        Arbitrary<String> exponent = Arbitraries.oneOf(Arbitraries.just(""),
                Combinators.combine(Arbitraries.of("e", "E", "e+", "e-", "E-"),
                        Arbitraries.integers().between(0, 400)).as((e, n) -> e + n));
        Arbitrary<String> sign = Arbitraries.of("", "-");
        Arbitrary<String> intAndFraction = Combinators.combine(digits, optionalDigits).as((i, f) -> i + "." + f);
        Arbitrary<String> fractionOnly = digits.map(f -> "." + f);
        Arbitrary<String> integerWithExponent = Combinators.combine(digits,
                Combinators.combine(Arbitraries.of("e", "E-", "e+"), Arbitraries.integers().between(0, 30))
                        .as((e, n) -> e + n)).as((i, e) -> i + e);
        return Arbitraries.oneOf(
                Combinators.combine(sign, Arbitraries.oneOf(intAndFraction, fractionOnly), exponent)
                        .as((s, m, e) -> s + m + e),
                Combinators.combine(sign, integerWithExponent).as((s, m) -> s + m),
                doubles().map(d -> new String(SqliteLiterals.literal(d), StandardCharsets.US_ASCII)));
    }
}
