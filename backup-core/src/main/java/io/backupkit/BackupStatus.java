package io.backupkit;

import java.time.Duration;
import java.time.Instant;

/**
 * How safe the data is, at a glance: what a settings page shows as "Dernière sauvegarde :
 * 2025-11-13 10:30 (il y a 45 minutes)".
 *
 * <pre>{@code
 * BackupStatus s = service.status();
 * if (s.lastBackup() != null) {
 *     System.out.println("last backup " + s.lastBackup().createdAt() + ", " + s.lastBackupAge().toMinutes() + " min ago");
 * }
 * }</pre>
 *
 * @param lastBackup      the newest complete backup in the store, or {@code null} when there is none
 * @param lastBackupAge   how old it is, or {@code null}
 * @param backupsKept     how many backups the store lists
 * @param storeBytes      the archives' total size
 * @param lastFailure     the message of this service's last failed backup, if it failed after the newest
 *                        success; otherwise {@code null}. Never holds row values or credentials
 * @param lastFailureAt   when it failed, or {@code null}
 */
public record BackupStatus(BackupInfo lastBackup, Duration lastBackupAge, int backupsKept, long storeBytes,
                           String lastFailure, Instant lastFailureAt) {
}
