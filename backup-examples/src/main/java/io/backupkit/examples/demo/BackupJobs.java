package io.backupkit.examples.demo;

import io.backupkit.AccessDeniedException;
import io.backupkit.Actor;
import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.Operation;
import io.backupkit.Progress;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERIM ADAPTER, to be replaced by the library's jobs ({@code BackupService.startBackup(Actor,
 * BackupRequest)}, {@code startRestore(Actor, id, RestoreOptions)}, {@code startVerify(Actor, id,
 * VerifyDepth)}, {@code job(jobId)}) once they land: the method names and the {@link Job} shape
 * (progress, state, result, error, cancel) mirror them, so the switch is the bodies of the four
 * methods below and nothing in the routes.
 *
 * <p>Runs one job at a time on its own thread (a second one waits its turn), checks the access
 * policy when the job is started (so a refusal is an immediate 403, not a failed job) and keeps the
 * last 50 jobs for polling.
 */
final class BackupJobs implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BackupJobs.class);
    private static final int KEPT = 50;

    /** A job's lifecycle. */
    enum State { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED }

    /**
     * A progress report, as the page's progress bar shows it.
     *
     * @param phase      the library's phase name, or RESTORE / VERIFY while those run
     * @param table      the table being written, when known
     * @param rows       rows done
     * @param rowsTotal  rows in all, 0 while unknown
     * @param bytes      bytes written to the store so far
     * @param percent    0-100, or -1 while unknown (the bar is then indeterminate)
     * @param etaSeconds estimated seconds left, or null while unknown
     */
    record JobProgress(String phase, String table, long rows, long rowsTotal, long bytes, int percent,
                       Long etaSeconds) {
        static JobProgress of(String phase, int percent) {
            return new JobProgress(phase, null, 0, 0, 0, percent, null);
        }
    }

    /** One asynchronous operation. Thread-safe; fields are published through volatiles. */
    static final class Job {
        private final String id = UUID.randomUUID().toString();
        private final String kind;
        private final String actorId;
        private final String backupId;
        private final Instant createdAt = Instant.now();
        private volatile State state = State.QUEUED;
        private volatile JobProgress progress = JobProgress.of("QUEUED", 0);
        private volatile Object result;
        private volatile BackupException error;
        private volatile Instant startedAt;
        private volatile Instant finishedAt;
        private volatile Future<?> future;

        Job(String kind, String actorId, String backupId) {
            this.kind = kind;
            this.actorId = actorId;
            this.backupId = backupId;
        }

        String id() {
            return id;
        }

        String kind() {
            return kind;
        }

        String actorId() {
            return actorId;
        }

        /** The backup the job reads (restore, verify), or the new backup once a backup job is done. */
        String backupId() {
            return result instanceof BackupManifest m ? m.id() : backupId;
        }

        Instant createdAt() {
            return createdAt;
        }

        Instant finishedAt() {
            return finishedAt;
        }

        State state() {
            return state;
        }

        JobProgress progress() {
            return progress;
        }

        Object result() {
            return result;
        }

        BackupException error() {
            return error;
        }

        /** Interrupts a running job; a queued one never starts. */
        boolean cancel() {
            Future<?> f = future;
            if (f != null && f.cancel(true)) {
                state = State.CANCELLED;
                finishedAt = Instant.now();
                return true;
            }
            return false;
        }

        void report(Progress p) {
            double fraction = p.fraction();
            Long eta = null;
            Instant started = startedAt;
            if (started != null && fraction > 0.02 && fraction < 1) {
                double elapsed = Duration.between(started, Instant.now()).toMillis() / 1000.0;
                eta = Math.round(elapsed * (1 - fraction) / fraction);
            }
            int percent = p.rowsTotal() > 0 || fraction >= 1 ? (int) Math.floor(fraction * 100) : 0;
            // Rows are written before media and commit: hold the bar at 99% until it is done.
            if (percent >= 100 && p.phase() != io.backupkit.Phase.DONE) {
                percent = 99;
            }
            progress = new JobProgress(p.phase().name(), p.table(), p.rowsDone(), p.rowsTotal(), p.bytesWritten(),
                    percent, eta);
        }
    }

    private final BackupService service;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "backup-jobs");
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Consumer<Job> onFinished;

    /**
     * @param service    the service reading with the identity (restores and verifications need it)
     * @param onFinished called on the job thread after each job ends, successful or not
     */
    BackupJobs(BackupService service, Consumer<Job> onFinished) {
        this.service = service;
        this.onFinished = onFinished;
    }

    Job startBackup(Actor actor, BackupRequest request) {
        authorize(actor, Operation.BACKUP);
        Job job = new Job("BACKUP", actor.id(), null);
        return submit(job, j -> service.backup(actor, request.withListener(j::report)));
    }

    Job startRestore(Actor actor, String id, RestoreOptions options) {
        authorize(actor, Operation.RESTORE);
        Job job = new Job("RESTORE", actor.id(), id);
        return submit(job, j -> {
            // The library's restore reports no progress yet: the bar is indeterminate until done.
            j.progress = JobProgress.of("RESTORE", -1);
            RestoreResult r = service.restore(actor, id, options);
            return r;
        });
    }

    Job startVerify(Actor actor, String id, VerifyDepth depth) {
        authorize(actor, Operation.VERIFY);
        Job job = new Job("VERIFY", actor.id(), id);
        return submit(job, j -> {
            j.progress = JobProgress.of("VERIFY", -1);
            VerificationResult r = service.verify(actor, id, depth);
            return r;
        });
    }

    /** A job started by this process, for polling; the caller checks the actor may see it. */
    Optional<Job> job(String jobId) {
        synchronized (jobs) {
            return Optional.ofNullable(jobs.get(jobId));
        }
    }

    /** The job that is running or queued, if any. */
    Optional<Job> active() {
        synchronized (jobs) {
            return jobs.values().stream().filter(j -> j.state == State.RUNNING || j.state == State.QUEUED)
                    .findFirst();
        }
    }

    private void authorize(Actor actor, Operation operation) {
        if (!service.accessPolicy().permits(actor, operation)) {
            throw new AccessDeniedException(actor.id(), operation);
        }
    }

    private Job submit(Job job, Function<Job, Object> work) {
        synchronized (jobs) {
            jobs.put(job.id, job);
            while (jobs.size() > KEPT) {
                jobs.remove(jobs.keySet().iterator().next());
            }
        }
        job.future = executor.submit(() -> {
            if (job.state == State.CANCELLED) {
                return;
            }
            job.startedAt = Instant.now();
            job.state = State.RUNNING;
            try {
                job.result = work.apply(job);
                job.progress = new JobProgress("DONE", null, job.progress.rows(), job.progress.rowsTotal(),
                        job.progress.bytes(), 100, 0L);
                job.state = State.SUCCEEDED;
            } catch (BackupException e) {
                job.error = e;
                job.state = State.FAILED;
                LOG.warn("{} job {} failed: {}", job.kind, job.id, e.getMessage());
            } catch (RuntimeException e) {
                job.error = new BackupException(job.kind.toLowerCase(java.util.Locale.ROOT) + " failed: " + e, e);
                job.state = State.FAILED;
                LOG.warn("{} job {} failed", job.kind, job.id, e);
            } finally {
                job.finishedAt = Instant.now();
                try {
                    onFinished.accept(job);
                } catch (RuntimeException e) {
                    LOG.warn("after {} job {}", job.kind, job.id, e);
                }
            }
        });
        return job;
    }

    @Override
    public void close() {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(30, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
