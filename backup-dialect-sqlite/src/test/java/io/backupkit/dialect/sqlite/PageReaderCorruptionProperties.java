package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.spi.RowCursor;
import io.backupkit.spi.TableModel;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * Property: whatever bytes the page reader finds in a damaged file, a table scan ends, either with
 * as many rows as SQLite counts or with an {@link SQLException} that names the table: never another
 * exception (an index out of bounds, an out-of-memory from a forged payload size), never a loop,
 * never a row too many or too few. (Damage inside a value changes the value, as it would for SQLite
 * reading the same file; the cross-checks against SQL catch it only on the rows they compare.)
 *
 * <p>The connection reads an intact database; the pages come from a copy with random bytes of
 * random pages overwritten, as a file changed under SQLite would look.
 */
class PageReaderCorruptionProperties {

    private Path folder;
    private Path intact;
    private List<String> expected;
    private int tries;

    @BeforeProperty
    void createDatabase() throws Exception {
        folder = Files.createTempDirectory("page-corruption-");
        intact = folder.resolve("intact.db");
        SqliteTestTools.execute(intact,
                "PRAGMA page_size=1024",
                "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT, b BLOB, c REAL)",
                "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 400) "
                        + "INSERT INTO t(a, b, c) SELECT printf('row %d ''%s''', v, hex(randomblob(v % 50))), "
                        + "randomblob(CASE WHEN v % 37 = 0 THEN 3000 ELSE v % 20 END), v / 7.0 FROM n");
        expected = scan(intact, intact);
        assertThat(expected).hasSize(400);
    }

    @AfterProperty
    void deleteFolder() throws Exception {
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 150)
    void aDamagedFileGivesSqlitesRowsOrANamedError(@ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path damaged = folder.resolve("damaged-" + (++tries) + ".db");
        Files.copy(intact, damaged);
        long pages = Files.size(damaged) / 1024;
        try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
            int hits = 1 + random.nextInt(6);
            for (int i = 0; i < hits; i++) {
                long page = 1 + random.nextLong(pages - 1); // page 1 keeps the schema readable
                int offset = random.nextInt(random.nextBoolean() ? 16 : 1024); // headers, often
                file.seek(page * 1024 + offset);
                byte[] bytes = new byte[1 + random.nextInt(4)];
                random.nextBytes(bytes);
                file.write(bytes);
            }
        }
        try {
            List<String> rows = scan(intact, damaged);
            assertThat(rows).hasSameSizeAs(expected);
        } catch (SQLException e) {
            assertThat(e.getMessage()).contains("table t");
        }
    }

    /** Reads table t with the connection on {@code db} and the pages of {@code pagesOf}. */
    private static List<String> scan(Path db, Path pagesOf) throws Exception {
        Connection c = SqliteTestTools.connect(db);
        c.createStatement().execute("BEGIN");
        c.createStatement().executeQuery("SELECT count(*) FROM sqlite_schema").close();
        SqlitePageSource pages = SqlitePageSource.ofQuiescentFile(pagesOf, 1024, SqliteFileAccess.PRIVATE)
                .orElseThrow();
        List<String> rows = new ArrayList<>();
        try (SqliteSnapshot snapshot = new SqliteSnapshot(c, java.time.Instant.now(), "test", List.of(), pages, () -> {
            c.createStatement().execute("ROLLBACK");
            c.close();
        })) {
            TableModel table = snapshot.schema().tables().get(0);
            long count = snapshot.countRows(table);
            try (RowCursor cursor = snapshot.openRows(table, Set.of())) {
                while (cursor.next()) {
                    rows.add(new String(cursor.literals(0, 4), java.nio.charset.StandardCharsets.ISO_8859_1));
                    assertThat(rows.size()).as("no loop").isLessThanOrEqualTo((int) count);
                }
            }
        }
        return rows;
    }
}
