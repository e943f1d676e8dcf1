package io.backupkit;

/**
 * What a full restore does with the media files of the backup, when the service has a writable
 * {@link io.backupkit.spi.MediaSource}. No mode ever deletes a file: files uploaded after the backup
 * stay where they are (the restored database no longer refers to them).
 */
public enum MediaRestoreMode {
    /** Leave media alone. */
    SKIP,
    /**
     * Put back the files that are missing; a file that exists with other content is left as it is
     * and reported as a conflict. The default: nothing is lost.
     */
    MISSING_ONLY,
    /** Put back missing files and replace those whose content differs from the backup's. */
    OVERWRITE
}
