package io.backupkit;

import io.backupkit.internal.BackupRun;
import io.backupkit.internal.DialectResolver;
import io.backupkit.internal.JobRunner;
import io.backupkit.internal.OperationGuard;
import io.backupkit.internal.ServiceRuntime;
import io.backupkit.internal.RestoreRun;
import io.backupkit.spi.AuditSink;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.MediaSource;
import io.backupkit.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Backs up an application's database into a store: consistent, complete and compressed, while the
 * application keeps writing.
 *
 * <pre>{@code
 * BackupService backups = BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(LocalFolderStore.at(Path.of("/var/backups/app")))
 *     .build();
 * BackupManifest manifest = backups.backup();
 * System.out.println("saved " + manifest.id() + " with " + manifest.totalRows() + " rows");
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; concurrent backups get distinct ids and never
 * collide. Each backup borrows one connection from the data source for as long as it reads.
 *
 * <p>Every operation runs for an {@link Actor} through one gate: the {@link AccessPolicy} (a
 * denial throws {@link AccessDeniedException}), the {@link RateLimits} (going over throws
 * {@link RateLimitedException}), the operation, then one {@link AuditRecord} with the outcome,
 * appended to the {@link io.backupkit.spi.AuditSink audit trail} and logged on
 * {@code io.backupkit.audit}. The methods without an actor run as {@link Actor#system(String)}.
 *
 * <pre>{@code
 * Actor actor = Actor.user(user.email(), Set.of(user.role()), ctx.ip()).withReason("settings page");
 * backups.exportSql(actor, id, response.getOutputStream());   // checked, rate-limited, audited
 * }</pre>
 *
 * <p>{@link #catalog()} reads the store directly, outside that gate; do not hand it to request handlers.
 */
public final class BackupService {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(BackupService.class);

    private static final String LIBRARY_VERSION = readLibraryVersion();

    private final BackupRun.Config config;
    private final BackupCatalog catalog;
    private final AccessPolicy policy;
    /** Policy, rate limits and audit: shared by every view of this service (see {@link #withIdentity}). */
    private final OperationGuard guard;
    /** Shared by every view of this service (see {@link #withIdentity}), so status sees all failures. */
    private final java.util.concurrent.atomic.AtomicReference<Failure> lastFailure;

    private record Failure(String message, java.time.Instant at) {
    }

    /** Shared by every view of this service: jobs, observers, incidents, schedulers. */
    private final ServiceRuntime runtime;
    private final JobRunner jobs;

    private BackupService(BackupRun.Config config, BackupCatalog catalog, AccessPolicy policy, OperationGuard guard,
                          java.util.concurrent.atomic.AtomicReference<Failure> lastFailure, ServiceRuntime runtime) {
        this.config = config;
        this.catalog = catalog;
        this.policy = policy;
        this.guard = guard;
        this.lastFailure = lastFailure;
        this.runtime = runtime;
        this.jobs = runtime.jobs();
    }

    /** The actor of the methods that take none: the application itself. */
    private static final Actor SYSTEM = Actor.system("");

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    // Every operation runs through the guard: access policy, rate limit, the operation, one audit
    // record. The methods without an Actor run as the system actor (scheduler, command line, host
    // code acting for itself), which the default policy allows everything and rate limits exempt.

    /** Takes a backup with default request settings, as the system actor. */
    public BackupManifest backup() {
        return backup(SYSTEM, BackupRequest.defaults());
    }

    /**
     * Takes a backup, as the system actor. Returns once the archive and its sidecar are committed to
     * the store; on any failure nothing is listed and no temporary file is left.
     *
     * @throws SnapshotException     the database could not be read consistently
     * @throws StorageException      the store could not be written
     * @throws BackupException       any other failure, such as a redaction rule naming an unknown column
     */
    public BackupManifest backup(BackupRequest request) {
        return backup(SYSTEM, request);
    }

    /**
     * {@link #backup(BackupRequest)} for an actor.
     *
     * @throws AccessDeniedException the policy refuses
     * @throws RateLimitedException  the actor went over the {@link Operation#BACKUP} limit
     */
    public BackupManifest backup(Actor actor, BackupRequest request) {
        Objects.requireNonNull(request, "request");
        return guard.run(actor, Operation.BACKUP, null, note -> backupBody(note, request));
    }

    private BackupManifest backupBody(OperationGuard.Note note, BackupRequest request) {
        long started = System.nanoTime();
        BackupManifest manifest;
        try {
            manifest = BackupRun.run(config, request);
        } catch (BackupException e) {
            if (cancelled(e)) {
                throw e; // not a failure: nothing was stored because someone asked for it
            }
            lastFailure.set(new Failure(e.getMessage(), config.clock().instant()));
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);
            runtime.incident(new BackupStatus.Incident(config.clock().instant(), storeFull(e)
                    ? BackupStatus.Incident.Kind.STORE_FULL : BackupStatus.Incident.Kind.BACKUP_FAILED, e.getMessage()));
            runtime.notifyObservers(o -> o.backupFailed(e.getMessage(), took));
            throw e;
        }
        note.backupId(manifest.id());
        archiveSize(manifest.id(), note);
        if (!runtime.observers().isEmpty()) {
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);
            BackupInfo info;
            try {
                info = catalog.info(manifest.id());
            } catch (RuntimeException e) {
                info = null;
            }
            BackupInfo stored = info;
            runtime.notifyObservers(o -> o.backupSucceeded(manifest, stored, took));
        }
        return manifest;
    }

    /** Whether a failure is a cancellation (the run's thread was interrupted on purpose). */
    private static boolean cancelled(BackupException e) {
        return e instanceof CancelledException || Thread.currentThread().isInterrupted();
    }

    /** Whether a failure comes from a full disk or an exceeded quota (by the messages of its causes). */
    private static boolean storeFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left") || m.contains("Disk quota exceeded")
                    || m.contains("QuotaExceeded") || m.contains("EntityTooLarge") || m.contains("ENOSPC"))) {
                return true;
            }
        }
        return false;
    }

    /**
     * The newest backup and its age, how many backups the store keeps and their size, and this
     * service's last failure if it came after the newest success. Reads only sidecars.
     */
    public BackupStatus status() {
        return status(SYSTEM);
    }

    /** {@link #status()} for an actor. */
    public BackupStatus status(Actor actor) {
        return guard.run(actor, Operation.STATUS, null, note -> {
            List<BackupInfo> backups = catalog.list();
            BackupInfo last = backups.isEmpty() ? null : backups.get(backups.size() - 1);
            java.time.Instant now = config.clock().instant();
            Failure failure = lastFailure.get();
            // A failure is over once a backup started after it (a failed verification of the newest
            // backup comes after that backup started, and so stays).
            if (failure != null && last != null && failure.at().isBefore(last.createdAt())) {
                failure = null;
            }
            return new BackupStatus(last, last == null ? null : java.time.Duration.between(last.createdAt(), now),
                    backups.size(), backups.stream().mapToLong(BackupInfo::sizeBytes).sum(),
                    failure == null ? null : failure.message(), failure == null ? null : failure.at(),
                    runtime.nextRun(), runtime.incidents());
        });
    }

    /**
     * What a full restore of the backup would change, table by table, computed by rebuilding the
     * backup into a temporary staging database and comparing; writes nothing to the live database
     * or the store.
     */
    public RestorePreview preview(String id) {
        return preview(SYSTEM, id);
    }

    /** {@link #preview(String)} for an actor. */
    public RestorePreview preview(Actor actor, String id) {
        return guard.run(actor, Operation.PREVIEW, id, note -> previewBody(id));
    }

    private RestorePreview previewBody(String id) {
        return new RestoreRun(config, catalog).preview(id);
    }

    /**
     * Restores a backup over the live database: verifies every checksum, validates the schema,
     * rebuilds the data through a strict parser into a staging database beside the live one, checks
     * it, takes a {@code pre-restore} safety backup, then swaps atomically while the write gate holds
     * application writes.
     *
     * @throws InvalidArchiveException the archive is damaged, forged or not loadable; nothing changed
     */
    public RestoreResult restore(String id, RestoreOptions options) {
        return restore(SYSTEM, id, options);
    }

    /** {@link #restore(String, RestoreOptions)} for an actor. */
    public RestoreResult restore(Actor actor, String id, RestoreOptions options) {
        return guard.run(actor, Operation.RESTORE, id, note -> restoreBody(note, id, options));
    }

    private RestoreResult restoreBody(OperationGuard.Note note, String id, RestoreOptions options) {
        RestoreResult result = observedRestore(id, () -> new RestoreRun(config, catalog).restore(id, options));
        archiveSize(id, note);
        return result;
    }

    private RestoreResult observedRestore(String id, java.util.function.Supplier<RestoreResult> run) {
        long started = System.nanoTime();
        try {
            RestoreResult result = run.get();
            runtime.notifyObservers(o -> o.restoreFinished(result.backupId(), true, result.duration()));
            return result;
        } catch (BackupException e) {
            if (cancelled(e)) {
                throw e;
            }
            java.time.Duration took = java.time.Duration.ofNanos(System.nanoTime() - started);
            runtime.incident(new BackupStatus.Incident(config.clock().instant(),
                    BackupStatus.Incident.Kind.RESTORE_FAILED, e.getMessage()));
            runtime.notifyObservers(o -> o.restoreFinished(id, false, took));
            throw e;
        }
    }

    /**
     * Selective restore: merges whole tables, or chosen rows with their foreign-key descendants
     * (and any missing ancestors), from a backup into the live database, without deleting
     * anything else. Verified and staged like a full restore; applied in one transaction.
     */
    public SelectiveRestoreResult restoreSelected(String id, Selection selection) {
        return restoreSelected(SYSTEM, id, selection);
    }

    /** {@link #restoreSelected(String, Selection)} for an actor; audited and rate-limited as a {@link Operation#RESTORE}. */
    public SelectiveRestoreResult restoreSelected(Actor actor, String id, Selection selection) {
        return guard.run(actor, Operation.RESTORE, id, note -> {
            SelectiveRestoreResult result = new RestoreRun(config, catalog).restoreSelected(id, selection);
            archiveSize(id, note);
            note.result(AuditOutcome.OK, "selective: " + result.rows().size() + " rows considered");
            return result;
        });
    }

    /** Brings back the database as it was before the last restore (its {@code pre-restore} backup). */
    public RestoreResult undoLastRestore(RestoreOptions options) {
        return undoLastRestore(SYSTEM, options);
    }

    /** {@link #undoLastRestore(RestoreOptions)} for an actor. */
    public RestoreResult undoLastRestore(Actor actor, RestoreOptions options) {
        return guard.run(actor, Operation.UNDO, null, note -> undoBody(note, options));
    }

    private RestoreResult undoBody(OperationGuard.Note note, RestoreOptions options) {
        RestoreResult result = observedRestore(null, () -> new RestoreRun(config, catalog).undoLastRestore(options));
        note.backupId(result.backupId());
        archiveSize(result.backupId(), note);
        return result;
    }

    /** Every complete backup in the store, oldest first. */
    public List<BackupInfo> list() {
        return list(SYSTEM);
    }

    /** {@link #list()} for an actor. */
    public List<BackupInfo> list(Actor actor) {
        return guard.run(actor, Operation.LIST, null, note -> catalog.list());
    }

    /** One backup's listing data. */
    public BackupInfo info(String id) {
        return info(SYSTEM, id);
    }

    /** {@link #info(String)} for an actor; audited as a {@link Operation#LIST}. */
    public BackupInfo info(Actor actor, String id) {
        return guard.run(actor, Operation.LIST, id, note -> catalog.info(id));
    }

    /** Checks every checksum of a stored backup. */
    public VerificationResult verify(String id) {
        return verify(SYSTEM, id, VerifyDepth.QUICK);
    }

    /** Checks a stored backup at the given depth; {@link VerifyDepth#DEEP} rebuilds it into a scratch database. */
    public VerificationResult verify(String id, VerifyDepth depth) {
        return verify(SYSTEM, id, depth);
    }

    /**
     * {@link #verify(String, VerifyDepth)} for an actor. A result that is not ok is audited as
     * {@link AuditOutcome#INVALID}, or {@link AuditOutcome#SIGNATURE_FAILURE} when a signature was refused.
     */
    public VerificationResult verify(Actor actor, String id, VerifyDepth depth) {
        Objects.requireNonNull(depth, "depth");
        return guard.run(actor, Operation.VERIFY, id, note -> verifyBody(note, id, depth));
    }

    private VerificationResult verifyBody(OperationGuard.Note note, String id, VerifyDepth depth) {
        VerificationResult result;
        try (io.backupkit.internal.LogContext context = io.backupkit.internal.LogContext.backup(id)) {
            result = verifyInContext(id, depth);
        }
        note.verification(result);
        return result;
    }

    private VerificationResult verifyInContext(String id, VerifyDepth depth) {
        long started = System.nanoTime();
        VerificationResult result;
        try {
            result = catalog.verify(id, depth, config.dataSource());
        } catch (BackupException e) {
            if (cancelled(e)) {
                throw e;
            }
            java.time.Instant now = config.clock().instant();
            String message = "backup " + id + " could not be verified: " + e.getMessage();
            lastFailure.set(new Failure(message, now));
            runtime.incident(new BackupStatus.Incident(now, BackupStatus.Incident.Kind.VERIFY_ERROR, message));
            throw e;
        }
        afterVerify(id, depth, result, java.time.Duration.ofNanos(System.nanoTime() - started));
        return result;
    }

    private void afterVerify(String id, VerifyDepth depth, VerificationResult result, java.time.Duration took) {
        java.time.Instant now = config.clock().instant();
        if (!result.ok()) {
            String message = "backup " + id + " failed " + (depth == VerifyDepth.DEEP ? "deep " : "")
                    + "verification: " + (result.problems().isEmpty() ? "" : result.problems().get(0));
            lastFailure.set(new Failure(message, now));
            runtime.incident(new BackupStatus.Incident(now, BackupStatus.Incident.Kind.VERIFY_FAILED, message));
        }
        runtime.notifyObservers(o -> o.verified(id, depth, result.ok(), took));
        if (runtime.recordVerifications()) {
            try {
                catalog.recordVerification(id, BackupVerification.of(result, depth, now), config.signingKey());
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(BackupService.class).warn(
                        "the verification of backup {} was not recorded: {}", id, e.getMessage());
            }
        }
    }

    /** Reports an incident met outside the service's own operations (a scheduler's lease takeover, retention). */
    void reportIncident(BackupStatus.Incident.Kind kind, String message, boolean failure) {
        java.time.Instant now = config.clock().instant();
        if (failure) {
            lastFailure.set(new Failure(message, now));
        }
        runtime.incident(new BackupStatus.Incident(now, kind, message));
        // Copies, deletions and verifications are operations the guard audits already; a lease
        // taken over is none, so it goes on the trail here.
        if (kind == BackupStatus.Incident.Kind.LEASE_TAKEN_OVER) {
            guard.event(Actor.system("scheduler"), Operation.BACKUP, null, AuditOutcome.OK, kind + ": " + message);
        }
    }

    /** A started scheduler registers itself, so that {@link #status()} shows its next run. */
    void attachScheduler(BackupScheduler scheduler) {
        runtime.attachScheduler(scheduler, scheduler::nextRun);
    }

    /** A closed scheduler leaves. */
    void detachScheduler(BackupScheduler scheduler) {
        runtime.detachScheduler(scheduler);
    }

    /** Writes one plain SQL script that rebuilds the backed-up database. */
    public void exportSql(String id, OutputStream out) {
        exportSql(SYSTEM, id, out);
    }

    /** {@link #exportSql(String, OutputStream)} for an actor; the audit record holds the bytes written. */
    public void exportSql(Actor actor, String id, OutputStream out) {
        Objects.requireNonNull(out, "out");
        guard.run(actor, Operation.EXPORT, id, note -> {
            catalog.exportSql(id, note.counting(out));
            return null;
        });
    }

    /**
     * Streams a stored archive, as stored (encrypted when the backup is), to {@code out}: what a
     * "download" button sends. Returns the number of bytes written. The archive is not verified
     * on the way (a download of an encrypted backup needs no key); whoever opens it verifies it.
     */
    public long download(Actor actor, String id, OutputStream out) {
        Objects.requireNonNull(out, "out");
        return guard.run(actor, Operation.DOWNLOAD, id, note -> {
            BackupInfo info = catalog.info(id);
            try (InputStream in = config.store().open(info.archiveName())) {
                return in.transferTo(note.counting(out));
            } catch (IOException e) {
                throw new StorageException("downloading backup " + id + " from " + config.store().description()
                        + " failed: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Streams a stored backup's sidecar ({@code ID.json}: listing data and signature, no secrets)
     * to {@code out}: what an upload for a later restore needs beside the archive. It holds what
     * {@link #list(Actor)} shows, so it is checked and audited as a {@link Operation#LIST} (and does
     * not use up the actor's download allowance). Returns the number of bytes written.
     */
    public long downloadSidecar(Actor actor, String id, OutputStream out) {
        Objects.requireNonNull(out, "out");
        io.backupkit.internal.BackupIds.requireValid(id);
        return guard.run(actor, Operation.LIST, id, note -> {
            try (InputStream in = config.store().open(io.backupkit.internal.Sidecar.objectName(id))) {
                return in.transferTo(note.counting(out));
            } catch (java.nio.file.NoSuchFileException e) {
                throw new BackupNotFoundException("no backup " + id + " in store " + config.store().description());
            } catch (IOException e) {
                throw new StorageException("downloading the sidecar of backup " + id + " from "
                        + config.store().description() + " failed: " + e.getMessage(), e);
            }
        });
    }

    /**
     * Imports an uploaded backup (its sidecar and its archive) into the store for a later preview
     * and restore, as {@link BackupCatalog#importBackup(InputStream, InputStream)} does, under the
     * upload size limit: checked by the access policy, rate-limited and audited as an
     * {@link Operation#UPLOAD}.
     *
     * @throws LimitExceededException the archive is larger than {@link SizeLimits#maxUploadBytes()}
     * @throws InvalidArchiveException the upload is damaged, forged or not signed as required; nothing is stored
     */
    public BackupInfo importBackup(Actor actor, InputStream sidecarJson, InputStream archive) {
        Objects.requireNonNull(sidecarJson, "sidecarJson");
        Objects.requireNonNull(archive, "archive");
        return guard.run(actor, Operation.UPLOAD, null, note -> {
            BackupInfo info = catalog.importBackup(sidecarJson, archive);
            note.backupId(info.id());
            note.bytes(info.sizeBytes());
            return info;
        });
    }

    /** Copies a stored backup to another store (for example an off-site copy); listed there once complete. */
    public void copy(String id, Store target) {
        copy(SYSTEM, id, target);
    }

    /** {@link #copy(String, Store)} for an actor. */
    public void copy(Actor actor, String id, Store target) {
        Objects.requireNonNull(target, "target");
        guard.run(actor, Operation.COPY, id, note -> {
            catalog.copy(id, target);
            archiveSize(id, note);
            note.result(AuditOutcome.OK, "to " + target.description());
            return null;
        });
    }

    /** Deletes a stored backup. */
    public void delete(String id) {
        delete(SYSTEM, id);
    }

    /** {@link #delete(String)} for an actor. */
    public void delete(Actor actor, String id) {
        guard.run(actor, Operation.DELETE, id, note -> {
            catalog.delete(id);
            return null;
        });
    }

    /**
     * Checks the audit trail's hash chain and anchor, as the system actor; see
     * {@link AuditVerification}. With no trail configured the result is
     * {@link AuditVerification.Problem#NOT_CONFIGURED}.
     */
    public AuditVerification verifyAudit() {
        return verifyAudit(SYSTEM);
    }

    /** {@link #verifyAudit()} for an actor ({@link Operation#AUDIT}); the check itself is audited. */
    public AuditVerification verifyAudit(Actor actor) {
        return guard.run(actor, Operation.AUDIT, null, note -> {
            AuditVerification result = guard.verifyTrail();
            boolean broken = !result.intact() && result.problem() != AuditVerification.Problem.NOT_CONFIGURED;
            note.result(broken ? AuditOutcome.INVALID : AuditOutcome.OK, "verify: " + result.message());
            return result;
        });
    }

    /**
     * Up to {@code limit} audit records in the given order, for an administration page (newest
     * first) or an export (oldest first); reading is itself audited ({@link Operation#AUDIT}).
     * Empty when no trail is configured.
     *
     * <pre>{@code
     * List<AuditRecord> page = backups.auditRecords(actor, AuditSink.Order.NEWEST_FIRST, 50);
     * }</pre>
     */
    public List<AuditRecord> auditRecords(Actor actor, AuditSink.Order order, int limit) {
        Objects.requireNonNull(order, "order");
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        return guard.run(actor, Operation.AUDIT, null, note -> {
            List<AuditRecord> records;
            try (java.util.stream.Stream<AuditRecord> all = guard.sink().read(order)) {
                records = all.limit(limit).toList();
            }
            note.result(AuditOutcome.OK, "read " + records.size() + " records, "
                    + order.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '));
            return records;
        });
    }

    /** The archive size into the note; a sidecar that cannot be read now leaves it unknown. */
    private void archiveSize(String id, OperationGuard.Note note) {
        try {
            note.bytes(catalog.info(id).sizeBytes());
        } catch (BackupException e) {
            // the operation succeeded; only the record's byte count stays unknown
        }
    }

    // ---- Jobs: the same operations in the background, with progress, for a web UI.

    /**
     * Starts a backup in the background. The access policy is checked now ({@link AccessDeniedException}
     * is thrown here, not reported by the job); the backup then runs on one of the service's job
     * threads as {@link #backup(Actor, BackupRequest)} would, reporting progress to the job (and to
     * the request's own listener). Cancelling it before it commits stores nothing.
     *
     * <pre>{@code
     * Job<BackupManifest> job = backups.startBackup(actor, BackupRequest.labelled("manual"));
     * }</pre>
     *
     * @throws BackupException when too many jobs are already waiting
     */
    public Job<BackupManifest> startBackup(Actor actor, BackupRequest request) {
        Objects.requireNonNull(request, "request");
        OperationGuard.Admission admission = guard.admit(actor, Operation.BACKUP, null);
        return jobs.submit(JobKind.BACKUP, actor, null, JobRunner.weights(JobKind.BACKUP, false), Phase.COMMIT,
                "the backup was cancelled; nothing was stored", BackupManifest::id,
                progress -> guard.proceed(admission,
                        note -> backupBody(note, request.withListener(both(request.listener(), progress)))));
    }

    /**
     * Starts a restore in the background (see {@link #restore(String, RestoreOptions)}), checked by
     * the access policy now. Progress goes VERIFY, STAGE (rows loaded against the manifest's),
     * CHECK, SAFETY_BACKUP, SWAP. Cancelling it before the SWAP phase leaves the live database
     * byte for byte as it was and removes the safety backup; from SWAP on, {@link Job#cancel()} is
     * refused and the restore completes.
     */
    public Job<RestoreResult> startRestore(Actor actor, String id, RestoreOptions options) {
        Objects.requireNonNull(options, "options");
        io.backupkit.internal.BackupIds.requireValid(id);
        OperationGuard.Admission admission = guard.admit(actor, Operation.RESTORE, id);
        return jobs.submit(JobKind.RESTORE, actor, id, JobRunner.weights(JobKind.RESTORE, false), Phase.SWAP,
                "the restore was cancelled; the live database was not changed", null,
                progress -> guard.proceed(admission, note -> withProgress(progress).restoreBody(note, id, options)));
    }

    /** Starts {@link #undoLastRestore(RestoreOptions)} in the background; cancelled like a restore. */
    public Job<RestoreResult> startUndo(Actor actor, RestoreOptions options) {
        Objects.requireNonNull(options, "options");
        OperationGuard.Admission admission = guard.admit(actor, Operation.UNDO, null);
        return jobs.submit(JobKind.UNDO, actor, null, JobRunner.weights(JobKind.UNDO, false), Phase.SWAP,
                "the undo was cancelled; the live database was not changed", RestoreResult::backupId,
                progress -> guard.proceed(admission, note -> withProgress(progress).undoBody(note, options)));
    }

    /**
     * Starts a verification in the background (see {@link #verify(String, VerifyDepth)}), checked by
     * the access policy now. A failed verification is a job that SUCCEEDED with a result whose
     * {@code ok()} is false; FAILED means the verification could not run (store unreadable, wrong key).
     */
    public Job<VerificationResult> startVerify(Actor actor, String id, VerifyDepth depth) {
        Objects.requireNonNull(depth, "depth");
        io.backupkit.internal.BackupIds.requireValid(id);
        OperationGuard.Admission admission = guard.admit(actor, Operation.VERIFY, id);
        return jobs.submit(JobKind.VERIFY, actor, id, JobRunner.weights(JobKind.VERIFY, depth == VerifyDepth.DEEP),
                null, "the verification was cancelled", null,
                progress -> guard.proceed(admission, note -> withProgress(progress).verifyBody(note, id, depth)));
    }

    /** Starts a {@link #preview(String)} in the background, checked by the access policy now. */
    public Job<RestorePreview> startPreview(Actor actor, String id) {
        io.backupkit.internal.BackupIds.requireValid(id);
        OperationGuard.Admission admission = guard.admit(actor, Operation.PREVIEW, id);
        return jobs.submit(JobKind.PREVIEW, actor, id, JobRunner.weights(JobKind.PREVIEW, false), null,
                "the preview was cancelled", null, progress -> guard.proceed(admission,
                        note -> withProgress(progress).previewBody(id)));
    }

    /**
     * A job started by this service (or any of its views) that is still running or finished within
     * the retention (see {@link Builder#finishedJobs(java.time.Duration, int)}). The host should
     * check that the asking user may see it, for example by {@link Job#actorId()}.
     */
    public Optional<Job<?>> job(String jobId) {
        return jobs.job(jobId);
    }

    /**
     * The job as {@link #job(String)} finds it, but only for the actor who started it, or for an
     * actor the access policy allows the job's operation (a super-admin): for a web route that
     * polls a job on behalf of a user. Empty otherwise, as if there were no such job.
     */
    public Optional<Job<?>> job(Actor actor, String jobId) {
        Objects.requireNonNull(actor, "actor");
        return jobs.job(jobId).filter(job -> job.actorId().equals(actor.id())
                || permits(actor, switch (job.kind()) {
                    case BACKUP -> Operation.BACKUP;
                    case RESTORE -> Operation.RESTORE;
                    case UNDO -> Operation.UNDO;
                    case VERIFY -> Operation.VERIFY;
                    case PREVIEW -> Operation.PREVIEW;
                }));
    }

    private boolean permits(Actor actor, Operation operation) {
        try {
            return policy.permits(actor, operation);
        } catch (RuntimeException e) {
            return false; // a policy that fails refuses
        }
    }

    /** Running, queued and recently finished jobs, oldest first. */
    public List<Job<?>> jobs() {
        return jobs.jobs();
    }

    /**
     * This service reporting the progress of every operation (restore, undo, preview, verify,
     * backup) to the listener as well as to the service's own.
     */
    private BackupService withProgress(ProgressListener listener) {
        ProgressListener combined = both(config.listener(), listener);
        return new BackupService(config.withListener(combined), catalog.withProgress(combined), policy, guard,
                lastFailure, runtime);
    }

    private static ProgressListener both(ProgressListener first, ProgressListener second) {
        return p -> {
            try {
                first.onProgress(p);
            } finally {
                second.onProgress(p);
            }
        };
    }

    /**
     * This service reading encrypted backups (verify, export, preview, restore, undo) with the
     * given age identity. The identity is held in memory by the returned view only; the original
     * service keeps none, so a host can keep its own old backups unreadable to itself.
     *
     * <pre>{@code
     * backups.withIdentity(AgeIdentity.fromFile(Path.of("/media/offline/key.txt"))).restore(id, options);
     * }</pre>
     */
    public BackupService withIdentity(AgeIdentity identity) {
        return new BackupService(config, catalog.withIdentity(identity), policy, guard, lastFailure, runtime);
    }

    /**
     * The read-side operations, usable without a database. They bypass the access policy, rate
     * limits and audit trail: for the host's own code, never for request handlers.
     */
    public BackupCatalog catalog() {
        return catalog;
    }

    /** The dialect in use, registered or discovered. */
    public Dialect dialect() {
        return config.dialect();
    }

    /** The store in use. */
    public Store store() {
        return config.store();
    }

    /** The access policy in use. */
    public AccessPolicy accessPolicy() {
        return policy;
    }

    /** The rate limits in use. */
    public RateLimits rateLimits() {
        return guard.limits();
    }

    /** Where audit records go; a log-only sink when no trail was configured. */
    public AuditSink auditSink() {
        return guard.sink();
    }

    /** The options in use. */
    public BackupOptions options() {
        return config.options();
    }

    /** This library's version, as recorded in manifests. */
    public static String libraryVersion() {
        return LIBRARY_VERSION;
    }

    private static String readLibraryVersion() {
        try (InputStream in = BackupService.class.getResourceAsStream("backupkit.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Builds a {@link BackupService}. Each setting may be given once; {@link #build()} checks that
     * the required ones are there and, when no dialect was registered, discovers it.
     */
    public static final class Builder {
        private DataSource dataSource;
        private Dialect dialect;
        private Store store;
        private BackupOptions options;
        private RedactionRules redaction;
        private ProgressListener listener;
        private Clock clock;
        private ClassLoader classLoader;
        private MediaSource mediaSource;
        private List<String> ageRecipients = List.of();
        private java.security.PrivateKey signingKey;
        private List<java.security.PublicKey> trustedKeys = List.of();
        private boolean allowUnsigned;
        private AccessPolicy accessPolicy;
        private int jobThreads = 2;
        private java.time.Duration keepFinishedJobs = java.time.Duration.ofHours(1);
        private int maxFinishedJobs = 100;
        private boolean recordVerifications = true;
        private final List<BackupObserver> observers = new java.util.ArrayList<>();
        private AuditSink auditSink;
        private RateLimits rateLimits;

        private Builder() {
        }

        /** The database to back up (required). The application's own pool is fine. */
        public Builder dataSource(DataSource dataSource) {
            requireUnset(this.dataSource, "dataSource");
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /** Registers the dialect explicitly; without it, one is discovered through ServiceLoader. */
        public Builder dialect(Dialect dialect) {
            requireUnset(this.dialect, "dialect");
            this.dialect = Objects.requireNonNull(dialect, "dialect");
            return this;
        }

        /** Where backups go (required). */
        public Builder store(Store store) {
            requireUnset(this.store, "store");
            this.store = Objects.requireNonNull(store, "store");
            return this;
        }

        /** Tuning; {@link BackupOptions#defaults()} when not given. */
        public Builder options(BackupOptions options) {
            requireUnset(this.options, "options");
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** What to leave out or mask; {@link RedactionRules#defaults()} (the secret patterns) when not given. */
        public Builder redaction(RedactionRules rules) {
            requireUnset(this.redaction, "redaction");
            this.redaction = Objects.requireNonNull(rules, "redaction");
            return this;
        }

        /**
         * Receives the progress of every backup, and of every restore, undo, preview and
         * verification run through this service (see {@link Phase}).
         */
        public Builder progressListener(ProgressListener listener) {
            requireUnset(this.listener, "progressListener");
            this.listener = Objects.requireNonNull(listener, "progressListener");
            return this;
        }

        /** The clock for backup ids and times; the system UTC clock when not given. */
        public Builder clock(Clock clock) {
            requireUnset(this.clock, "clock");
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Media files to copy into every backup, under {@code media/}, listed when the database
         * snapshot opens (optional; no media when not given). {@code pre-restore} safety backups
         * leave media out.
         */
        public Builder mediaSource(MediaSource mediaSource) {
            requireUnset(this.mediaSource, "mediaSource");
            this.mediaSource = Objects.requireNonNull(mediaSource, "mediaSource");
            return this;
        }

        /** Where to discover dialects; this library's class loader when not given. */
        public Builder classLoader(ClassLoader classLoader) {
            requireUnset(this.classLoader, "classLoader");
            this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
            return this;
        }

        /**
         * Encrypts every backup with age to all the given X25519 recipients ({@code age1...}), for
         * example the super-admin's key and an offline escrow key. The archive becomes
         * {@code ID.tar.zst.age}; reading it needs {@link BackupService#withIdentity(AgeIdentity)}.
         */
        public Builder encryptTo(List<String> agePublicKeys) {
            if (agePublicKeys.isEmpty()) {
                throw new IllegalArgumentException("encryptTo needs at least one age recipient");
            }
            io.backupkit.internal.ArchiveWriter.recipientWriters(agePublicKeys);
            this.ageRecipients = List.copyOf(agePublicKeys);
            return this;
        }

        /**
         * Signs every backup with this Ed25519 private key: the signature covers the backup id,
         * the archive's name, size and SHA-256, the encrypted flag and the manifest's SHA-256,
         * and is stored in the sidecar.
         */
        public Builder signWith(java.security.PrivateKey ed25519Key) {
            requireUnset(this.signingKey, "signingKey");
            io.backupkit.internal.Signatures.requireSigningKey(ed25519Key);
            this.signingKey = ed25519Key;
            return this;
        }

        /**
         * The Ed25519 public keys whose signatures are trusted when reading (several, for key
         * rotation). With any configured, unsigned and foreign-signed backups are refused; an
         * encrypted backup is refused without a trusted signature even when none are configured.
         */
        public Builder trustedKeys(List<java.security.PublicKey> keys) {
            this.trustedKeys = List.copyOf(keys);
            return this;
        }

        /** Reads unsigned and foreign-signed backups anyway (with a logged warning); off by default. */
        public Builder allowUnsigned(boolean allow) {
            this.allowUnsigned = allow;
            return this;
        }

        /**
         * Who may do what; {@link AccessPolicy#superAdminOnly()} when not given. The methods that
         * take no {@link Actor} run as {@link Actor#system(String)}.
         */
        public Builder accessPolicy(AccessPolicy policy) {
            requireUnset(this.accessPolicy, "accessPolicy");
            this.accessPolicy = Objects.requireNonNull(policy, "accessPolicy");
            return this;
        }

        /**
         * How many background jobs ({@link BackupService#startBackup(Actor, BackupRequest)} and the
         * other {@code start...} methods) run at once; default 2. Up to
         * {@value io.backupkit.internal.JobRunner#MAX_QUEUED} more wait; beyond that a start is refused.
         * Job threads are daemon threads that end when idle, so the service needs no closing.
         */
        public Builder jobThreads(int threads) {
            if (threads < 1 || threads > 64) {
                throw new IllegalArgumentException("jobThreads must be 1 to 64 but was " + threads);
            }
            this.jobThreads = threads;
            return this;
        }

        /**
         * Where every operation's audit record goes, for example a {@link JsonLinesAuditSink}. It
         * must be kept apart from the database, so that no restore can erase it. Without this or
         * {@link #auditTrail(Path)}, records go to the log only (logger {@code io.backupkit.audit}),
         * {@link BackupService#verifyAudit()} cannot check them, and {@link #build()} warns.
         */
        public Builder auditSink(AuditSink sink) {
            requireUnset(this.auditSink, "auditSink");
            this.auditSink = Objects.requireNonNull(sink, "auditSink");
            return this;
        }

        /**
         * How long finished jobs stay findable through {@link BackupService#job(String)} (default
         * 1 hour, measured with the service clock) and how many at most are kept (default 100; the
         * oldest go first).
         */
        public Builder finishedJobs(java.time.Duration keepFor, int maxCount) {
            Objects.requireNonNull(keepFor, "keepFor");
            if (keepFor.isNegative()) {
                throw new IllegalArgumentException("finished jobs cannot be kept for a negative time: " + keepFor);
            }
            if (maxCount < 0) {
                throw new IllegalArgumentException("maxCount must not be negative but was " + maxCount);
            }
            this.keepFinishedJobs = keepFor;
            this.maxFinishedJobs = maxCount;
            return this;
        }

        /**
         * The audit trail as a JSON Lines file, created when missing:
         * {@code auditSink(JsonLinesAuditSink.at(file))}. Put it outside the database's folder
         * and outside the backup store, for example beside the application's logs.
         *
         * @throws AuditTrailException the file cannot be created or written
         */
        public Builder auditTrail(Path file) {
            requireUnset(this.auditSink, "auditSink");
            this.auditSink = JsonLinesAuditSink.at(file);
            return this;
        }

        /** How often each actor may perform each operation; {@link RateLimits#defaults()} when not given. */
        public Builder rateLimits(RateLimits limits) {
            requireUnset(this.rateLimits, "rateLimits");
            this.rateLimits = Objects.requireNonNull(limits, "rateLimits");
            return this;
        }

        /**
         * Whether {@code verify} records each result and its time in the backup's sidecar, which
         * {@code list} and {@link BackupInfo#verification()} then show; default true. The sidecar is
         * rewritten atomically and its backup signature stays valid; with {@link #signWith} the record
         * is signed too, and with {@link #trustedKeys} records without a trusted signature are
         * ignored when read. A store that cannot replace objects keeps no records (logged).
         */
        public Builder recordVerifications(boolean record) {
            this.recordVerifications = record;
            return this;
        }

        /** Adds an observer of backups, restores, verifications and incidents (for example metrics). */
        public Builder observer(BackupObserver observer) {
            observers.add(Objects.requireNonNull(observer, "observer"));
            return this;
        }

        private static void requireUnset(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set to " + current);
            }
        }

        /**
         * Validates and builds the service.
         *
         * @throws IllegalStateException        a required setting is missing
         * @throws UnsupportedDatabaseException no dialect, or several, match the database
         */
        public BackupService build() {
            if (dataSource == null) {
                throw new IllegalStateException("dataSource is required: BackupService.builder().dataSource(...)");
            }
            if (store == null) {
                throw new IllegalStateException("store is required, for example "
                        + "BackupService.builder().store(LocalFolderStore.at(Path.of(\"backups\")))");
            }
            ClassLoader loader = classLoader != null ? classLoader : BackupService.class.getClassLoader();
            List<Dialect> discovered = DialectResolver.discover(loader);
            Dialect chosen = dialect != null ? dialect
                    : DialectResolver.choose(DialectResolver.describe(dataSource), discovered);
            List<Dialect> known = new java.util.ArrayList<>(List.of(chosen));
            discovered.stream().filter(d -> !d.name().equals(chosen.name())).forEach(known::add);
            ProgressListener progress = listener != null ? listener : ProgressListener.none();
            Clock serviceClock = clock != null ? clock : Clock.systemUTC();
            BackupRun.Config config = new BackupRun.Config(dataSource, chosen, store,
                    options != null ? options : BackupOptions.defaults(),
                    redaction != null ? redaction : RedactionRules.defaults(),
                    progress, serviceClock, LIBRARY_VERSION, mediaSource, ageRecipients, signingKey);
            AccessPolicy policy = accessPolicy != null ? accessPolicy : AccessPolicy.superAdminOnly();
            if (auditSink == null) {
                LOG.warn("no audit trail configured: audit records of backups of {} go to the log only (logger {}) and "
                        + "cannot be verified; configure auditTrail(Path) with a file outside the database",
                        store.description(), OperationGuard.AUDIT_LOGGER);
            }
            OperationGuard guard = new OperationGuard(policy, rateLimits != null ? rateLimits : RateLimits.defaults(),
                    auditSink, config.clock());
            BackupService service = new BackupService(config, BackupCatalog.of(store, known)
                    .withTrustedKeys(trustedKeys).allowUnsigned(allowUnsigned).withProgress(progress)
                    .withLimits(config.options().limits()),
                    policy, guard, new java.util.concurrent.atomic.AtomicReference<>(),
                    new ServiceRuntime(new JobRunner(jobThreads, keepFinishedJobs, maxFinishedJobs, serviceClock),
                            recordVerifications, observers));
            service.runtime.notifyObservers(o -> o.attached(service));
            return service;
        }
    }
}
