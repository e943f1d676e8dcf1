package io.backupkit;

/**
 * An audit trail could not be read or written: a line that is not a valid record, or a file that
 * cannot be opened. {@link #line()} names the line (1-based) when one is at fault.
 *
 * <pre>{@code
 * try (Stream<AuditRecord> records = sink.read(AuditSink.Order.OLDEST_FIRST)) {
 *     records.forEach(System.out::println);
 * } catch (AuditTrailException e) {
 *     System.err.println("line " + e.line() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class AuditTrailException extends BackupException {
    private static final long serialVersionUID = 1L;

    private final long line;

    /** An error at a line (1-based), or {@code 0} when no single line is at fault. */
    public AuditTrailException(String message, long line) {
        super(message);
        this.line = line;
    }

    /** An error with a cause, not tied to a line. */
    public AuditTrailException(String message, Throwable cause) {
        super(message, cause);
        this.line = 0;
    }

    /** The 1-based line at fault, or {@code 0}. */
    public long line() {
        return line;
    }

    @Override
    public String code() {
        return "audit_trail";
    }
}
