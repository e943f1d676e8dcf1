package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.spi.RowCursor;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotOptions;
import io.backupkit.spi.TableModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;
import org.sqlite.SQLiteDataSource;

/**
 * Properties: the page reader ({@link SqliteTableScan}) gives every row of a table exactly as the
 * SQL path ({@link SqliteRowCursor}, SQLite's own {@code quote()}) does, byte for byte, in the same
 * order, on random schemas and rows; and {@link SqliteLiterals#quotedRealLiteral(double)} is what
 * {@code quote()} plus normalization gives for any double.
 *
 * <p>The random databases cover every declared-type affinity and STRICT tables, rowid aliases
 * ({@code INTEGER PRIMARY KEY}, and {@code ... DESC}, which is not one), hidden rowids, virtual and
 * stored generated columns, columns added later with a default (older records lack them), every
 * storage class in every column (NUL, CR, quotes and invalid UTF-8 in text, empty and
 * overflow-sized blobs and texts, integer edges, -0.0, infinities, random bit patterns), deletions
 * and updates, both WAL mode with frames not yet checkpointed and rollback-journal mode, and
 * files with 512- and 65536-byte pages, bytes reserved at the end of each page, or auto-vacuum's
 * pointer-map pages.
 */
class PageReaderEquivalenceProperties {

    private Path folder;
    private int tries;

    @BeforeProperty
    void createFolder() throws Exception {
        folder = Files.createTempDirectory("page-reader-");
    }

    @AfterProperty
    void deleteFolder() throws Exception {
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 80)
    @net.jqwik.api.lifecycle.AddLifecycleHook(SqliteCli.RequireSqlite3.class)
    void pagesGiveTheSameLiteralsAsSql(@ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path db = folder.resolve("db-" + (++tries) + ".db");
        boolean wal = random.nextBoolean();
        RandomTable table = RandomTable.create(random);
        int fileLayout = random.nextInt(8);
        if (fileLayout == 0) {
            // Bytes reserved at the end of every page (as checksum or encryption VFSes do), which
            // only the sqlite3 shell can ask for.
            SqliteTestTools.run(List.of(SqliteTestTools.sqlite3(), db.toString(), "CREATE TABLE x(a); DROP TABLE x;",
                    ".filectrl reserve_bytes 40", "VACUUM"), null).requireClean();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            try (Statement s = c.createStatement()) {
                switch (fileLayout) {
                    case 1 -> s.execute("PRAGMA page_size=512");
                    case 2 -> s.execute("PRAGMA page_size=65536");
                    case 3 -> s.execute("PRAGMA auto_vacuum=FULL");
                    default -> {
                        // the default 4096-byte pages
                    }
                }
                if (fileLayout >= 1 && fileLayout <= 3) {
                    s.execute("VACUUM");
                }
                if (wal) {
                    s.execute("PRAGMA journal_mode=WAL");
                    s.execute("PRAGMA wal_autocheckpoint=0");
                }
                s.execute(table.ddl());
            }
            table.insertRows(c, random, random.nextInt(120));
            if (wal && random.nextBoolean()) {
                try (Statement s = c.createStatement()) {
                    s.execute("PRAGMA wal_checkpoint(PASSIVE)");
                }
            }
            if (table.addColumnLater(random)) {
                try (Statement s = c.createStatement()) {
                    s.execute(table.alter());
                }
                table.insertRows(c, random, random.nextInt(40));
            }
            table.deleteAndUpdate(c, random);
            // The snapshot is taken while this connection keeps the WAL from being checkpointed on close.
            SQLiteDataSource dataSource = new SQLiteDataSource();
            dataSource.setUrl("jdbc:sqlite:" + db);
            List<byte[]> fromSql = readThroughSql(db);
            try (Snapshot snapshot = new SqliteDialect().openSnapshot(dataSource,
                    new SnapshotOptions(Duration.ofSeconds(5), folder))) {
                TableModel model = snapshot.schema().tables().get(0);
                long count = snapshot.countRows(model);
                List<byte[]> fromPages = new ArrayList<>();
                try (RowCursor cursor = snapshot.openRows(model, Set.of())) {
                    int n = model.columns().size();
                    while (cursor.next()) {
                        fromPages.add(cursor.literals(0, n));
                    }
                    assertThat(SqliteSnapshot.readsPages(cursor)).as("a rowid table is read from its pages").isTrue();
                }
                assertThat(fromPages).hasSize((int) count);
                assertThat(text(fromPages)).as("schema %s", table.ddl()).containsExactlyElementsOf(text(fromSql));
            }
        }
    }

