package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DEEP verification rebuilds the backup and runs the checks a restore would. */
class DeepVerifyTest {

    @TempDir
    Path work;

    @Test
    void aSoundBackupPassesBothDepths() throws Exception {
        Path db = SqliteTestTools.copyDataset("chinook.sqlite", work);
        BackupService service = SqliteTestTools.service(db, Files.createDirectories(work.resolve("store")),
                BackupOptions.defaults());
        BackupManifest manifest = service.backup();

        assertThat(service.verify(manifest.id(), VerifyDepth.QUICK).ok()).isTrue();
        VerificationResult deep = service.verify(manifest.id(), VerifyDepth.DEEP);
        assertThat(deep.problems()).isEmpty();
        assertThat(deep.ok()).isTrue();
        assertNoScratchLeft();
    }

    @Test
    void deepFindsWhatChecksumsCannot() throws Exception {
        Path db = work.resolve("broken-fk.db");
        // The application ran with foreign keys off and left an orphan; every checksum is still right.
        SqliteTestTools.execute(db,
                "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))",
                "INSERT INTO parent VALUES (1)",
                "INSERT INTO child VALUES (1, 1), (2, 42)");
        BackupService service = SqliteTestTools.service(db, Files.createDirectories(work.resolve("store")),
                BackupOptions.defaults());
        BackupManifest manifest = service.backup();

        assertThat(service.verify(manifest.id(), VerifyDepth.QUICK).ok()).isTrue();
        VerificationResult deep = service.verify(manifest.id(), VerifyDepth.DEEP);
        assertThat(deep.ok()).isFalse();
        assertThat(deep.problems()).anySatisfy(p -> assertThat(p).contains("foreign_key_check").contains("child"));
        assertNoScratchLeft();
    }

    private static void assertNoScratchLeft() throws Exception {
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.contains("backupkit-staging-" + ProcessHandle.current().pid() + "-"));
        }
    }
}
