package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.RestorePreview;
import io.backupkit.TablePreview;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code preview(id)} against known edits made after the backup. Counts are from the backup's
 * point of view: rows deleted live since the backup are "added" back by a restore, rows updated
 * are "changed" (reverted), rows inserted since are "lost". And the preview writes nothing: the
 * live file's bytes, the live folder, the store and the temp directory are all unchanged.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RestorePreviewTest {

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;
    private BackupService service;
    private BackupManifest backup;

    @BeforeEach
    void backUpThenEdit() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "PRAGMA user_version=5",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT NOT NULL, status TEXT)",
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID",
                // a rowid table whose primary key is not the rowid
                "CREATE TABLE customers (code TEXT PRIMARY KEY, name TEXT)",
                "CREATE TABLE archived (id INTEGER PRIMARY KEY, note TEXT)",
                "CREATE TABLE untouched (id INTEGER PRIMARY KEY, v REAL)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                        + "INSERT INTO tickets SELECT i, 'ticket ' || i, 'open' FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20) "
                        + "INSERT INTO settings SELECT printf('k%02d', i), 'v' || i FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10) "
                        + "INSERT INTO customers SELECT 'c' || i, 'Customer ' || i FROM n",
                "INSERT INTO archived VALUES (1, 'a'), (2, 'b'), (3, 'c')",
                "INSERT INTO untouched VALUES (1, 1.5), (2, NULL)");
        service = RestoreTestKit.service(live, storeFolder, temp);
        backup = service.backup();

        FaultTestKit.exec(live,
                "DELETE FROM tickets WHERE id BETWEEN 1 AND 5",
                "UPDATE tickets SET status = 'closed' WHERE id IN (10, 11, 12)",
                "UPDATE tickets SET status = 'open' WHERE id = 13", // an update that changes nothing
                "INSERT INTO tickets VALUES (1001, 'new 1', 'open'), (1002, 'new 2', NULL)",
                "DELETE FROM settings WHERE key = 'k01'",
                "UPDATE settings SET value = NULL WHERE key IN ('k02', 'k03')",
                "INSERT INTO settings VALUES ('zz', 'new')",
                "CREATE TABLE late (x TEXT)",
                "INSERT INTO late VALUES ('a'), ('b'), ('c'), ('d')",
                "DROP TABLE archived",
                "ALTER TABLE tickets ADD COLUMN sla_minutes INTEGER",
                "PRAGMA user_version=6");
    }

    private static TablePreview table(RestorePreview preview, String name) {
        return preview.tables().stream().filter(t -> t.table().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no preview line for table " + name + " in " + preview.tables()));
    }

    @Test
    void countsLostChangedAndAddedRowsByPrimaryKey() {
        RestorePreview preview = service.preview(backup.id());

        assertThat(preview.backupId()).isEqualTo(backup.id());
        assertThat(preview.snapshotAt()).isEqualTo(backup.snapshotAt());
        assertThat(preview.age()).isBetween(Duration.ZERO, Duration.ofMinutes(5));
        // 5 deleted come back (added), 3 updated are reverted (changed), 2 inserted are removed (lost)
        assertThat(table(preview, "tickets")).isEqualTo(new TablePreview("tickets", 100, 97, 2, 3, 5));
        assertThat(table(preview, "settings")).as("WITHOUT ROWID table, keyed by its primary key")
                .isEqualTo(new TablePreview("settings", 20, 20, 1, 2, 1));
        assertThat(table(preview, "untouched")).isEqualTo(new TablePreview("untouched", 2, 2, 0, 0, 0));
        assertThat(table(preview, "untouched").changes()).isFalse();
        assertThat(table(preview, "late")).as("a table only live: all its rows are lost")
                .isEqualTo(new TablePreview("late", 0, 4, 4, 0, 0));
        assertThat(table(preview, "archived")).as("a table only in the backup: all its rows come back")
                .isEqualTo(new TablePreview("archived", 3, 0, 0, 0, 3));
        assertThat(preview.lostRows()).isEqualTo(2 + 1 + 4);
        assertThat(preview.tablesOnlyLive()).containsExactly("late");
        assertThat(preview.tablesOnlyInBackup()).containsExactly("archived");
        assertThat(preview.columnChanges()).singleElement().asString()
                .startsWith("tickets:").contains("sla_minutes");
        assertThat(preview.backupUserVersion()).isEqualTo("5");
        assertThat(preview.liveUserVersion()).isEqualTo("6");
        assertThat(preview.summary()).contains("tickets", "settings", "late").contains("2 tickets");
    }

    /**
     * An upsert ({@code INSERT OR REPLACE}) deletes and re-inserts the row under a new rowid. By
     * primary key, as the issue asks, the customer is still there with a changed name: one changed
     * row, nothing lost, nothing added.
     */
    @Test
    void rowidTableWithTextPrimaryKeyIsComparedByPrimaryKeyNotRowid() throws Exception {
        FaultTestKit.exec(live, "INSERT OR REPLACE INTO customers VALUES ('c3', 'Renamed')");
        assertThat(FaultTestKit.queryLong(live, "SELECT rowid FROM customers WHERE code = 'c3'"))
                .as("the upsert moved the row to a new rowid").isNotEqualTo(3);

        RestorePreview preview = service.preview(backup.id());

        assertThat(table(preview, "customers")).isEqualTo(new TablePreview("customers", 10, 10, 0, 1, 0));
    }

    @Test
    void previewWritesNothing() throws Exception {
        String liveSha = RestoreTestKit.sha256(live);
        List<Path> liveFolder = RestoreTestKit.liveFolderFiles(live.getParent());
        List<String> listing = RestoreTestKit.listing(service);
        List<Path> storeFiles = RestoreTestKit.filesIn(storeFolder);

        RestorePreview preview = service.preview(backup.id());
        assertThat(preview.tables()).isNotEmpty();

        assertThat(RestoreTestKit.sha256(live)).as("SHA-256 of the live database file").isEqualTo(liveSha);
        assertThat(RestoreTestKit.liveFolderFiles(live.getParent())).as("files in the live folder").isEqualTo(liveFolder);
        RestoreTestKit.assertNoWalContent(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
        assertThat(RestoreTestKit.filesIn(temp)).as("files left in the temp directory").isEmpty();
        assertThat(RestoreTestKit.listing(service)).as("backups listed").isEqualTo(listing);
        assertThat(RestoreTestKit.filesIn(storeFolder)).as("files in the store folder").isEqualTo(storeFiles);
    }

    @Test
    void previewWithNoChangesSaysSo() throws Exception {
        Path other = Files.createDirectories(dir.resolve("same")).resolve("same.db");
        FaultTestKit.exec(other, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'x')");
        BackupService same = RestoreTestKit.service(other, dir.resolve("store2"), temp);
        BackupManifest b = same.backup();

        RestorePreview preview = same.preview(b.id());

        assertThat(preview.tables()).containsExactly(new TablePreview("t", 1, 1, 0, 0, 0));
        assertThat(preview.lostRows()).isZero();
        assertThat(preview.summary()).contains("changes nothing");
    }

    @Test
    void previewForADatabaseThatDoesNotExistShowsEveryRowAsAdded() throws Exception {
        Path missing = dir.resolve("nowhere").resolve("missing.db");
        Files.createDirectories(missing.getParent());
        BackupService target = RestoreTestKit.service(missing, storeFolder, temp);

        RestorePreview preview = target.preview(backup.id());

        assertThat(table(preview, "tickets")).isEqualTo(new TablePreview("tickets", 100, 0, 0, 0, 100));
        assertThat(preview.lostRows()).isZero();
        assertThat(preview.liveUserVersion()).isEmpty();
        assertThat(RestoreTestKit.filesIn(temp)).isEmpty();
    }
}