    private static List<byte[]> readThroughSql(Path db) throws SQLException {
        List<byte[]> rows = new ArrayList<>();
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN");
            s.executeQuery("SELECT count(*) FROM sqlite_schema").close();
        }
        try (SqliteSnapshot snapshot = new SqliteSnapshot(c, Instant.now(), "test", List.of(), () -> {
            c.createStatement().execute("ROLLBACK");
            c.close();
        })) {
            TableModel model = snapshot.schema().tables().get(0);
            try (RowCursor cursor = snapshot.openRows(model, Set.of())) {
                assertThat(cursor).isInstanceOf(SqliteRowCursor.class);
                int n = model.columns().size();
                while (cursor.next()) {
                    rows.add(cursor.literals(0, n));
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** Rows as text that shows every byte, so a failure points at the differing value. */
    private static List<String> text(List<byte[]> rows) {
        return rows.stream().map(r -> new String(r, StandardCharsets.ISO_8859_1)).toList();
    }

    @Property(tries = 3000)
    void quotedRealLiteralIsWhatQuoteGivesAfterNormalizing(@ForAll("doubles") double d) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
             PreparedStatement ps = c.prepareStatement("SELECT quote(?)")) {
            ps.setDouble(1, d);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                byte[] quoted = rs.getBytes(1);
                byte[] expected = SqliteLiterals.isRealLiteral(quoted)
                        && (hasExponent(quoted) || Double.isInfinite(d))
                        ? SqliteLiterals.normalizeQuotedReal(quoted) : quoted;
                byte[] actual = SqliteLiterals.quotedRealLiteral(d, x -> {
                    assertThat(x).isEqualTo(d);
                    return quoted;
                });
                assertThat(new String(actual, StandardCharsets.US_ASCII))
                        .as("%s (bits %x)", d, Double.doubleToRawLongBits(d))
                        .isEqualTo(new String(expected, StandardCharsets.US_ASCII));
            }
        }
    }

    private static boolean hasExponent(byte[] token) {
        for (byte b : token) {
            if (b == 'e' || b == 'E' || b == 'I' || b == 'n' || b == 'N') {
                return true;
            }
        }
        return false;
    }

