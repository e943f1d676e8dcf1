package io.backupkit;

/**
 * Where a {@link Job} stands. QUEUED and RUNNING are the live states; the other three are final.
 */
public enum JobState {
    /** Waiting for a free job thread. */
    QUEUED,
    /** Running. */
    RUNNING,
    /** Finished; {@link Job#result()} holds the result. */
    SUCCEEDED,
    /** Failed; {@link Job#error()} says why, and nothing was left half done. */
    FAILED,
    /** Cancelled before it could finish; nothing was left half done. */
    CANCELLED;

    /** Whether this is a final state. */
    public boolean isFinal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }
}
