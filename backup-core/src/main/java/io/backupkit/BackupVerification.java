package io.backupkit;

import java.time.Instant;
import java.util.Objects;

/**
 * The last verification of a backup, as recorded in its sidecar (see
 * {@link BackupService.Builder#recordVerifications(boolean)}) and shown by {@code list}.
 *
 * <pre>{@code
 * BackupInfo b = service.info(id);
 * if (b.verified()) System.out.println("verified (" + b.verification().depth() + ") at " + b.verification().at());
 * }</pre>
 *
 * @param at      when the verification finished
 * @param depth   how deep it went
 * @param ok      whether the backup passed
 * @param problem the first problem found when it failed (names the entry or check; never row values),
 *                empty when ok
 */
public record BackupVerification(Instant at, VerifyDepth depth, boolean ok, String problem) {

    /** Longest {@link #problem()} kept in a sidecar. */
    public static final int MAX_PROBLEM_LENGTH = 500;

    public BackupVerification {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(depth, "depth");
        problem = problem == null ? "" : problem;
        if (problem.length() > MAX_PROBLEM_LENGTH) {
            problem = problem.substring(0, MAX_PROBLEM_LENGTH - 1) + "…";
        }
    }

    /** The record of a verification result. */
    public static BackupVerification of(VerificationResult result, VerifyDepth depth, Instant at) {
        return new BackupVerification(at, depth, result.ok(), result.problems().isEmpty() ? "" : result.problems().get(0));
    }
}