    @Provide
    Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(
                Arbitraries.longs().map(Double::longBitsToDouble)
                        .filter(d -> !Double.isNaN(d) && d != 0),
                Arbitraries.doubles().between(-1e6, 1e6).filter(d -> d != 0),
                Arbitraries.integers().between(-999_999, 999_999).filter(i -> i != 0)
                        .flatMap(m -> Arbitraries.integers().between(-20, 20).map(e -> Double.parseDouble(m + "e" + e))),
                Arbitraries.longs().between(-(1L << 53), 1L << 53).filter(l -> l != 0).map(l -> (double) l),
                Arbitraries.of(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.MIN_VALUE, Double.MAX_VALUE,
                        -Double.MAX_VALUE, 1e15, 1e14, 999999999999999.9, 0.0001, 0.00001, 1e-5, 0.1, 1.0 / 3,
                        123456789012345.6, 9007199254740993.0));
    }

    /** A random table: its columns, how rows are made, and what changes afterwards. */
    private static final class RandomTable {
        private static final String[] TYPES = {"", "INTEGER", "INT", "BIGINT", "REAL", "FLOAT", "DOUBLE", "TEXT",
                "VARCHAR(10)", "CLOB", "BLOB", "NUMERIC", "DECIMAL(10,2)", "BOOLEAN", "DATE", "ANYTHING"};
        private static final String[] STRICT_TYPES = {"INT", "INTEGER", "REAL", "TEXT", "BLOB", "ANY"};

        private final List<String> columns = new ArrayList<>();
        private final List<String> definitions = new ArrayList<>();
        private final String key;
        private final boolean strict;
        private final String generated;
        private String added;

        private RandomTable(SplittableRandom random) {
            strict = random.nextInt(4) == 0;
            int n = 1 + random.nextInt(7);
            for (int i = 0; i < n; i++) {
                String name = "c" + i + (random.nextInt(5) == 0 ? " \"q\" é" : "");
                String type = strict ? STRICT_TYPES[random.nextInt(STRICT_TYPES.length)]
                        : TYPES[random.nextInt(TYPES.length)];
                columns.add(name);
                definitions.add(SqliteSnapshot.quote(name) + " " + type);
            }
            key = switch (random.nextInt(4)) {
                case 0 -> "id INTEGER PRIMARY KEY";
                case 1 -> "id INTEGER PRIMARY KEY DESC";
                case 2 -> strict ? "id INTEGER PRIMARY KEY" : "id";
                default -> null;
            };
            generated = switch (random.nextInt(4)) {
                case 0 -> "g1 TEXT AS (typeof(" + SqliteSnapshot.quote(columns.get(0)) + ")) VIRTUAL";
                case 1 -> "g2 TEXT AS (typeof(" + SqliteSnapshot.quote(columns.get(0)) + ")) STORED";
                default -> null;
            };
        }

        static RandomTable create(SplittableRandom random) {
            return new RandomTable(random);
        }

        String ddl() {
            List<String> all = new ArrayList<>();
            if (key != null) {
                all.add(key);
            }
            all.addAll(definitions);
            if (generated != null) {
                all.add(generated);
            }
            return "CREATE TABLE \"t 'x'\"(" + String.join(", ", all) + ")" + (strict ? " STRICT" : "");
        }

        boolean addColumnLater(SplittableRandom random) {
            if (random.nextInt(3) != 0) {
                return false;
            }
            String type = strict ? "TEXT" : TYPES[random.nextInt(TYPES.length)];
            String dflt = switch (random.nextInt(5)) {
                case 0 -> "";
                case 1 -> " DEFAULT 7";
                case 2 -> " DEFAULT 2.5";
                case 3 -> " DEFAULT 'it''s'";
                default -> " DEFAULT X'00FF'";
            };
            if (strict && !dflt.isEmpty()) {
                dflt = " DEFAULT 'it''s'";
            }
            added = "later";
            columns.add(added);
            definitions.add("\"later\" " + type + dflt);
            return true;
        }

        String alter() {
            return "ALTER TABLE \"t 'x'\" ADD COLUMN " + definitions.get(definitions.size() - 1);
        }

        void insertRows(Connection c, SplittableRandom random, int rows) throws SQLException {
            List<String> names = new ArrayList<>();
            if (key != null && random.nextBoolean()) {
                names.add("id");
            }
            names.addAll(columns.stream().map(SqliteSnapshot::quote).toList());
            String sql = "INSERT OR REPLACE INTO \"t 'x'\"(" + String.join(", ", names) + ") VALUES ("
                    + String.join(", ", names.stream().map(n -> "?").toList()) + ")";
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int r = 0; r < rows; r++) {
                    int p = 1;
                    if (names.get(0).equals("id")) {
                        ps.setLong(p++, random.nextInt(5) == 0 ? random.nextLong() : random.nextInt(1_000_000));
                    }
                    for (int col = 0; col < columns.size(); col++) {
                        bindRandom(ps, p++, random);
                    }
                    try {
                        ps.executeUpdate();
                    } catch (SQLException e) {
                        // A STRICT column refused a storage class, or a NOT NULL key a null: skip the row.
                        if (!String.valueOf(e.getMessage()).contains("constraint")
                                && !String.valueOf(e.getMessage()).contains("cannot store")) {
                            throw e;
                        }
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
        }

        void deleteAndUpdate(Connection c, SplittableRandom random) throws SQLException {
            try (Statement s = c.createStatement()) {
                if (random.nextInt(3) == 0) {
                    s.execute("DELETE FROM \"t 'x'\" WHERE rowid % 3 = 0");
                }
                if (random.nextInt(3) == 0 && !strict) {
                    // TEXT that is not valid UTF-8, kept byte for byte
                    s.execute("UPDATE \"t 'x'\" SET " + SqliteSnapshot.quote(columns.get(columns.size() - 1))
                            + " = CAST(X'FF27C3' || randomblob(3) AS TEXT) WHERE rowid % 4 = 1");
                }
                if (random.nextInt(3) == 0) {
                    try {
                        s.execute("UPDATE \"t 'x'\" SET " + SqliteSnapshot.quote(columns.get(0)) + " = "
                                + "randomblob(" + random.nextInt(9000) + ") WHERE rowid % 2 = 0");
                    } catch (SQLException e) {
                        // a STRICT column that takes no blobs
                    }
                }
            }
        }

        private static void bindRandom(PreparedStatement ps, int p, SplittableRandom random) throws SQLException {
            switch (random.nextInt(12)) {
                case 0 -> ps.setNull(p, java.sql.Types.NULL);
                case 1 -> ps.setLong(p, switch (random.nextInt(6)) {
                    case 0 -> Long.MIN_VALUE;
                    case 1 -> Long.MAX_VALUE;
                    case 2 -> random.nextInt(256) - 128;
                    case 3 -> random.nextInt(1 << 24) - (1 << 23);
                    case 4 -> random.nextLong() >> random.nextInt(64);
                    default -> random.nextInt(2);
                });
                case 2 -> ps.setDouble(p, switch (random.nextInt(8)) {
                    case 0 -> -0.0;
                    case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                    case 2 -> Double.longBitsToDouble(random.nextLong());
                    case 3 -> random.nextInt(2000) - 1000;
                    case 4 -> (random.nextInt(200000) - 100000) / 100.0;
                    case 5 -> Double.MIN_VALUE * random.nextInt(100);
                    default -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                });
                case 3, 4 -> ps.setString(p, randomText(random));
                case 5 -> ps.setBytes(p, randomBytes(random, random.nextInt(10) == 0 ? 6000 : 40));
                case 6 -> ps.setBytes(p, new byte[0]);
                case 7 -> ps.setString(p, "");
                case 8 -> ps.setString(p, String.valueOf(random.nextInt(100) - 50));
                case 9 -> ps.setString(p, "a\0b'c\r\nd");
                case 10 -> ps.setString(p, "x".repeat(random.nextInt(7000)));
                default -> ps.setDouble(p, random.nextInt(100));
            }
        }

        private static String randomText(SplittableRandom random) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(30);
            String alphabet = "ab'\"\r\n\t\0é😀 ,()X";
            for (int i = 0; i < n; i++) {
                text.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            return text.toString();
        }

        private static byte[] randomBytes(SplittableRandom random, int max) {
            byte[] b = new byte[random.nextInt(max + 1)];
            random.nextBytes(b);
            return b;
        }
    }

}
