package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.AccessDeniedException;
import io.backupkit.Actor;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.Job;
import io.backupkit.JobKind;
import io.backupkit.JobProgress;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import io.backupkit.JobState;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Background jobs on a real SQLite file and a real folder store: progress, cancellation at every
 * stage (driven by the job's own progress, not by sleeps), concurrency and finished-job retention.
 */
class JobsTest {

    private static final Actor ADMIN = Actor.user("alice@example.com", Set.of(Actor.SUPER_ADMIN), "127.0.0.1");
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int ROWS = 20_000;

    @TempDir
    Path work;
    Path db;
    Path storeDir;
    Path temp;

    @BeforeEach
    void database() throws Exception {
        db = work.resolve("live/app.db");
        Files.createDirectories(db.getParent());
        storeDir = work.resolve("store");
        temp = Files.createDirectories(work.resolve("tmp"));
        FaultTestKit.exec(db,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, machine_id INTEGER REFERENCES machines(id), "
                        + "title TEXT NOT NULL, minutes INTEGER)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                        + "INSERT INTO machines SELECT i, 'machine ' || i FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ROWS + ") "
                        + "INSERT INTO tickets SELECT i, 1 + i % 50, 'ticket number ' || i || ' ' || hex(randomblob(8)), i FROM n");
    }

    private BackupService.Builder builder() {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeDir))
                // Small batches and chunks: many progress reports and many archive entries.
                .options(BackupOptions.builder().insertBatchRows(50).chunkBytes(4096).tempDirectory(temp).build());
    }

    private BackupService service() {
        return builder().build();
    }

    /**
     * A service-wide progress listener that holds every report while closed. A job started while
     * it is closed waits at its first report until the test has subscribed and opened it, so that
     * no early phase is over before the test listens, however fast the machine.
     */
    private static final class Gate implements ProgressListener {
        private volatile java.util.concurrent.CountDownLatch latch = new java.util.concurrent.CountDownLatch(0);

        void close() {
            latch = new java.util.concurrent.CountDownLatch(1);
        }

        void open() {
            latch.countDown();
        }

        @Override
        public void onProgress(Progress p) {
            try {
                if (!latch.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never opened the gate");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every progress snapshot a subscriber saw, in order. */
    private static <T> List<JobProgress> record(Job<T> job, List<JobState> states) {
        List<JobProgress> seen = Collections.synchronizedList(new ArrayList<>());
        job.subscribe(j -> {
            seen.add(j.progress());
            states.add(j.state());
        });
        return seen;
    }

    private static void assertMonotonic(List<JobProgress> seen) {
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).percent()).as("percent of update %d", i)
                    .isGreaterThanOrEqualTo(seen.get(i - 1).percent());
        }
    }

    @Test
    void backupJobReportsMonotonicProgressAndSucceedsAt100() throws Exception {
        Gate gate = new Gate();
        BackupService service = builder().progressListener(gate).build();
        List<JobState> states = Collections.synchronizedList(new ArrayList<>());
        gate.close();
        Job<BackupManifest> job = service.startBackup(ADMIN, BackupRequest.labelled("manual"));
        List<JobProgress> seen = record(job, states);
        gate.open();
        assertThat(job.await(WAIT)).isTrue();

        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.kind()).isEqualTo(JobKind.BACKUP);
        assertThat(job.actorId()).isEqualTo("alice@example.com");
        BackupManifest manifest = job.result().orElseThrow();
        assertThat(job.backupId()).contains(manifest.id());
        assertThat(service.list()).extracting(b -> b.id()).containsExactly(manifest.id());
        assertThat(job.error()).isEmpty();
        assertThat(job.progress().percent()).isEqualTo(100);
        assertThat(job.progress().startedAt()).isNotNull();
        assertThat(job.progress().finishedAt()).isNotNull();

        assertMonotonic(seen);
        // Many distinct steps, not a jump from 0 to 100, and 100 only with SUCCEEDED.
        assertThat(seen.stream().map(JobProgress::percent).distinct().count()).isGreaterThan(20);
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).percent() == 100) {
                assertThat(states.get(i)).isEqualTo(JobState.SUCCEEDED);
            }
        }
        // The subscription starts after startBackup returns, so the first phases (PLAN, SNAPSHOT)
        // may be over by then on a fast machine; the data and commit phases are always seen.
        assertThat(seen.stream().map(JobProgress::phase).filter(p -> p != null).distinct())
                .contains(Phase.DATA, Phase.COMMIT);
        assertThat(seen.stream().filter(p -> p.phase() == Phase.DATA).mapToLong(JobProgress::rowsTotal).max()
                .orElse(0)).isEqualTo(ROWS + 50);
        assertThat(service.job(job.id())).containsSame(job);
    }

    @Test
    void aDeniedStartThrowsAtOnceAndStartsNothing() {
        BackupService service = service();
        Actor viewer = Actor.user("bob", Set.of("viewer"), "10.0.0.2");
        assertThatThrownBy(() -> service.startBackup(viewer, BackupRequest.defaults()))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> service.startVerify(viewer, "20261126T101500123Z-a1b2c3", VerifyDepth.QUICK))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> service.startRestore(viewer, "20261126T101500123Z-a1b2c3",
                RestoreOptions.builder().build())).isInstanceOf(AccessDeniedException.class);
        assertThat(service.jobs()).isEmpty();
        assertThat(service.list()).isEmpty();
    }

    @Test
    void cancellingMidBackupStoresNothingAndLeavesNoFile() throws Exception {
        Gate gate = new Gate();
        BackupService service = builder().progressListener(gate).build();
        AtomicBoolean cancelAccepted = new AtomicBoolean();
        AtomicReference<Long> rowsAtCancel = new AtomicReference<>();
        List<JobState> states = Collections.synchronizedList(new ArrayList<>());
        gate.close();
        Job<BackupManifest> job = service.startBackup(ADMIN, BackupRequest.defaults().withListener(p -> { }));
        job.subscribe(j -> {
            JobProgress p = j.progress();
            if (p.phase() == Phase.DATA && p.rowsDone() >= ROWS / 3 && rowsAtCancel.get() == null) {
                rowsAtCancel.set(p.rowsDone());
                cancelAccepted.set(j.cancel());
            }
            states.add(j.state());
        });
        gate.open();
        assertThat(job.await(WAIT)).isTrue();

        assertThat(rowsAtCancel.get()).as("the job was cancelled mid-way").isNotNull().isLessThan((long) ROWS);
        assertThat(cancelAccepted).isTrue();
        assertThat(job.state()).isEqualTo(JobState.CANCELLED);
        assertThat(job.error()).hasValueSatisfying(e -> assertThat(e).contains("cancelled").contains("nothing was stored"));
        assertThat(job.errorCode()).contains("cancelled");
        assertThat(job.result()).isEmpty();
        assertThat(job.progress().percent()).isLessThan(100);
        assertThat(service.list()).isEmpty();
        assertThat(RestoreTestKit.filesIn(storeDir)).as("no archive, sidecar or temporary file").isEmpty();
        assertThat(RestoreTestKit.filesIn(temp)).isEmpty();
        assertThat(job.cancel()).as("a finished job cannot be cancelled").isFalse();
        assertThat(service.status().lastFailure()).as("a cancellation is no failure").isNull();
        assertThat(service.status().incidents()).isEmpty();
    }

    @Test
    void aFailedJobNamesItsFailureWithAStableCode() throws Exception {
        BackupService service = service();
        Job<RestoreResult> job = service.startRestore(ADMIN, "20261126T101500123Z-a1b2c3", RestoreOptions.builder().build());
        assertThat(job.await(WAIT)).isTrue();

        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.errorCode()).contains("not_found");
        assertThat(job.error()).hasValueSatisfying(e -> assertThat(e).contains("20261126T101500123Z-a1b2c3"));
        Job<BackupManifest> ok = service.startBackup(ADMIN, BackupRequest.defaults());
        assertThat(ok.await(WAIT)).isTrue();
        assertThat(ok.errorCode()).isEmpty();
    }

    @Test
    void aBackupCannotBeCancelledOnceItCommits() throws Exception {
        BackupService service = service();
        AtomicReference<Boolean> cancelAtCommit = new AtomicReference<>();
        Job<BackupManifest> job = service.startBackup(ADMIN, BackupRequest.defaults());
        job.subscribe(j -> {
            if (j.progress().phase() == Phase.COMMIT && cancelAtCommit.get() == null) {
                cancelAtCommit.set(j.cancel());
            }
        });
        assertThat(job.await(WAIT)).isTrue();
        assertThat(cancelAtCommit.get()).isFalse();
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(service.list()).extracting(b -> b.id()).containsExactly(job.result().orElseThrow().id());
    }

    @Test
    void cancellingMidRestoreLeavesTheLiveDatabaseByteForByte() throws Exception {
        Gate gate = new Gate();
        BackupService service = builder().progressListener(gate).build();
        BackupManifest backup = service.backup();
        FaultTestKit.exec(db, "DELETE FROM tickets WHERE id % 2 = 0", "PRAGMA wal_checkpoint(TRUNCATE)");
        String before = RestoreTestKit.sha256(db);

        for (Phase cancelAt : List.of(Phase.VERIFY, Phase.STAGE, Phase.SAFETY_BACKUP)) {
            gate.close();
            Job<RestoreResult> job = service.startRestore(ADMIN, backup.id(), RestoreOptions.builder().build());
            List<JobState> states = Collections.synchronizedList(new ArrayList<>());
            AtomicBoolean accepted = new AtomicBoolean();
            AtomicBoolean tried = new AtomicBoolean();
            List<JobProgress> seen = Collections.synchronizedList(new ArrayList<>());
            job.subscribe(j -> {
                seen.add(j.progress());
                states.add(j.state());
                if (j.progress().phase() == cancelAt && !tried.getAndSet(true)) {
                    accepted.set(j.cancel());
                }
            });
            gate.open();
            assertThat(job.await(WAIT)).isTrue();
            assertThat(tried).as("reached %s", cancelAt).isTrue();
            assertThat(accepted).isTrue();
            assertThat(job.state()).as("cancelled at %s", cancelAt).isEqualTo(JobState.CANCELLED);
            assertThat(job.error()).contains("the restore was cancelled; the live database was not changed");
            assertThat(RestoreTestKit.sha256(db)).as("live file after a cancel at %s", cancelAt).isEqualTo(before);
            assertThat(RestoreTestKit.stagingFiles(db.getParent())).isEmpty();
            assertThat(RestoreTestKit.labelled(service, RestoreOptions.PRE_RESTORE_LABEL))
                    .as("no safety backup is left listed").isEmpty();
            assertThat(service.list()).hasSize(1);
            assertThat(seen.stream().map(JobProgress::phase)).doesNotContain(Phase.SWAP);
            assertMonotonic(seen);
        }
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(ROWS / 2);
        assertThat(RestoreTestKit.filesIn(storeDir)).hasSize(2);
        assertThat(service.status().incidents()).as("cancellations are no incidents").isEmpty();
    }

    @Test
    void aRestoreCannotBeCancelledOnceTheSwapStartedAndReportsEveryPhase() throws Exception {
        Gate gate = new Gate();
        BackupService service = builder().progressListener(gate).build();
        BackupManifest backup = service.backup();
        FaultTestKit.exec(db, "DELETE FROM tickets WHERE id > 100");
        gate.close();
        Job<RestoreResult> job = service.startRestore(ADMIN, backup.id(), RestoreOptions.builder().build());
        List<JobState> states = Collections.synchronizedList(new ArrayList<>());
        List<JobProgress> seen = Collections.synchronizedList(new ArrayList<>());
        AtomicReference<Boolean> cancelAtSwap = new AtomicReference<>();
        job.subscribe(j -> {
            seen.add(j.progress());
            states.add(j.state());
            if (j.progress().phase() == Phase.SWAP && cancelAtSwap.get() == null) {
                cancelAtSwap.set(j.cancel());
            }
        });
        gate.open();
        assertThat(job.await(WAIT)).isTrue();

        assertThat(cancelAtSwap.get()).as("cancel refused during the swap").isFalse();
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        RestoreResult result = job.result().orElseThrow();
        assertThat(result.safetyBackupId()).isNotNull();
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(ROWS);
        assertThat(job.progress().percent()).isEqualTo(100);
        assertMonotonic(seen);
        List<Phase> phases = seen.stream().map(JobProgress::phase).filter(p -> p != null).distinct().toList();
        assertThat(phases).containsSubsequence(Phase.VERIFY, Phase.STAGE, Phase.CHECK, Phase.SAFETY_BACKUP,
                Phase.SWAP);
        // Rows loaded count up to the manifest's total while staging.
        assertThat(seen.stream().filter(p -> p.phase() == Phase.STAGE).mapToLong(JobProgress::rowsDone).max()
                .orElse(0)).isEqualTo(backup.totalRows());
        assertThat(seen.stream().filter(p -> p.phase() == Phase.STAGE).mapToLong(JobProgress::rowsTotal).max()
                .orElse(0)).isEqualTo(backup.totalRows());
    }

    @Test
    void concurrentJobsKeepTheirOwnProgress() throws Exception {
        BackupService service = builder().jobThreads(2).build();
        BackupManifest first = service.backup();
        Job<BackupManifest> backup = service.startBackup(ADMIN, BackupRequest.labelled("concurrent"));
        Job<VerificationResult> verify = service.startVerify(ADMIN, first.id(), VerifyDepth.DEEP);
        Job<RestorePreview> preview = service.startPreview(ADMIN, first.id());
        List<JobProgress> backupSeen = record(backup, Collections.synchronizedList(new ArrayList<>()));
        List<JobProgress> verifySeen = record(verify, Collections.synchronizedList(new ArrayList<>()));
        List<JobProgress> previewSeen = record(preview, Collections.synchronizedList(new ArrayList<>()));
        for (Job<?> job : List.of(backup, verify, preview)) {
            assertThat(job.await(WAIT)).isTrue();
            assertThat(job.state()).as("%s: %s", job, job.error()).isEqualTo(JobState.SUCCEEDED);
        }
        assertThat(verify.result().orElseThrow().ok()).isTrue();
        assertThat(preview.result().orElseThrow().backupId()).isEqualTo(first.id());
        Set<Phase> restoreSide = EnumSet.of(Phase.VERIFY, Phase.STAGE, Phase.CHECK, Phase.COMPARE);
        Set<Phase> backupSide = EnumSet.of(Phase.SNAPSHOT, Phase.PLAN, Phase.DATA, Phase.FINISH, Phase.COMMIT);
        assertThat(backupSeen).extracting(JobProgress::phase).doesNotContainAnyElementsOf(restoreSide);
        assertThat(verifySeen).extracting(JobProgress::phase).doesNotContainAnyElementsOf(backupSide)
                .doesNotContain(Phase.COMPARE);
        assertThat(previewSeen).extracting(JobProgress::phase).doesNotContainAnyElementsOf(backupSide)
                .contains(Phase.COMPARE);
        assertMonotonic(backupSeen);
        assertMonotonic(verifySeen);
        assertMonotonic(previewSeen);
        assertThat(service.jobs()).containsExactlyInAnyOrder(backup, verify, preview);
        assertThat(service.list()).hasSize(2);
    }

    @Test
    void aQueuedJobIsCancelledAtOnceAndNeverRuns() throws Exception {
        BackupService service = builder().jobThreads(1).build();
        BackupManifest first = service.backup();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch running = new CountDownLatch(1);
        // The blocker's own listener runs on its job thread and holds it until released.
        Job<BackupManifest> blocker = service.startBackup(ADMIN, BackupRequest.defaults().withListener(p -> {
            running.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
        assertThat(blocker.state()).isEqualTo(JobState.RUNNING);
        Job<BackupManifest> queued = service.startBackup(ADMIN, BackupRequest.labelled("never"));
        assertThat(queued.state()).isEqualTo(JobState.QUEUED);
        assertThat(queued.progress().startedAt()).isNull();
        assertThat(queued.cancel()).isTrue();
        assertThat(queued.state()).isEqualTo(JobState.CANCELLED);
        assertThat(queued.await(Duration.ZERO)).isTrue();
        release.countDown();
        assertThat(blocker.await(WAIT)).isTrue();
        assertThat(blocker.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(service.list()).hasSize(2).noneMatch(b -> b.labels().contains("never"));
        assertThat(queued.progress().startedAt()).as("never ran").isNull();
    }

    @Test
    void aFailedJobCarriesASpecificMessage() throws Exception {
        BackupService service = service();
        Job<VerificationResult> job = service.startVerify(ADMIN, "20261126T101500123Z-a1b2c3", VerifyDepth.QUICK);
        assertThat(job.await(WAIT)).isTrue();
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.error()).hasValueSatisfying(e -> assertThat(e).contains("no backup 20261126T101500123Z-a1b2c3"));
        assertThat(job.progress().percent()).isLessThan(100);
        assertThatThrownBy(() -> service.startVerify(ADMIN, "../../etc/passwd", VerifyDepth.QUICK))
                .isInstanceOf(RuntimeException.class);
    }

    @Test
    void finishedJobsAreKeptForTheRetentionThenForgotten() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
        BackupService service = builder().clock(clock).finishedJobs(Duration.ofMinutes(10), 2).build();
        BackupManifest backup = service.backup();
        List<Job<VerificationResult>> jobs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Job<VerificationResult> job = service.startVerify(ADMIN, backup.id(), VerifyDepth.QUICK);
            assertThat(job.await(WAIT)).isTrue();
            jobs.add(job);
            clock.advance(Duration.ofMinutes(1));
        }
        // At most two finished jobs: the oldest is forgotten.
        assertThat(service.jobs()).containsExactly(jobs.get(1), jobs.get(2));
        assertThat(service.job(jobs.get(0).id())).isEmpty();
        assertThat(service.job(jobs.get(2).id())).containsSame(jobs.get(2));
        // jobs[1] finished at 10:01, jobs[2] at 10:02: ten minutes later the first of them expires.
        clock.set(Instant.parse("2026-11-26T10:11:00Z"));
        assertThat(service.jobs()).containsExactly(jobs.get(2));
        clock.set(Instant.parse("2026-11-26T10:12:00Z"));
        assertThat(service.jobs()).isEmpty();
        assertThat(service.job(jobs.get(2).id())).isEmpty();
    }

    @Test
    void undoAndDeepVerifyJobsReach100() throws Exception {
        BackupService service = service();
        BackupManifest backup = service.backup();
        FaultTestKit.exec(db, "DELETE FROM tickets WHERE id > 10");
        Job<RestoreResult> restore = service.startRestore(ADMIN, backup.id(), RestoreOptions.builder().build());
        assertThat(restore.await(WAIT)).isTrue();
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(ROWS);
        Job<RestoreResult> undo = service.startUndo(ADMIN, RestoreOptions.builder().safetyBackup(false).build());
        assertThat(undo.await(WAIT)).isTrue();
        assertThat(undo.state()).as("%s", undo.error()).isEqualTo(JobState.SUCCEEDED);
        assertThat(undo.progress().percent()).isEqualTo(100);
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(10);
        assertThat(undo.backupId()).contains(restore.result().orElseThrow().safetyBackupId());

        Job<VerificationResult> deep = service.startVerify(ADMIN, backup.id(), VerifyDepth.DEEP);
        List<JobProgress> seen = record(deep, Collections.synchronizedList(new ArrayList<>()));
        assertThat(deep.await(WAIT)).isTrue();
        assertThat(deep.result().orElseThrow().ok()).isTrue();
        assertThat(deep.progress().percent()).isEqualTo(100);
        assertThat(seen).extracting(JobProgress::phase).contains(Phase.VERIFY, Phase.STAGE, Phase.CHECK);
        assertMonotonic(seen);
    }

    /** A clock the test moves. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
