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
}
