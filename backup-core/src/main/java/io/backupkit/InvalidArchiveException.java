package io.backupkit;

/**
 * An archive is damaged, forged or not a backupkit archive. The message names the backup and the
 * failing entry when there is one.
 */
public class InvalidArchiveException extends BackupException {
    private static final long serialVersionUID = 1L;

    public InvalidArchiveException(String message) {
        super(message);
    }

    public InvalidArchiveException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "invalid_archive";
    }
}
