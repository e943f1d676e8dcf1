package io.backupkit;

/**
 * A store could not be read or written (unwritable folder, full disk, network failure).
 * Nothing partial is listed after it is thrown.
 */
public class StorageException extends BackupException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "storage_failed";
    }
}
