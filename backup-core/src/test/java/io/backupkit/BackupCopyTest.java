package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.internal.ArchiveWriter;
import io.backupkit.internal.Json;
import io.backupkit.internal.Sidecar;
import io.backupkit.testing.FailingStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copies of a stored backup to another store. */
class BackupCopyTest {

    @TempDir
    Path work;

    /** Writes a small archive and its sidecar straight into a store, as a backup would. */
    private static String storeBackup(LocalFolderStore store) throws Exception {
        String id = "20261126T120000000Z-abc123";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ArchiveWriter writer = new ArchiveWriter(bytes, Compression.zstd(3), Instant.EPOCH);
        byte[] sql = "CREATE TABLE t(a);\n".getBytes(StandardCharsets.UTF_8);
        writer.addEntry("sql/000000-schema.sql", sql, sql.length);
        writer.finish();
        try (var upload = store.upload(id + ".tar.zst")) {
            upload.stream().write(bytes.toByteArray());
            upload.commit();
        }
        BackupInfo info = new BackupInfo(id, Instant.EPOCH, id + ".tar.zst", bytes.size(), writer.archiveSha256(), 1, 0,
                false, "sqlite", List.of());
        try (var upload = store.upload(Sidecar.objectName(id))) {
            upload.stream().write(Json.write(new Sidecar(Sidecar.VERSION, info)));
            upload.commit();
        }
        return id;
    }

    @Test
    void aCopyIsListedIdenticallyInTheTargetStore() throws Exception {
        LocalFolderStore source = LocalFolderStore.at(work.resolve("local"));
        LocalFolderStore target = LocalFolderStore.at(work.resolve("offsite"));
        String id = storeBackup(source);

        BackupCatalog.of(source).copy(id, target);

        assertThat(BackupCatalog.of(target).list()).containsExactlyElementsOf(BackupCatalog.of(source).list());
        assertThat(Files.readAllBytes(work.resolve("offsite").resolve(id + ".tar.zst")))
                .isEqualTo(Files.readAllBytes(work.resolve("local").resolve(id + ".tar.zst")));
    }

    @Test
    void aDamagedSourceOrAFailingTargetLeavesNothingListed() throws Exception {
        LocalFolderStore source = LocalFolderStore.at(work.resolve("local"));
        String id = storeBackup(source);
        Path archive = work.resolve("local").resolve(id + ".tar.zst");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(archive, bytes);
        LocalFolderStore target = LocalFolderStore.at(work.resolve("offsite"));

        assertThatThrownBy(() -> BackupCatalog.of(source).copy(id, target)).isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("does not match its sidecar");
        assertThat(target.list()).isEmpty();

        LocalFolderStore healthy = LocalFolderStore.at(work.resolve("local2"));
        String id2 = storeBackup(healthy);
        assertThatThrownBy(() -> BackupCatalog.of(healthy).copy(id2, new FailingStore(target, 10)))
                .isInstanceOf(StorageException.class).hasMessageContaining("No space left");
        assertThat(target.list()).isEmpty();
        try (Stream<Path> files = Files.list(work.resolve("offsite"))) {
            assertThat(files).isEmpty();
        }
    }
}
