package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestorePreview;
import io.backupkit.TablePreview;
import io.backupkit.spi.Restorer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When the streaming preview applies and when the preview stages instead; its counts against the
 * staging's on random changes are {@link StreamingPreviewProperties}.
 */
class StreamingPreviewTest {

    @TempDir
    Path dir;

    private final Restorer restorer = new SqliteDialect().restorer().orElseThrow();

    @Test
    void aLiveDatabaseWithTheBackupsSchemaIsPreviewedByStreaming() throws Exception {
        Path live = wal("same.db");
        BackupManifest backup = service(live).backup();
        SqliteTestTools.execute(live, "DELETE FROM t WHERE id = 2", "UPDATE t SET v = 'B' WHERE id = 3",
                "INSERT INTO t(v) VALUES ('new')");

        try (var merge = restorer.streamingPreview(FaultTestKit.dataSource(live), backup, dir).orElseThrow()) {
            assertThat(merge).isInstanceOf(SqliteStreamingPreview.class);
        }
        RestorePreview preview = service(live).preview(backup.id());
        assertThat(preview.tables()).containsExactly(new TablePreview("t", 3, 3, 1, 1, 1));
    }

    @Test
    void aChangedSchemaARollbackJournalOrABigTableNotKeyedByRowidAreStaged() throws Exception {
        Path altered = wal("altered.db");
        BackupManifest alteredBackup = service(altered).backup();
        SqliteTestTools.execute(altered, "ALTER TABLE t ADD COLUMN extra TEXT");
        assertThat(restorer.streamingPreview(FaultTestKit.dataSource(altered), alteredBackup, dir)).isEmpty();

        Path journal = dir.resolve("journal.db");
        SqliteTestTools.execute(journal, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t(v) VALUES ('a')");
        BackupManifest journalBackup = service(journal).backup();
        assertThat(restorer.streamingPreview(FaultTestKit.dataSource(journal), journalBackup, dir)).isEmpty();
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.getFileName().toString().startsWith("backupkit-snapshot-")))
                    .as("no copy of the rollback-journal database was made").isEmpty();
        }

        Path collated = dir.resolve("collated.db");
        SqliteTestTools.execute(collated, "PRAGMA journal_mode=WAL",
                "CREATE TABLE c(id INTEGER PRIMARY KEY, v TEXT COLLATE NOCASE)", "INSERT INTO c(v) VALUES ('a')");
        BackupManifest collatedBackup = service(collated).backup();
        assertThat(restorer.streamingPreview(FaultTestKit.dataSource(collated), collatedBackup, dir))
                .as("a collation makes equal values of different bytes: staged").isEmpty();

        Path keyed = dir.resolve("keyed.db");
        SqliteTestTools.execute(keyed, "PRAGMA journal_mode=WAL", "CREATE TABLE k(code TEXT PRIMARY KEY, v)",
                "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < "
                        + (SqliteStreamingPreview.SMALL_TABLE_ROWS + 1) + ") INSERT INTO k SELECT 'c' || x, x FROM n");
        BackupManifest keyedBackup = service(keyed).backup();
        assertThat(restorer.streamingPreview(FaultTestKit.dataSource(keyed), keyedBackup, dir)).isEmpty();

        // and the staged preview still answers
        SqliteTestTools.execute(keyed, "DELETE FROM k WHERE code = 'c1'");
        assertThat(service(keyed).preview(keyedBackup.id()).tables())
                .containsExactly(new TablePreview("k", SqliteStreamingPreview.SMALL_TABLE_ROWS + 1,
                        SqliteStreamingPreview.SMALL_TABLE_ROWS, 0, 0, 1));
    }

    private Path wal(String name) throws Exception {
        Path db = dir.resolve(name);
        SqliteTestTools.execute(db, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t(v) VALUES ('a'), ('b'), ('c')");
        return db;
    }

    private BackupService service(Path db) throws Exception {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(Files.createDirectories(dir.resolve("store"))))
                .options(BackupOptions.builder().tempDirectory(dir.resolve("tmp")).build())
                .build();
    }
}
