package io.backupkit;

/**
 * The operations an {@link AccessPolicy} decides on and the audit trail records.
 */
public enum Operation {
    /** Take a backup into the store. */
    BACKUP,
    /** Stream a plain SQL export or a fresh backup out to the caller. */
    EXPORT,
    /** Download a stored (encrypted) archive. */
    DOWNLOAD,
    /** Upload an archive into the store for a later restore. */
    UPLOAD,
    /** List the stored backups. */
    LIST,
    /** Read the status (last backup, failures, next run). */
    STATUS,
    /** Verify a backup's checksums and signature, or rebuild it into a scratch database. */
    VERIFY,
    /** Preview what a restore would change. */
    PREVIEW,
    /** Restore a backup over the live database, in full or selectively. */
    RESTORE,
    /** Undo the last restore. */
    UNDO,
    /** Copy a stored backup to another store, for example an off-site copy. */
    COPY,
    /** Delete a stored backup (including retention pruning). */
    DELETE,
    /** Read or verify the audit trail. */
    AUDIT
}
