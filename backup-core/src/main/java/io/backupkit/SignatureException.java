package io.backupkit;

/**
 * A backup was refused because it carries no signature by a trusted key: it is unsigned, signed
 * by a foreign key, or its sidecar, manifest or archive was altered after signing. A subtype of
 * {@link InvalidArchiveException}, so code that handles damaged archives handles it too; the audit
 * trail records it as {@link AuditOutcome#SIGNATURE_FAILURE}.
 *
 * <pre>{@code
 * try {
 *     backups.restore(id, options);
 * } catch (SignatureException e) {
 *     alert("backup " + id + " is not signed by a trusted key: " + e.getMessage());
 * }
 * }</pre>
 */
public class SignatureException extends InvalidArchiveException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception. */
    public SignatureException(String message) {
        super(message);
    }

    @Override
    public String code() {
        return "signature_refused";
    }
}
