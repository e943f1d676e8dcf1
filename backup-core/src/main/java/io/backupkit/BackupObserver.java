package io.backupkit;

import java.time.Duration;

/**
 * Hears what a {@link BackupService} does, for metrics and monitoring: every backup, restore and
 * verification that finishes, and every incident the status reports. Registered with
 * {@link BackupService.Builder#observer(BackupObserver)}; {@code io.backupkit.metrics.MicrometerBackupMetrics}
 * is one.
 *
 * <pre>{@code
 * BackupService.builder()...observer(new BackupObserver() {
 *     public void backupFailed(String message, Duration took) { pager.alert("backup failed: " + message); }
 * }).build();
 * }</pre>
 *
 * <p>Methods are called on the thread that ran the operation, after it finished; keep them quick.
 * Exceptions they throw are logged and ignored. Messages never hold row values or credentials.
 */
public interface BackupObserver {

    /** Called once, when the service is built, before any other method. */
    default void attached(BackupService service) {
    }

    /**
     * A backup was stored.
     *
     * @param info the new backup's listing (size, tables, rows), or {@code null} if it could not be read back
     */
    default void backupSucceeded(BackupManifest manifest, BackupInfo info, Duration took) {
    }

    /** A backup failed; nothing was stored. Cancelled backups are not reported. */
    default void backupFailed(String message, Duration took) {
    }

    /** A full restore or an undo finished; {@code ok} is false when it failed and nothing changed. */
    default void restoreFinished(String backupId, boolean ok, Duration took) {
    }

    /** A verification finished with a result ({@code ok} false when the backup failed it). */
    default void verified(String backupId, VerifyDepth depth, boolean ok, Duration took) {
    }

    /** Something the status reports: a failure, a full store, a failed verification, a lease takeover. */
    default void incident(BackupStatus.Incident incident) {
    }
}
