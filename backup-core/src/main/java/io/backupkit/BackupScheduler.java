package io.backupkit;

import io.backupkit.internal.Json;
import io.backupkit.spi.Store;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes backups on a schedule: a fixed interval or a 5-field cron expression, in the host's time
 * zone, with optional jitter, retention and deep verification after each backup.
 *
 * <pre>{@code
 * BackupScheduler scheduler = BackupScheduler.builder()
 *     .service(backupService)
 *     .cron("30 2 * * *")                       // every night at 02:30, host time zone
 *     .jitter(Duration.ofMinutes(5))            // start 0 to 5 minutes late, at random
 *     .retention(RetentionPolicy.builder().keepLast(3).keepDaily(7).keepWeekly(4).build())
 *     .deepVerify(true)                         // restore each new backup into a scratch database
 *     .build();
 * scheduler.start();
 * ...
 * scheduler.nextRun();                          // Optional[2026-11-27T07:30:00Z]
 * BackupManifest now = scheduler.runNow();      // an extra backup, same rules
 * ...
 * scheduler.close();                            // waits for a running backup, never cuts it short
 * }</pre>
 *
 * <p><b>Single flight.</b> One scheduler never runs two backups at once: a trigger that comes
 * while a backup runs is skipped and logged ({@link #runNow()} then throws
 * {@link IllegalStateException}). Several processes sharing one store coordinate through a lease
 * object, {@value #LEASE_NAME}, in the store: a run first takes the lease (or takes over an
 * expired one), renews it while the backup runs, and releases it at the end; a process that cannot
 * get the lease skips the run, logged. The lease also records the last slot run, so that several
 * processes on the same schedule back up once per slot. The {@link Store} SPI has no
 * compare-and-swap, so the lease is taken by writing it and reading it back: it is safe against
 * everything but two processes racing within the same few milliseconds, and relies on the hosts'
 * clocks agreeing to well within the lease duration.
 *
 * <p><b>Missed runs.</b> At {@link #start()}, if the newest backup in the store is older than the
 * last slot the schedule had before now (the scheduler was down then), one backup runs at once.
 * An empty store is not a missed run: the first backup comes at the first slot (or call
 * {@link #runNow()}).
 *
 * <p><b>Cron.</b> Five fields: minute (0-59), hour (0-23), day of month (1-31), month (1-12) and
 * day of week (0-7, 0 and 7 both Sunday), each {@code *}, a number, a range {@code a-b}, a step
 * {@code *}{@code /n} or {@code a-b/n}, or a comma-separated list of those; no names. As in cron,
 * when both day fields are restricted a day matching either one matches. Times are local to the
 * zone: a time skipped by a daylight-saving gap runs that much later (02:30 becomes 03:30), and a
 * time repeated by an overlap runs once, at its first occurrence.
 *
 * <p><b>Intervals</b> are counted from the epoch, so schedulers in different processes share the
 * same slots: {@code every(Duration.ofHours(1))} runs on the hour.
 *
 * <p>Thread-safe. Backups run on a daemon thread named {@code backupkit-scheduler}.
 */
public final class BackupScheduler implements AutoCloseable {

    /**
     * The lease object's name in the store; never listed as a backup. It holds JSON such as
     * <pre>{@code
     * {"holder": "4242@app-1", "token": "5f0c...", "acquiredAt": "2026-11-26T02:30:00Z",
     *  "expiresAt": "2026-11-26T02:35:00Z", "lastSlot": "2026-11-26T02:30:00Z"}
     * }</pre>
     * where {@code lastSlot} is the scheduled time of the last successful scheduled run. A released
     * lease has {@code expiresAt} equal to {@code acquiredAt}. An unreadable lease counts as expired.
     */
    public static final String LEASE_NAME = "scheduler.lease.json";

    private static final Logger LOG = LoggerFactory.getLogger(BackupScheduler.class);

    /** The actor of the scheduler's operations in the audit trail: the system, with the reason "scheduler". */
    private static final Actor SCHEDULER = Actor.system("scheduler");

    private final BackupService service;
    private final Schedule schedule;
    private final ZoneId zone;
    private final Duration jitter;
    private final RetentionPolicy retention;
    private final boolean deepVerify;
    private final List<Store> copyTo;
    private final Clock clock;
    private final Duration leaseDuration;
    private final Duration leaseSettleTime;
    private final Duration shutdownTimeout;
    private final String holder;

    /** Held for the whole of a run: single flight, and what {@link #close()} waits for. */
    private final ReentrantLock runLock = new ReentrantLock();
    /** Ids this scheduler deep-verified successfully, for retention's "newest verified" protection. */
    private final Set<String> verifiedIds = java.util.Collections.synchronizedSet(new HashSet<>());
    private final Object stateLock = new Object();
    private ScheduledThreadPoolExecutor executor;
    private ScheduledFuture<?> pending;
    private Instant nextSlot;
    private volatile Thread runningThread;
    private volatile boolean started;
    private volatile boolean closed;

    private BackupScheduler(Builder b) {
        this.service = b.service;
        this.schedule = b.schedule;
        this.zone = b.zone;
        this.jitter = b.jitter;
        this.retention = b.retention;
        this.deepVerify = b.deepVerify;
        this.copyTo = List.copyOf(b.copyTo);
        this.clock = b.clock;
        this.leaseDuration = b.leaseDuration;
        this.leaseSettleTime = b.leaseSettleTime;
        this.shutdownTimeout = b.shutdownTimeout;
        this.holder = b.holder;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts scheduling; runs a missed backup at once (see the class comment).
     *
     * @throws IllegalStateException when already started or closed
     */
    public void start() {
        synchronized (stateLock) {
            if (closed) {
                throw new IllegalStateException("scheduler is closed");
            }
            if (started) {
                throw new IllegalStateException("scheduler already started");
            }
            started = true;
            service.attachScheduler(this);
            executor = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, "backupkit-scheduler");
                t.setDaemon(true);
                return t;
            });
            executor.setRemoveOnCancelPolicy(true);
            executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            // Lease renewal must go on while close() waits for a running backup.
            executor.setContinueExistingPeriodicTasksAfterShutdownPolicy(true);
            Instant now = clock.instant();
            if (missed(now)) {
                LOG.info("a scheduled backup was missed while the application was down; running one now");
                executor.schedule(() -> runScheduled(null), jitterMillis(), TimeUnit.MILLISECONDS);
            }
            scheduleAfter(now);
        }
    }

    /** Whether the newest stored backup predates the schedule's last slot before {@code now}. */
    private boolean missed(Instant now) {
        try {
            List<BackupInfo> backups = service.list(SCHEDULER);
            if (backups.isEmpty()) {
                return false;
            }
            Instant newest = backups.get(backups.size() - 1).createdAt();
            return schedule.next(newest, zone).map(slot -> !slot.isAfter(now)).orElse(false);
        } catch (RuntimeException e) {
            LOG.warn("could not list backups in {} to look for a missed run: {}", service.store().description(),
                    e.getMessage());
            return false;
        }
    }

    private long jitterMillis() {
        long max = jitter.toMillis();
        return max <= 0 ? 0 : ThreadLocalRandom.current().nextLong(max + 1);
    }

    /** Plans the first slot after {@code after}; caller holds stateLock. */
    private void scheduleAfter(Instant after) {
        if (closed) {
            return;
        }
        Optional<Instant> slot = schedule.next(after, zone);
        if (slot.isEmpty()) {
            nextSlot = null;
            LOG.warn("the schedule has no further run");
            return;
        }
        Instant s = slot.get();
        nextSlot = s;
        long delay = Math.max(0, Duration.between(clock.instant(), s).toMillis()) + jitterMillis();
        try {
            pending = executor.schedule(() -> fire(s), delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            nextSlot = null; // closing
        }
    }

    private void fire(Instant slot) {
        synchronized (stateLock) {
            Instant now = clock.instant();
            scheduleAfter(now.isAfter(slot) ? now : slot);
        }
        runScheduled(slot);
    }

    private void runScheduled(Instant slot) {
        String what = slot == null ? "missed-run backup" : "backup scheduled for " + slot;
        try {
            Outcome outcome = attempt(slot, slot == null, what);
            if (outcome.manifest() == null) {
                LOG.info("skipped {}: {}", what, outcome.skipReason());
            }
        } catch (RuntimeException e) {
            LOG.error("{} failed: {}", what, e.getMessage(), e);
        }
    }

    /**
     * The time of the next scheduled run (a run may start up to the jitter later), or empty when
     * not started, closed, or when the schedule has no further run.
     */
    public Optional<Instant> nextRun() {
        synchronized (stateLock) {
            return started && !closed ? Optional.ofNullable(nextSlot) : Optional.empty();
        }
    }

    /**
     * Takes a backup now, on the calling thread, under the same rules as a scheduled one: single
     * flight, the lease, then deep verification and retention when configured. Works whether or
     * not the scheduler is started, but not once it is closed. Before {@link #start()} there is
     * no background thread to renew the lease, so a backup run this way must finish within the
     * lease duration, or another process may take the lease meanwhile.
     *
     * @return the new backup's manifest
     * @throws IllegalStateException when a backup is already running here, another process holds
     *     the lease, or the scheduler is closed
     * @throws BackupException       when the backup fails
     */
    public BackupManifest runNow() {
        Outcome outcome = attempt(null, false, "backup requested now");
        if (outcome.manifest() == null) {
            throw new IllegalStateException("backup not run: " + outcome.skipReason());
        }
        return outcome.manifest();
    }

    private record Outcome(BackupManifest manifest, String skipReason) {
    }

    private Outcome attempt(Instant slot, boolean catchUp, String what) {
        if (closed) {
            return new Outcome(null, "the scheduler is closed");
        }
        if (runLock.isHeldByCurrentThread() || !runLock.tryLock()) {
            return new Outcome(null, "a backup is already running in this scheduler");
        }
        try {
            if (closed) {
                return new Outcome(null, "the scheduler is closed");
            }
            runningThread = Thread.currentThread();
            Lease lease = Lease.acquire(this, slot);
            if (lease.refusal != null) {
                return new Outcome(null, lease.refusal);
            }
            ScheduledFuture<?> renewal = null;
            long every = Math.max(1, leaseDuration.toMillis() / 3);
            if (executor != null) {
                try {
                    renewal = executor.scheduleAtFixedRate(lease::renew, every, every, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // shut down meanwhile: the lease duration must then cover the backup
                }
            }
            boolean success = false;
            try {
                if (catchUp && !missed(clock.instant())) {
                    return new Outcome(null, "another process has backed up since the missed slot");
                }
                LOG.info("starting {} (lease held by {})", what, holder);
                BackupManifest manifest = service.backup(SCHEDULER, BackupRequest.defaults());
                success = true;
                LOG.info("{} done: backup {}", what, manifest.id());
                afterBackup(manifest);
                return new Outcome(manifest, null);
            } finally {
                if (renewal != null) {
                    renewal.cancel(false);
                }
                lease.release(success ? slot : null);
            }
        } finally {
            runningThread = null;
            runLock.unlock();
        }
    }

    private void afterBackup(BackupManifest manifest) {
        String id = manifest.id();
        if (deepVerify) {
            try {
                VerificationResult result = service.verify(SCHEDULER, id, VerifyDepth.DEEP);
                if (result.ok()) {
                    verifiedIds.add(id);
                    LOG.info("backup {} deep-verified: {} entries checked", id, result.entriesChecked());
                } else {
                    LOG.error("backup {} FAILED deep verification: {}", id, String.join("; ", result.problems()));
                }
            } catch (RuntimeException e) {
                LOG.error("backup {} could not be deep-verified: {}", id, e.getMessage(), e);
            }
        }
        for (Store target : copyTo) {
            try {
                service.copy(SCHEDULER, id, target);
                LOG.info("backup {} copied to {}", id, target.description());
            } catch (RuntimeException e) {
                LOG.error("backup {} could not be copied to {}: {}", id, target.description(), e.getMessage());
                service.reportIncident(BackupStatus.Incident.Kind.COPY_FAILED, "backup " + id
                        + " could not be copied to " + target.description() + ": " + e.getMessage(), true);
            }
        }
        if (retention != null) {
            try {
                List<BackupInfo> all = service.list(SCHEDULER);
                // Verified here, or recorded as verified in the sidecar (by any process, earlier).
                Set<String> verified = new HashSet<>(verifiedIds);
                all.stream().filter(BackupInfo::verified).forEach(b -> verified.add(b.id()));
                RetentionPlan plan = retention.plan(all, clock.instant(), Set.copyOf(verified));
                for (BackupInfo doomed : plan.toDelete()) {
                    try {
                        service.delete(SCHEDULER, doomed.id());
                        LOG.info("retention deleted backup {} from {}", doomed.id(), doomed.createdAt());
                    } catch (RuntimeException e) {
                        LOG.error("retention could not delete backup {}: {}", doomed.id(), e.getMessage());
                        service.reportIncident(BackupStatus.Incident.Kind.RETENTION_FAILED, "retention could not "
                                + "delete backup " + doomed.id() + ": " + e.getMessage(), true);
                    }
                }
            } catch (RuntimeException e) {
                LOG.error("retention after backup {} failed: {}", id, e.getMessage(), e);
                service.reportIncident(BackupStatus.Incident.Kind.RETENTION_FAILED, "retention after backup " + id
                        + " failed: " + e.getMessage(), true);
            }
        }
    }

    /**
     * Stops scheduling and waits, up to the shutdown timeout (see
     * {@link Builder#shutdownTimeout(Duration)}), for a running backup to finish; never interrupts
     * it. If the timeout passes first, the backup goes on in the background and commits or
     * discards itself as usual, and this method returns. Idempotent.
     */
    @Override
    public void close() {
        shutdown(false);
    }

    /**
     * Stops scheduling and interrupts a running backup, which then fails and leaves nothing
     * behind in the store; waits for it up to the shutdown timeout. Idempotent.
     */
    public void closeNow() {
        shutdown(true);
    }

    private void shutdown(boolean force) {
        ScheduledThreadPoolExecutor ex;
        synchronized (stateLock) {
            closed = true;
            nextSlot = null;
            service.detachScheduler(this);
            if (pending != null) {
                pending.cancel(false);
            }
            ex = executor;
        }
        if (ex != null) {
            ex.shutdown();
        }
        if (force) {
            Thread t = runningThread;
            if (t != null) {
                LOG.warn("closing with force: interrupting the running backup");
                t.interrupt();
            }
        }
        try {
            if (runLock.isHeldByCurrentThread()) {
                return; // closed from inside a run
            }
            if (runLock.tryLock(shutdownTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                runLock.unlock();
                if (ex != null) {
                    ex.shutdownNow();
                }
            } else {
                LOG.warn("a backup is still running after {}; it goes on in the background", shutdownTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---------------------------------------------------------------- lease

    /** One attempt at the store-wide lease; {@code refusal} is set when it was not obtained. */
    private static final class Lease {
        private final BackupScheduler owner;
        private final Store store;
        private final String refusal;
        private SchedulerLease current;

        private Lease(BackupScheduler owner, SchedulerLease current, String refusal) {
            this.owner = owner;
            this.store = owner.service.store();
            this.current = current;
            this.refusal = refusal;
        }

        static Lease acquire(BackupScheduler owner, Instant slot) {
            Store store = owner.service.store();
            Instant now = owner.clock.instant();
            SchedulerLease existing;
            try {
                existing = read(store);
            } catch (IOException e) {
                throw new StorageException("reading the scheduler lease in " + store.description() + " failed: "
                        + e.getMessage(), e);
            }
            Instant lastSlot = null;
            if (existing != null) {
                lastSlot = existing.lastSlot();
                if (existing.expiresAt() != null && existing.expiresAt().isAfter(now)) {
                    return new Lease(owner, null, "the store's lease is held by " + existing.holder() + " until "
                            + existing.expiresAt());
                }
                if (slot != null && lastSlot != null && !lastSlot.isBefore(slot)) {
                    return new Lease(owner, null, "slot " + slot + " was already run by " + existing.holder());
                }
                if (existing.token() != null && existing.expiresAt() != null && !existing.acquiredAt().equals(
                        existing.expiresAt())) {
                    LOG.info("taking over the lease of {} that expired at {}", existing.holder(),
                            existing.expiresAt());
                    owner.service.reportIncident(BackupStatus.Incident.Kind.LEASE_TAKEN_OVER, owner.holder
                            + " took over the scheduler lease of " + existing.holder() + " that expired at "
                            + existing.expiresAt() + " in " + store.description(), false);
                }
            }
            SchedulerLease mine = new SchedulerLease(owner.holder, UUID.randomUUID().toString(), now,
                    now.plus(owner.leaseDuration), lastSlot);
            try {
                if (existing != null) {
                    SchedulerLease again = read(store);
                    if (again != null && !Objects.equals(again.token(), existing.token())) {
                        return new Lease(owner, null, "another process took the lease meanwhile");
                    }
                    store.delete(LEASE_NAME);
                }
                write(store, mine);
                // Read back twice, the second time after a pause: a process that saw the same old lease
                // and is about to replace it (the store has no compare-and-swap) has done so by then.
                for (int check = 0; check < 2; check++) {
                    if (check == 1 && !owner.leaseSettleTime.isZero()) {
                        try {
                            Thread.sleep(owner.leaseSettleTime.toMillis());
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return new Lease(owner, mine, null).giveUp("interrupted while taking the lease");
                        }
                    }
                    SchedulerLease back = read(store);
                    if (back == null || !mine.token().equals(back.token())) {
                        return new Lease(owner, null, "another process took the lease meanwhile"
                                + (back == null ? "" : " (" + back.holder() + ")"));
                    }
                }
            } catch (FileAlreadyExistsException e) {
                return new Lease(owner, null, "another process took the lease meanwhile");
            } catch (IOException e) {
                throw new StorageException("writing the scheduler lease to " + store.description() + " failed: "
                        + e.getMessage(), e);
            }
            return new Lease(owner, mine, null);
        }

        /** Releases a lease just taken and reports why the run does not go ahead. */
        private Lease giveUp(String reason) {
            release(null);
            return new Lease(owner, null, reason);
        }

        /** Pushes the expiry forward; logs, and gives up, if the lease was lost. */
        synchronized void renew() {
            if (current == null) {
                return;
            }
            Instant now = owner.clock.instant();
            SchedulerLease renewed = new SchedulerLease(current.holder(), current.token(), current.acquiredAt(),
                    now.plus(owner.leaseDuration), current.lastSlot());
            try {
                if (!replace(renewed)) {
                    LOG.warn("the scheduler lease in {} was taken by another process during a backup",
                            store.description());
                    current = null;
                    return;
                }
                current = renewed;
            } catch (IOException | RuntimeException e) {
                LOG.warn("renewing the scheduler lease in {} failed: {}", store.description(), e.getMessage());
            }
        }

        /** Marks the lease expired now, recording the slot run (if any); works on an interrupted thread too. */
        synchronized void release(Instant slotRun) {
            if (current == null) {
                return;
            }
            // A forced close interrupts the run; the store's channels would refuse to write the release.
            boolean interrupted = Thread.interrupted();
            try {
                releaseNow(slotRun);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        private void releaseNow(Instant slotRun) {
            Instant now = owner.clock.instant();
            Instant last = slotRun != null ? slotRun : current.lastSlot();
            SchedulerLease released = new SchedulerLease(current.holder(), current.token(), now, now, last);
            try {
                if (!replace(released)) {
                    LOG.warn("the scheduler lease in {} was taken by another process before release",
                            store.description());
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("releasing the scheduler lease in {} failed; it expires at {}: {}", store.description(),
                        current.expiresAt(), e.toString());
            }
            current = null;
        }

        /** Rewrites the lease if it is still ours; false if someone else holds it. */
        private boolean replace(SchedulerLease next) throws IOException {
            SchedulerLease there = read(store);
            if (there != null && !current.token().equals(there.token())) {
                return false;
            }
            store.delete(LEASE_NAME);
            try {
                write(store, next);
            } catch (FileAlreadyExistsException e) {
                return false;
            }
            return true;
        }

        private static SchedulerLease read(Store store) throws IOException {
            byte[] bytes;
            try (InputStream in = store.open(LEASE_NAME)) {
                bytes = in.readAllBytes();
            } catch (NoSuchFileException e) {
                return null;
            }
            try {
                SchedulerLease lease = Json.read(bytes, SchedulerLease.class);
                if (lease.expiresAt() == null || lease.token() == null || lease.acquiredAt() == null) {
                    throw new IOException("missing fields");
                }
                return lease;
            } catch (IOException e) {
                LOG.warn("the scheduler lease in {} is unreadable and treated as expired: {}", store.description(),
                        e.getMessage());
                return new SchedulerLease("unknown", "unreadable", Instant.EPOCH, Instant.EPOCH, null);
            }
        }

        private static void write(Store store, SchedulerLease lease) throws IOException {
            try (Store.Upload upload = store.upload(LEASE_NAME)) {
                upload.stream().write(Json.write(lease));
                upload.commit();
            }
        }
    }

    // ---------------------------------------------------------------- schedules

    private interface Schedule {
        /** The first run strictly after {@code after}. */
        Optional<Instant> next(Instant after, ZoneId zone);
    }

    private record Every(Duration interval) implements Schedule {
        @Override
        public Optional<Instant> next(Instant after, ZoneId zone) {
            long step = interval.toMillis();
            long t = after.toEpochMilli();
            return Optional.of(Instant.ofEpochMilli(Math.floorDiv(t, step) * step + step));
        }
    }

    /**
     * A parsed 5-field cron expression (see the {@linkplain BackupScheduler class comment}).
     *
     * <pre>{@code
     * BackupScheduler.Cron.parse("0 6,18 * * 1-5").next(Instant.now(), ZoneId.systemDefault());
     * }</pre>
     *
     * <p>Immutable and thread-safe.
     */
    public static final class Cron implements Schedule {
        /** Years searched for a match before giving up (covers Feb 29 around 2100). */
        private static final int SEARCH_YEARS = 9;

        private final String text;
        private final BitSet minutes;
        private final BitSet hours;
        private final BitSet days;
        private final BitSet months;
        private final BitSet weekdays;
        private final boolean anyDay;
        private final boolean anyWeekday;

        private Cron(String text, String[] f) {
            this.text = text;
            this.minutes = field(f[0], 0, 59, "minute");
            this.hours = field(f[1], 0, 23, "hour");
            this.days = field(f[2], 1, 31, "day of month");
            this.months = field(f[3], 1, 12, "month");
            BitSet dow = field(f[4], 0, 7, "day of week");
            if (dow.get(7)) {
                dow.set(0);
            }
            this.weekdays = dow;
            this.anyDay = f[2].startsWith("*");
            this.anyWeekday = f[4].startsWith("*");
        }

        /**
         * Parses an expression.
         *
         * @throws IllegalArgumentException naming the bad field, when the expression is invalid or
         *     never matches (such as {@code 0 0 30 2 *})
         */
        public static Cron parse(String expression) {
            Objects.requireNonNull(expression, "cron expression");
            String[] f = expression.trim().split("\\s+");
            if (f.length != 5) {
                throw new IllegalArgumentException("invalid cron expression '" + expression
                        + "': expected 5 fields (minute hour day-of-month month day-of-week) but found "
                        + (expression.isBlank() ? 0 : f.length));
            }
            Cron cron;
            try {
                cron = new Cron(expression.trim(), f);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid cron expression '" + expression + "': " + e.getMessage(),
                        e);
            }
            if (cron.next(Instant.parse("2000-01-01T00:00:00Z"), java.time.ZoneOffset.UTC).isEmpty()) {
                throw new IllegalArgumentException("cron expression '" + expression + "' never matches a date");
            }
            return cron;
        }

        private static BitSet field(String text, int min, int max, String name) {
            BitSet bits = new BitSet(max + 1);
            for (String part : text.split(",", -1)) {
                String range = part;
                int step = 1;
                int slash = part.indexOf('/');
                if (slash >= 0) {
                    range = part.substring(0, slash);
                    step = number(part.substring(slash + 1), 1, Integer.MAX_VALUE, name + " step");
                }
                int from;
                int to;
                if (range.equals("*")) {
                    from = min;
                    to = max;
                } else {
                    int dash = range.indexOf('-');
                    if (dash >= 0) {
                        from = number(range.substring(0, dash), min, max, name);
                        to = number(range.substring(dash + 1), min, max, name);
                        if (from > to) {
                            throw new IllegalArgumentException(name + " range '" + range + "' runs backwards");
                        }
                    } else {
                        from = number(range, min, max, name);
                        to = slash >= 0 ? max : from;
                    }
                }
                for (int v = from; v <= to; v += step) {
                    bits.set(v);
                }
            }
            return bits;
        }

        private static int number(String s, int min, int max, String name) {
            if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException(name + " '" + s + "' is not a number"
                        + (s.chars().anyMatch(Character::isLetter) ? " (names are not supported)" : ""));
            }
            int v;
            try {
                v = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                v = Integer.MAX_VALUE;
            }
            if (v < min || v > max) {
                throw new IllegalArgumentException(name + " " + s + " is outside " + min + "-" + max);
            }
            return v;
        }

        private boolean dayMatches(LocalDateTime t) {
            boolean dom = days.get(t.getDayOfMonth());
            DayOfWeek d = t.getDayOfWeek();
            boolean dow = weekdays.get(d.getValue() % 7);
            if (anyDay || anyWeekday) {
                return dom && dow;
            }
            return dom || dow;
        }

        /** The first matching time strictly after {@code after}, in {@code zone}; empty if none within years. */
        @Override
        public Optional<Instant> next(Instant after, ZoneId zone) {
            LocalDateTime t = LocalDateTime.ofInstant(after, zone).truncatedTo(ChronoUnit.MINUTES).plusMinutes(1);
            LocalDateTime limit = t.plusYears(SEARCH_YEARS);
            while (t.isBefore(limit)) {
                if (!months.get(t.getMonthValue())) {
                    t = t.toLocalDate().withDayOfMonth(1).plusMonths(1).atStartOfDay();
                } else if (!dayMatches(t)) {
                    t = t.toLocalDate().plusDays(1).atStartOfDay();
                } else if (!hours.get(t.getHour())) {
                    t = t.truncatedTo(ChronoUnit.HOURS).plusHours(1);
                } else if (!minutes.get(t.getMinute())) {
                    t = t.plusMinutes(1);
                } else {
                    Instant candidate = ZonedDateTime.ofLocal(t, zone, null).toInstant();
                    if (candidate.isAfter(after)) {
                        return Optional.of(candidate);
                    }
                    t = t.plusMinutes(1);
                }
            }
            return Optional.empty();
        }

        @Override
        public String toString() {
            return text;
        }
    }

    // ---------------------------------------------------------------- builder

    /** Builds a {@link BackupScheduler}; every setting is checked here, not at 2 a.m. */
    public static final class Builder {
        private BackupService service;
        private Schedule schedule;
        private ZoneId zone = ZoneId.systemDefault();
        private Duration jitter = Duration.ZERO;
        private RetentionPolicy retention;
        private boolean deepVerify;
        private final List<Store> copyTo = new java.util.ArrayList<>();
        private Clock clock = Clock.systemUTC();
        private Duration leaseDuration = Duration.ofMinutes(5);
        private Duration leaseSettleTime = Duration.ofSeconds(1);
        private Duration shutdownTimeout = Duration.ofMinutes(1);
        private String holder = defaultHolder();

        private Builder() {
        }

        private static String defaultHolder() {
            String host;
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException | RuntimeException e) {
                host = "unknown-host";
            }
            return ProcessHandle.current().pid() + "@" + host;
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive but was " + d);
            }
            return d;
        }

        /** The service that takes, lists, verifies and deletes backups; required. */
        public Builder service(BackupService service) {
            this.service = Objects.requireNonNull(service, "service");
            return this;
        }

        /** Runs every {@code interval} (at least one millisecond), counted from the epoch. */
        public Builder every(Duration interval) {
            positive(interval, "interval");
            if (interval.toMillis() < 1) {
                throw new IllegalArgumentException("interval must be at least 1 ms but was " + interval);
            }
            this.schedule = new Every(interval);
            return this;
        }

        /**
         * Runs at the times of a 5-field cron expression.
         *
         * @throws IllegalArgumentException when the expression is invalid
         */
        public Builder cron(String expression) {
            this.schedule = Cron.parse(expression);
            return this;
        }

        /** The time zone cron fields are read in; default the host's. */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        /** Delays each run by a random time between 0 and {@code jitter}; default none. */
        public Builder jitter(Duration jitter) {
            Objects.requireNonNull(jitter, "jitter");
            if (jitter.isNegative()) {
                throw new IllegalArgumentException("jitter must not be negative but was " + jitter);
            }
            this.jitter = jitter;
            return this;
        }

        /** Applies this policy after each successful backup, deleting what it does not keep. */
        public Builder retention(RetentionPolicy policy) {
            this.retention = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Copies each new backup to these stores too (for example a local folder plus an off-site
         * S3 bucket), after its deep verification and before retention. Each copy is streamed,
         * checked against the sidecar and listed only when complete; a failed copy leaves nothing
         * listed there, is logged, and becomes the status's last failure and a
         * {@link BackupStatus.Incident.Kind#COPY_FAILED} incident; the backup itself stands.
         * Retention applies to the service's own store only.
         */
        public Builder copyTo(Store... stores) {
            for (Store store : stores) {
                copyTo.add(Objects.requireNonNull(store, "store"));
            }
            return this;
        }

        /**
         * Deep-verifies each new backup (see {@link VerifyDepth#DEEP}); default off. The result and its
         * time are recorded in the backup's sidecar (unless the service's
         * {@link BackupService.Builder#recordVerifications(boolean)} is off), and a failure becomes the
         * status's last failure and a {@link BackupStatus.Incident.Kind#VERIFY_FAILED} incident.
         */
        public Builder deepVerify(boolean deepVerify) {
            this.deepVerify = deepVerify;
            return this;
        }

        /** The clock for slots, the lease and retention; default UTC system clock. For tests. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long the store lease lasts unless renewed (renewed every third of it); default 5 minutes. */
        public Builder leaseDuration(Duration duration) {
            this.leaseDuration = positive(duration, "leaseDuration");
            return this;
        }

        /**
         * How long to wait, after writing the lease, before checking a second time that it is still
         * ours: longer than the time a store takes to read, delete and write a small object, so that
         * two processes taking an expired lease at the same moment cannot both win. Default 1 second;
         * zero skips the second check.
         */
        public Builder leaseSettleTime(Duration wait) {
            Objects.requireNonNull(wait, "leaseSettleTime");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("leaseSettleTime must not be negative but was " + wait);
            }
            this.leaseSettleTime = wait;
            return this;
        }

        /** How long {@link BackupScheduler#close()} waits for a running backup; default 1 minute. */
        public Builder shutdownTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "shutdownTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must not be negative but was " + timeout);
            }
            this.shutdownTimeout = timeout;
            return this;
        }

        /** The name this process writes into the lease, for logs; default {@code pid@host}. */
        public Builder holder(String holder) {
            Objects.requireNonNull(holder, "holder");
            if (holder.isBlank() || holder.length() > 200) {
                throw new IllegalArgumentException("holder must be 1 to 200 characters");
            }
            this.holder = holder;
            return this;
        }

        /**
         * Builds the scheduler, not yet started.
         *
         * @throws IllegalStateException when the service or the schedule is missing
         */
        public BackupScheduler build() {
            if (service == null) {
                throw new IllegalStateException("service(...) is required");
            }
            if (schedule == null) {
                throw new IllegalStateException("every(...) or cron(...) is required");
            }
            return new BackupScheduler(this);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "BackupScheduler[%s, zone %s, store %s]", schedule, zone,
                service.store().description());
    }
}
