package io.backupkit;

/**
 * How an audited operation ended, as recorded in an {@link AuditRecord}.
 *
 * <pre>{@code
 * backups.auditRecords(actor, AuditSink.Order.NEWEST_FIRST, 50).stream()
 *     .filter(r -> r.outcome() != AuditOutcome.OK)
 *     .forEach(r -> System.out.println(r.time() + " " + r.actorId() + " " + r.operation() + " " + r.outcome()));
 * }</pre>
 */
public enum AuditOutcome {
    /** The operation ran and succeeded. */
    OK,
    /** The {@link AccessPolicy} refused it; nothing ran. */
    DENIED,
    /** A {@link RateLimits rate limit} refused it; nothing ran. */
    RATE_LIMITED,
    /** An encrypted backup could not be read: no identity, or not one of its recipients ({@link WrongKeyException}). */
    KEY_FAILURE,
    /** A backup's signature was missing, foreign or did not verify ({@link SignatureException}), so it was refused. */
    SIGNATURE_FAILURE,
    /**
     * The operation ran and found its subject invalid: a backup that failed verification or is damaged
     * ({@link InvalidArchiveException}), or an audit trail whose chain is broken.
     */
    INVALID,
    /** Any other failure; the record's detail names the exception class. */
    FAILED,
    /** Stopped on purpose (a cancelled job, a scheduler closing now); nothing was changed or stored. */
    CANCELLED
}
