package io.backupkit;

/**
 * The phases a backup, restore, preview or verification goes through, reported to a
 * {@link ProgressListener}. A backup goes SNAPSHOT, PLAN, DATA, FINISH, MEDIA, COMMIT, DONE; a
 * restore VERIFY, STAGE, CHECK, SAFETY_BACKUP, SWAP, DONE; a preview VERIFY, STAGE, CHECK,
 * COMPARE, DONE; a verification VERIFY (and for a deep one STAGE, CHECK), DONE.
 */
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
    /** Reading the whole archive and checking every checksum and the signature; bytes count up. */
    VERIFY,
    /** Rebuilding the backup into a staging (or scratch) database; rows count up against the manifest's. */
    STAGE,
    /** Integrity, foreign-key and row-count checks of the rebuilt database. */
    CHECK,
    /** Comparing the rebuilt database with the live one (preview). */
    COMPARE,
    /** Taking the {@code pre-restore} safety backup; rows are the safety backup's. */
    SAFETY_BACKUP,
    /** Swapping the rebuilt database in; from here on a restore can no longer be cancelled. */
    SWAP,
    /** Finished successfully. */
    DONE
}
