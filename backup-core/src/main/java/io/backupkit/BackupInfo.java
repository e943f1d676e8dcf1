package io.backupkit;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A stored backup as listed, read from its small sidecar without downloading the archive.
 *
 * @param id            the backup id
 * @param createdAt     when the backup started
 * @param archiveName   the archive's object name in the store
 * @param sizeBytes     the archive's size
 * @param archiveSha256 SHA-256 of the whole archive, lower-case hex
 * @param tableCount    number of tables
 * @param totalRows     number of rows
 * @param encrypted     whether the archive is encrypted
 * @param dialect       the source dialect
 * @param labels        labels given at backup time
 */
public record BackupInfo(String id, Instant createdAt, String archiveName, long sizeBytes, String archiveSha256,
                         int tableCount, long totalRows, boolean encrypted, String dialect, List<String> labels) {
    public BackupInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(archiveName, "archiveName");
        Objects.requireNonNull(archiveSha256, "archiveSha256");
        Objects.requireNonNull(dialect, "dialect");
        labels = List.copyOf(labels);
    }
}
