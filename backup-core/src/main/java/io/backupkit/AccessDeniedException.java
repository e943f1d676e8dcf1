package io.backupkit;

/**
 * The {@link AccessPolicy} refused an operation to an actor. The denial is in the audit trail.
 * A web layer maps it to HTTP 403.
 */
public class AccessDeniedException extends BackupException {
    private static final long serialVersionUID = 1L;

    private final String actorId;
    private final Operation operation;

    public AccessDeniedException(String actorId, Operation operation) {
        super("access denied: " + actorId + " may not " + operation.name().toLowerCase(java.util.Locale.ROOT));
        this.actorId = actorId;
        this.operation = operation;
    }

    /** The refused actor's id. */
    public String actorId() {
        return actorId;
    }

    /** The refused operation. */
    public Operation operation() {
        return operation;
    }

    @Override
    public String code() {
        return "access_denied";
    }
}
