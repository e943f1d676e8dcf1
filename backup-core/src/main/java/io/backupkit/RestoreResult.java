package io.backupkit;

import java.time.Duration;
import java.util.Objects;

/**
 * The outcome of a restore.
 *
 * @param backupId       the backup that was restored
 * @param safetyBackupId the {@code pre-restore} backup taken just before, which {@code undoLastRestore()}
 *                       brings back; {@code null} when the target held no database
 * @param rows           rows restored
 * @param writePause     how long application writes were held while the database was swapped
 * @param duration       the whole restore
 * @param media          what was done with media files ({@link MediaRestoreResult#NONE} when nothing)
 */
public record RestoreResult(String backupId, String safetyBackupId, long rows, Duration writePause,
                            Duration duration, MediaRestoreResult media) {
    public RestoreResult {
        Objects.requireNonNull(backupId, "backupId");
        Objects.requireNonNull(writePause, "writePause");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(media, "media");
    }

    /** A result without media. */
    public RestoreResult(String backupId, String safetyBackupId, long rows, Duration writePause, Duration duration) {
        this(backupId, safetyBackupId, rows, writePause, duration, MediaRestoreResult.NONE);
    }
}
