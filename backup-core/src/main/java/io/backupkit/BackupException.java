package io.backupkit;

/**
 * The base of every exception backupkit throws. Messages name what failed (a table, an archive
 * entry, a store) and never contain credentials, keys or row values.
 */
public class BackupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BackupException(String message) {
        super(message);
    }

    public BackupException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A stable, machine-readable name of the kind of failure, for a web layer's JSON errors and for
     * {@link Job#errorCode()}: {@code backup_failed} here, and in the subclasses for example
     * {@code access_denied}, {@code rate_limited}, {@code limit_exceeded}, {@code invalid_archive},
     * {@code signature_refused}, {@code wrong_key}, {@code not_found}, {@code storage_failed},
     * {@code snapshot_failed}, {@code cancelled}.
     */
    public String code() {
        return "backup_failed";
    }
}
