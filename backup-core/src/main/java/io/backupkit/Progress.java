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
 * @param bytesWritten bytes so far: written to the store by a backup, read from the store in the
 *                     {@link Phase#VERIFY} and {@link Phase#STAGE} phases
 * @param bytesTotal   the bytes expected in all in this phase when known (the archive's size while
 *                     verifying), otherwise 0
 */
public record Progress(Phase phase, String table, long rowsDone, long rowsTotal, long bytesWritten,
                       long bytesTotal) {
    public Progress {
        Objects.requireNonNull(phase, "phase");
    }

    /** A report without a known byte total. */
    public Progress(Phase phase, String table, long rowsDone, long rowsTotal, long bytesWritten) {
        this(phase, table, rowsDone, rowsTotal, bytesWritten, 0);
    }

    /**
     * Completion of the current phase between 0 and 1: by rows when a row total is known, else by
     * bytes when a byte total is known; 1 once done.
     */
    public double fraction() {
        if (phase == Phase.DONE) {
            return 1.0;
        }
        if (rowsTotal > 0) {
            return Math.min(1.0, (double) rowsDone / rowsTotal);
        }
        return bytesTotal <= 0 ? 0.0 : Math.min(1.0, (double) bytesWritten / bytesTotal);
    }
}
