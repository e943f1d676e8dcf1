package io.backupkit;

/** The phases a backup goes through, reported to a {@link ProgressListener}. */
public enum Phase {
    /** Opening the read snapshot and reading the schema. */
    SNAPSHOT,
    /** Counting rows and planning the table order. */
    PLAN,
    /** Writing table rows. */
    DATA,
    /** Writing indexes, views, triggers, counters and the manifest. */
    FINISH,
    /** Making the archive durable and visible in the store. */
    COMMIT,
    /** Finished successfully. */
    DONE
}
