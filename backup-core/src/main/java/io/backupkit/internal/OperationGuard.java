package io.backupkit.internal;

import io.backupkit.AccessDeniedException;
import io.backupkit.AccessPolicy;
import io.backupkit.Actor;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.AuditVerification;
import io.backupkit.BackupException;
import io.backupkit.InvalidArchiveException;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import io.backupkit.SignatureException;
import io.backupkit.VerificationResult;
import io.backupkit.WrongKeyException;
import io.backupkit.spi.AuditSink;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one gate every {@code BackupService} operation passes: the access policy, then the rate
 * limit, then the operation, then one audit record with the outcome (appended to the sink and
 * logged on {@value #AUDIT_LOGGER}). Shared by a service and its {@code withIdentity} views, so
 * they count and chain together.
 */
public final class OperationGuard {

    /** The logger every audit record is written to, one line each. */
    public static final String AUDIT_LOGGER = "io.backupkit.audit";

    private static final Logger AUDIT = LoggerFactory.getLogger(AUDIT_LOGGER);

    private final AccessPolicy policy;
    private final RateLimits limits;
    private final RateLimiter limiter;
    private final AuditSink sink;
    private final Clock clock;

    /** A guard; {@code sink} null means log only ({@link LogOnlyAuditSink}). */
    public OperationGuard(AccessPolicy policy, RateLimits limits, AuditSink sink, Clock clock) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.limiter = new RateLimiter(limits, clock);
        this.sink = sink != null ? sink : new LogOnlyAuditSink();
    }

    /** The operation's work; fills in the note (backup id, bytes, an outcome other than OK). */
    @FunctionalInterface
    public interface Body<T> {
        T run(Note note);
    }

    /** What the operation tells the audit record beyond success or failure. Used by one thread. */
    public static final class Note {
        private String backupId;
        private Long bytes;
        private AuditOutcome outcome = AuditOutcome.OK;
        private String detail;

        Note(String backupId) {
            this.backupId = backupId;
        }

        /** The backup concerned (once known, for example a new backup's id). */
        public void backupId(String id) {
            this.backupId = id;
        }

        /** The bytes concerned: archive size, or bytes sent. */
        public void bytes(long n) {
            this.bytes = n;
        }

        /** The operation ran but found its subject invalid, or wants a note in the record. */
        public void result(AuditOutcome outcome, String detail) {
            this.outcome = Objects.requireNonNull(outcome, "outcome");
            this.detail = detail;
        }

        /** A verification result's outcome: OK, or INVALID / SIGNATURE_FAILURE with the first problems. */
        public void verification(VerificationResult result) {
            if (!result.ok()) {
                boolean signature = result.problems().stream().anyMatch(Signatures::isRefusal);
                result(signature ? AuditOutcome.SIGNATURE_FAILURE : AuditOutcome.INVALID,
                        result.problems().size() + " problem(s): " + String.join("; ", result.problems()));
            }
        }

        /** {@code out}, counting what is written into this note's bytes (so a failure still records what was sent). */
        public OutputStream counting(OutputStream out) {
            bytes = 0L;
            return new FilterOutputStream(out) {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    bytes++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    bytes += len;
                }
            };
        }
    }

    /**
     * Runs {@code body} for {@code actor} if the policy allows it and no rate limit is hit, and
     * audits the attempt whatever happens.
     *
     * @throws AccessDeniedException the policy refuses
     * @throws RateLimitedException  a rate limit refuses
     */
    public <T> T run(Actor actor, Operation operation, String backupId, Body<T> body) {
        return proceed(admit(actor, operation, backupId), body);
    }

    /** An operation the policy and the rate limit let through, not yet run (see {@link #admit}). */
    public static final class Admission {
        private final Actor actor;
        private final Operation operation;
        private final Note note;
        private final long started;
        private final RateLimiter.Permit permit;

        private Admission(Actor actor, Operation operation, Note note, long started, RateLimiter.Permit permit) {
            this.actor = actor;
            this.operation = operation;
            this.note = note;
            this.started = started;
            this.permit = permit;
        }
    }

    /**
     * The first half of {@link #run}: checks the policy and takes a rate-limit permit now, auditing a
     * refusal, so that a background job is refused when it is started, not later. Pass the result to
     * {@link #proceed} once.
     *
     * @throws AccessDeniedException the policy refuses
     * @throws RateLimitedException  a rate limit refuses
     */
    public Admission admit(Actor actor, Operation operation, String backupId) {
        Objects.requireNonNull(actor, "actor");
        Objects.requireNonNull(operation, "operation");
        long started = System.nanoTime();
        Note note = new Note(backupId);
        boolean permitted;
        RuntimeException policyFailure = null;
        try {
            permitted = policy.permits(actor, operation);
        } catch (RuntimeException e) {
            permitted = false;
            policyFailure = e;
        }
        if (!permitted) {
            AccessDeniedException denied = new AccessDeniedException(actor.id(), operation);
            String detail = policyFailure == null ? null
                    : "the access policy threw " + policyFailure.getClass().getName() + "; denied";
            if (policyFailure != null) {
                denied.addSuppressed(policyFailure);
            }
            audit(actor, operation, note, AuditOutcome.DENIED, detail, started);
            throw denied;
        }
        RateLimiter.Permit permit;
        try {
            permit = limiter.acquire(actor, operation);
        } catch (RateLimitedException e) {
            audit(actor, operation, note, AuditOutcome.RATE_LIMITED, "limit " + limits.limit(operation).orElseThrow()
                    + "; retry after " + e.retryAfter().toSeconds() + " s", started);
            throw e;
        }
        return new Admission(actor, operation, note, started, permit);
    }

    /** The second half of {@link #run}: runs the admitted operation and audits its outcome. */
    public <T> T proceed(Admission admission, Body<T> body) {
        Actor actor = admission.actor;
        Operation operation = admission.operation;
        Note note = admission.note;
        long started = admission.started;
        T result;
        try {
            result = body.run(note);
        } catch (RuntimeException | Error e) {
            if ((operation == Operation.EXPORT || operation == Operation.DOWNLOAD)
                    && (note.bytes == null || note.bytes == 0)) {
                limiter.release(admission.permit);
            }
            audit(actor, operation, note, classify(e), describe(e), started);
            throw e;
        }
        audit(actor, operation, note, note.outcome, note.detail, started);
        return result;
    }

    /** Checks the trail's chain ({@link AuditVerification.Problem#NOT_CONFIGURED} when records go to the log only). */
    public AuditVerification verifyTrail() {
        if (sink instanceof LogOnlyAuditSink) {
            return new AuditVerification(sink.description(), false, 0, AuditVerification.Problem.NOT_CONFIGURED, 0, 0,
                    "no audit trail is configured: records go to the log only (configure auditTrail(Path) or auditSink)");
        }
        return AuditVerification.of(sink);
    }

    /** The sink records go to. */
    public AuditSink sink() {
        return sink;
    }

    /** The rate limits in force. */
    public RateLimits limits() {
        return limits;
    }

    /** Whether records go to a trail that can be read back and verified (not the log only). */
    public boolean hasTrail() {
        return !(sink instanceof LogOnlyAuditSink);
    }

    static AuditOutcome classify(Throwable e) {
        if (e instanceof io.backupkit.CancelledException || interrupted(e)) {
            return AuditOutcome.CANCELLED;
        }
        if (e instanceof WrongKeyException) {
            return AuditOutcome.KEY_FAILURE;
        }
        if (e instanceof SignatureException) {
            return AuditOutcome.SIGNATURE_FAILURE;
        }
        if (e instanceof InvalidArchiveException) {
            return AuditOutcome.INVALID;
        }
        return AuditOutcome.FAILED;
    }

    /** Whether a failure came from an interrupt (a job cancelled mid-read), anywhere in its causes. */
    private static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // (a SocketTimeoutException is an InterruptedIOException too, but a timeout, not a cancel)
            if ((t instanceof java.io.InterruptedIOException && !(t instanceof java.net.SocketTimeoutException))
                    || t instanceof InterruptedException || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /**
     * backupkit's own messages are kept free of secrets and row values, so they are recorded;
     * anything else (a driver's or the host's exception) may quote row values, so only its class is.
     */
    static String describe(Throwable e) {
        if (e instanceof BackupException) {
            return e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return e.getClass().getName() + " (message not recorded)";
    }

    /**
     * Records an event that is no operation of its own but belongs on the trail: an expired lease
     * taken over, a scheduled copy or retention that failed. Written like any other record.
     */
    public void event(Actor actor, Operation operation, String backupId, AuditOutcome outcome, String detail) {
        audit(actor, operation, new Note(backupId), outcome, detail, System.nanoTime());
    }

    private void audit(Actor actor, Operation operation, Note note, AuditOutcome outcome, String detail, long started) {
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        AuditRecord record = AuditRecord.unsealed(clock.instant(), actor, operation, note.backupId, outcome, detail,
                note.bytes, duration);
        AuditRecord sealed;
        try {
            sealed = sink.append(record);
        } catch (RuntimeException e) {
            AUDIT.error("audit record NOT written to {} ({}): {}", sink.description(), describe(e), format(record));
            return;
        }
        if (outcome == AuditOutcome.OK) {
            AUDIT.info("{}", format(sealed));
        } else {
            AUDIT.warn("{}", format(sealed));
        }
    }

    /** One log line: every field but the previous hash, strings quoted. */
    static String format(AuditRecord r) {
        StringBuilder b = new StringBuilder(256);
        b.append("audit seq=").append(r.seq())
                .append(" op=").append(r.operation())
                .append(" outcome=").append(r.outcome())
                .append(" actor=").append(quote(r.actorId()))
                .append(" roles=").append(r.roles())
                .append(" from=").append(quote(r.remoteAddress()));
        if (r.backupId() != null) {
            b.append(" backup=").append(r.backupId());
        }
        if (r.bytes() != null) {
            b.append(" bytes=").append(r.bytes());
        }
        b.append(" durationMs=").append(r.duration().toMillis());
        if (!r.reason().isEmpty()) {
            b.append(" reason=").append(quote(r.reason()));
        }
        if (r.detail() != null) {
            b.append(" detail=").append(quote(r.detail()));
        }
        if (r.hash() != null) {
            b.append(" hash=").append(r.hash());
        }
        return b.toString();
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (Character.isISOControl(c)) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
