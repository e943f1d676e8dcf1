package io.backupkit;

/** The phases a backup goes through, reported to a {@link ProgressListener}. */
public enum Phase {
    /** Opening the read snapshot and reading the schema. */
    SNAPSHOT,
    /** Counting rows and planning the table order. */
    PLAN,
    /** Writing table rows. */
    DATA,
    /** Writing indexes, views, triggers and counters. */
    FINISH,
    /** Copying media files; {@link Progress#table()} names the file being queued. */
    MEDIA,
    /** Making the archive durable and visible in the store. */
    COMMIT,
    /** Finished successfully. */
    DONE
}
