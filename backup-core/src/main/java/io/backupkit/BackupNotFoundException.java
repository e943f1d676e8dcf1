package io.backupkit;

/** No backup with the given id is listed in the store. */
public class BackupNotFoundException extends BackupException {
    private static final long serialVersionUID = 1L;

    public BackupNotFoundException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "not_found";
    }
}
