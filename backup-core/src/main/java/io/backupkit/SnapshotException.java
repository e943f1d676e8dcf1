package io.backupkit;

/**
 * The database could not be read consistently: it is not a database, it stayed locked longer
 * than the configured timeout, or a read failed. The message names the database and the table.
 */
public class SnapshotException extends BackupException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "snapshot_failed";
    }
}
