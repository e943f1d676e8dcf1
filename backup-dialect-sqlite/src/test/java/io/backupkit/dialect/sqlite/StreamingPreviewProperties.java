package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestorePreview;
import io.backupkit.TablePreview;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property: the streaming preview (archive rows merged with the live rows, no staging) gives the
 * same counts, table by table, as the staging preview, after random deletions, inserts (new
 * rowids and reused ones) and value changes of every kind of column, including the WITHOUT ROWID
 * table compared by hash and a table the live database no longer has or newly has.
 */
class StreamingPreviewProperties {

    private static Path folder;
    private static Path original;
    private static int tries;

    @BeforeContainer
    static void generate() throws Exception {
        folder = Files.createTempDirectory("streaming-preview-");
        original = FaultTestKit.maintenanceDb(folder.resolve("original.db"));
        SqliteTestTools.execute(original,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
                "INSERT INTO settings VALUES ('a', '1'), ('b', '2'), ('c', NULL), ('é', X'00')",
                "CREATE TABLE keyed (code TEXT NOT NULL PRIMARY KEY, n INTEGER, r REAL)",
                "INSERT INTO keyed VALUES ('x', 1, 1.5), ('y', 2, 0.1), ('z', 3, NULL)",
                "CREATE TABLE loose (id INTEGER PRIMARY KEY, a, b)",
                "INSERT INTO loose(a, b) VALUES (1, 0.0), (2, 'two'), (X'01', NULL), (3.5, -0.0),"
                        + " (1234567890123450000, 1)");
    }

    @AfterContainer
    static void delete() throws Exception {
        try (var files = Files.walk(folder)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Property(tries = 25)
    void streamingAndStagingPreviewsAgree(@ForAll long seed) throws Exception {
        SplittableRandom random = new SplittableRandom(seed);
        Path work = Files.createDirectories(folder.resolve("try-" + (++tries)));
        Path live = work.resolve("live.db");
        Files.copy(original, live);
        BackupService streaming = service(live, work, new SqliteDialect());
        BackupService staging = service(live, work, SqliteDialect.readingThroughSql());
        BackupManifest backup = streaming.backup();

        try (Connection c = SqliteTestTools.connect(live); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("PRAGMA foreign_keys=OFF");
            int changes = 1 + random.nextInt(8);
            for (int i = 0; i < changes; i++) {
                int id = 1 + random.nextInt(400);
                switch (random.nextInt(11)) {
                    case 0 -> s.execute("DELETE FROM tickets WHERE id % " + (2 + random.nextInt(20)) + " = 0");
                    case 1 -> s.execute("UPDATE tickets SET title = title || '!' WHERE id = " + id);
                    case 2 -> s.execute("UPDATE tickets SET cost = " + random.nextDouble() * 1000 + " WHERE id = " + id);
                    case 3 -> s.execute("INSERT INTO users (email, full_name, password_hash, created_at) VALUES"
                            + " ('new" + random.nextInt() + "@x', 'N', 'h', '2030')");
                    case 4 -> s.execute("DELETE FROM users WHERE id = (SELECT max(id) FROM users)");
                    case 5 -> s.execute("UPDATE settings SET v = '" + random.nextInt(5) + "' WHERE k = 'b'");
                    case 6 -> {
                        s.execute("DELETE FROM settings WHERE k = 'a'");
                        s.execute("INSERT OR REPLACE INTO settings VALUES ('d', 'new')");
                    }
                    case 7 -> {
                        // an upsert gives the row a new rowid: still the same key, so not lost
                        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO keyed VALUES (?, ?, ?)")) {
                            ps.setString(1, random.nextBoolean() ? "x" : "w");
                            ps.setLong(2, random.nextInt(3));
                            ps.setDouble(3, 1.5);
                            ps.executeUpdate();
                        }
                    }
                    case 8 -> s.execute("UPDATE messages SET content = NULL WHERE id = " + id);
                    case 9 -> {
                        // equal values in another storage class: not a change for SQL's IS
                        s.execute("UPDATE loose SET a = 1.0, b = -0.0 WHERE id = 1");
                        s.execute("UPDATE loose SET a = 'TWO' WHERE id = 2");
                        // a REAL that quote() spells like the integer, but another value
                        s.execute("UPDATE loose SET a = 1.23456789012345e18 WHERE id = 5");
                    }
                    default -> s.execute("ANALYZE");
                }
            }
            if (random.nextInt(5) == 0) {
                s.execute("CREATE TABLE extra (x)");
                s.execute("INSERT INTO extra VALUES (1), (2)");
                s.execute("CREATE TABLE another (y)");
            }
            c.commit();
        }

        RestorePreview fast = streaming.preview(backup.id());
        RestorePreview slow = staging.preview(backup.id());
        // The merge itself, driven directly: a silent fallback to staging could not pass this.
        List<TablePreview> merged;
        try (var merge = new SqliteDialect().restorer().orElseThrow()
                .streamingPreview(FaultTestKit.dataSource(live), backup, work).orElseThrow()) {
            var catalog = streaming.catalog();
            catalog.forEachEntry(backup.id(), catalog.manifestForStreaming(backup.id()), merge::load);
            merged = merge.finish();
        }

        assertThat(merged).as("seed %d", seed).containsExactlyElementsOf(slow.tables());
        assertThat(fast.tables()).containsExactlyElementsOf(slow.tables());
        assertThat(fast.summary()).isEqualTo(slow.summary());
    }

    private static BackupService service(Path live, Path work, SqliteDialect dialect) {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live))
                .dialect(dialect)
                .store(LocalFolderStore.at(work.resolve("store")))
                .options(BackupOptions.builder().tempDirectory(work.resolve("tmp")).build())
                .build();
    }
}
