package io.backupkit;

/**
 * An operation stopped because it was cancelled (a {@link Job#cancel()}, a
 * {@link BackupScheduler#closeNow()}, an interrupted thread) and undid what it had done: a cancelled
 * backup stored nothing, a cancelled restore left the live database as it was. Not counted as a
 * failure by the status or the metrics.
 */
public class CancelledException extends BackupException {
    private static final long serialVersionUID = 1L;

    public CancelledException(String message) {
        super(message);
    }

    public CancelledException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public String code() {
        return "cancelled";
    }
}
