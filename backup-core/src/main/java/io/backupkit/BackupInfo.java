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
 * @param duration      how long the backup took, or {@code null} when not recorded (older versions)
 * @param verification  the last recorded verification, or {@code null} when none is recorded (the
 *                      backup was never verified, or its record was not trusted: see
 *                      {@link BackupService.Builder#recordVerifications(boolean)}). Not covered by the
 *                      backup's signature; it has its own
 */
public record BackupInfo(String id, Instant createdAt, String archiveName, long sizeBytes, String archiveSha256,
                         int tableCount, long totalRows, boolean encrypted, String dialect, List<String> labels,
                         java.time.Duration duration, BackupVerification verification) {
    public BackupInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(archiveName, "archiveName");
        Objects.requireNonNull(archiveSha256, "archiveSha256");
        Objects.requireNonNull(dialect, "dialect");
        labels = List.copyOf(labels);
    }

    /** Listing data without a verification record. */
    public BackupInfo(String id, Instant createdAt, String archiveName, long sizeBytes, String archiveSha256,
                      int tableCount, long totalRows, boolean encrypted, String dialect, List<String> labels) {
        this(id, createdAt, archiveName, sizeBytes, archiveSha256, tableCount, totalRows, encrypted, dialect, labels,
                null, null);
    }

    /** Whether the last recorded verification passed. */
    public boolean verified() {
        return verification != null && verification.ok();
    }

    /** This listing with another verification record. */
    public BackupInfo withVerification(BackupVerification record) {
        return new BackupInfo(id, createdAt, archiveName, sizeBytes, archiveSha256, tableCount, totalRows, encrypted,
                dialect, labels, duration, record);
    }
}
