package io.backupkit;

/**
 * An encrypted backup could not be opened because no identity was supplied, or because the backup
 * was not encrypted to the supplied identity. This is a key problem, not damage: a damaged
 * archive throws {@link InvalidArchiveException} instead (or is reported by verify).
 */
public class WrongKeyException extends BackupException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public WrongKeyException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "wrong_key";
    }
}
