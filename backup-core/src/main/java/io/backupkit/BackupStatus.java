package io.backupkit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How safe the data is, at a glance: what a settings page shows as "Dernière sauvegarde :
 * 2025-11-13 10:30 (il y a 45 minutes)".
 *
 * <pre>{@code
 * BackupStatus s = service.status();
 * if (s.lastBackup() != null) {
 *     System.out.println("last backup " + s.lastBackup().createdAt() + ", " + s.lastBackupAge().toMinutes()
 *         + " min ago, " + s.lastBackupSize() + " bytes, " + (s.lastBackupVerified() ? "verified" : "NOT verified"));
 * }
 * s.nextRun();                         // the next scheduled backup, if a scheduler runs
 * s.incidents();                       // full store, failed deep verify, lease takeovers...
 * }</pre>
 *
 * @param lastBackup      the newest complete backup in the store, or {@code null} when there is none
 * @param lastBackupAge   how old it is, or {@code null}
 * @param backupsKept     how many backups the store lists
 * @param storeBytes      the archives' total size
 * @param lastFailure     the message of this service's last failure (a backup that failed, a
 *                        verification that found a problem, retention that could not delete) if it came
 *                        after the newest backup started; otherwise {@code null}. Never holds row values
 *                        or credentials
 * @param lastFailureAt   when it failed, or {@code null}
 * @param nextRun         the next run of a started {@link BackupScheduler} of this service (the earliest,
 *                        if several), or {@code null}
 * @param incidents       what this service met recently, newest last (at most {@value #MAX_INCIDENTS})
 */
public record BackupStatus(BackupInfo lastBackup, Duration lastBackupAge, int backupsKept, long storeBytes,
                           String lastFailure, Instant lastFailureAt, Instant nextRun, List<Incident> incidents) {

    /** How many incidents the status keeps. */
    public static final int MAX_INCIDENTS = 20;

    public BackupStatus {
        incidents = List.copyOf(incidents);
    }

    /** A status without scheduler or incidents. */
    public BackupStatus(BackupInfo lastBackup, Duration lastBackupAge, int backupsKept, long storeBytes,
                        String lastFailure, Instant lastFailureAt) {
        this(lastBackup, lastBackupAge, backupsKept, storeBytes, lastFailure, lastFailureAt, null, List.of());
    }

    /** The newest backup's size in bytes, or 0 when there is none. */
    public long lastBackupSize() {
        return lastBackup == null ? 0 : lastBackup.sizeBytes();
    }

    /** How long the newest backup took, or {@code null} when unknown (none, or taken by an older version). */
    public Duration lastBackupDuration() {
        return lastBackup == null ? null : lastBackup.duration();
    }

    /** Whether the newest backup's last recorded verification passed ("a backup not verified is not a backup"). */
    public boolean lastBackupVerified() {
        return lastBackup != null && lastBackup.verified();
    }

    /**
     * Something worth a super-admin's attention.
     *
     * @param at      when it happened
     * @param kind    what happened
     * @param message what, naming the backup or the store; never row values or credentials
     */
    public record Incident(Instant at, Kind kind, String message) {
        public Incident {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }

        /** Kinds of incident. */
        public enum Kind {
            /** A backup failed; nothing was stored. */
            BACKUP_FAILED,
            /** A backup failed because the store is full (no space left, quota exceeded). */
            STORE_FULL,
            /** A verification (for example the scheduler's deep verify) found the backup unsound. */
            VERIFY_FAILED,
            /** A verification could not run at all (store unreadable, key missing). */
            VERIFY_ERROR,
            /** Retention could not delete a backup it should have. */
            RETENTION_FAILED,
            /** A scheduled copy to another store (for example off-site) failed; the backup itself stands. */
            COPY_FAILED,
            /** A scheduler took over the store lease of another process whose lease had expired. */
            LEASE_TAKEN_OVER,
            /** A restore or undo failed; the live database was not changed. */
            RESTORE_FAILED
        }
    }
}
