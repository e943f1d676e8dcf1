package io.backupkit.internal;

import org.slf4j.MDC;

/**
 * Puts the id of the backup being worked on into the slf4j MDC (key {@value #BACKUP_ID}) for the
 * duration of a run, so that every log line of the run can show it (for example with
 * {@code %X{backupkit.backup}} in a Logback pattern), and puts back what was there before: a
 * restore's safety backup logs under its own id, then the restore's again.
 */
public final class LogContext implements AutoCloseable {

    /** The MDC key holding the backup id. */
    public static final String BACKUP_ID = "backupkit.backup";

    private final String previous;

    private LogContext(String id) {
        this.previous = MDC.get(BACKUP_ID);
        MDC.put(BACKUP_ID, id);
    }

    /** Sets the backup id until {@link #close()}. */
    public static LogContext backup(String id) {
        return new LogContext(id);
    }

    @Override
    public void close() {
        if (previous == null) {
            MDC.remove(BACKUP_ID);
        } else {
            MDC.put(BACKUP_ID, previous);
        }
    }
}
