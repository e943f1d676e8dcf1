package io.backupkit;

import java.util.Objects;

/**
 * A progress report.
 *
 * @param phase        the current phase
 * @param table        the table being written, or in the {@link Phase#MEDIA} phase the media file;
 *                     {@code null} otherwise
 * @param rowsDone     rows written so far, across all tables
 * @param rowsTotal    rows the backup will write in all (known after {@link Phase#PLAN}; 0 before)
 * @param bytesWritten compressed bytes written to the store so far
 */
public record Progress(Phase phase, String table, long rowsDone, long rowsTotal, long bytesWritten) {
    public Progress {
        Objects.requireNonNull(phase, "phase");
    }

    /** Completion between 0 and 1, by rows; 1 once done. */
    public double fraction() {
        if (phase == Phase.DONE) {
            return 1.0;
        }
        return rowsTotal <= 0 ? 0.0 : Math.min(1.0, (double) rowsDone / rowsTotal);
    }
}
