package io.backupkit;

/**
 * No registered or discoverable dialect handles the database, or more than one claims it.
 * The message names the database and the candidate dialects.
 */
public class UnsupportedDatabaseException extends BackupException {
    private static final long serialVersionUID = 1L;

    public UnsupportedDatabaseException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "unsupported_database";
    }
}
