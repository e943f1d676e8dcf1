package io.backupkit;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A long operation (backup, restore, verification, undo, preview) running in the background on
 * the service's job threads, as a settings page shows it: a progress bar, then a result or an
 * error. Started by {@link BackupService#startBackup(Actor, BackupRequest)} and the other
 * {@code start...} methods, which check the access policy at once; found again after a page
 * reload with {@link BackupService#job(String)}.
 *
 * <pre>{@code
 * Job<BackupManifest> job = backups.startBackup(actor, BackupRequest.labelled("manual"));
 * session.put("job", job.id());
 * // later, polling:
 * backups.job(jobId).ifPresent(j -> render(j.state(), j.progress().percent(), j.error().orElse("")));
 * // or pushed, e.g. over server-sent events:
 * Job.Subscription sub = job.subscribe(j -> sse.send(j.progress().percent() + "%"));
 * }</pre>
 *
 * <p><b>Cancelling</b> leaves nothing partial: a cancelled backup stores and lists nothing and
 * leaves no temporary file; a cancelled restore leaves the live database byte for byte as it was
 * and its safety backup is removed again. A restore (or undo) can be cancelled only until it starts
 * swapping the database in ({@link Phase#SWAP}); a backup only until it starts committing to the
 * store ({@link Phase#COMMIT}). After that, {@link #cancel()} returns false and the job finishes.
 *
 * <p>Implementations are thread-safe.
 *
 * @param <T> the result type: {@link BackupManifest}, {@link RestoreResult}, {@link VerificationResult}
 *            or {@link RestorePreview}
 */
public interface Job<T> {

    /** A random, unguessable id, for example to keep in a web session. */
    String id();

    /** What the job does. */
    JobKind kind();

    /**
     * The id of the {@link Actor} who started it. Hosts that show jobs to several users should
     * check this before showing one.
     */
    String actorId();

    /**
     * The backup the job works on: the one restored, verified or previewed, or for a backup job
     * the new backup once it succeeded; empty otherwise (an undo, a backup still running).
     */
    Optional<String> backupId();

    /** When the job was started (queued). */
    Instant submittedAt();

    /** The current state. */
    JobState state();

    /** The current progress. */
    JobProgress progress();

    /** The result, once {@link JobState#SUCCEEDED}. */
    Optional<T> result();

    /**
     * Why the job failed or that it was cancelled, once {@link JobState#FAILED} or
     * {@link JobState#CANCELLED}: the library's error message, which names what was wrong and never
     * holds row values, keys or credentials. Fit to show to the super-admin.
     */
    Optional<String> error();

    /**
     * With {@link #error()}: the failure's {@link BackupException#code()} ({@code invalid_archive},
     * {@code wrong_key}, {@code rate_limited}...), {@code cancelled} for a cancelled job, or
     * {@code internal} for an unexpected exception; empty otherwise.
     */
    default Optional<String> errorCode() {
        return Optional.empty();
    }

    /**
     * Asks the job to stop. A queued job is cancelled at once; a running one stops at its next
     * check (between batches of rows, or of bytes read) and undoes what it did.
     *
     * @return true when the job is (or will be) cancelled; false when it already finished or is past
     *     the point of no return (a restore's swap, a backup's commit)
     */
    boolean cancel();

    /**
     * Waits until the job reaches a final state and its subscribers have been told, up to the timeout.
     *
     * @return true when the job is over
     */
    boolean await(Duration timeout) throws InterruptedException;

    /**
     * Calls the listener now, then after every change of state, phase or percent (and at most
     * every quarter second in between), on the job's thread; keep it quick. A listener is never
     * called by two threads at once. Exceptions it throws are logged and ignored. Listeners are
     * dropped once the job is over.
     */
    Subscription subscribe(Consumer<? super Job<T>> listener);

    /** Stops the updates of a {@link #subscribe(Consumer)}. */
    interface Subscription extends AutoCloseable {
        /** Stops the updates; idempotent. */
        @Override
        void close();
    }
}
