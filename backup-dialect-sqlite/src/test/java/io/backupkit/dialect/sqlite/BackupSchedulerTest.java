package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupScheduler;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import io.backupkit.ProgressListener;
import io.backupkit.RetentionPolicy;
import io.backupkit.spi.Store;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler: cron times, intervals, single flight, the store lease, missed runs, retention, shutdown. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class BackupSchedulerTest {

    private static final ZoneId TORONTO = ZoneId.of("America/Toronto");

    @TempDir
    Path dir;

    private Path db;

    @BeforeEach
    void database() throws Exception {
        db = dir.resolve("app.db");
        FaultTestKit.exec(db,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                        + "INSERT INTO items SELECT i, 'item ' || i FROM n");
    }

    private BackupService service(ProgressListener listener) {
        return BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(dir.resolve("store"))).progressListener(listener).build();
    }

    /** A short lease settle time keeps the tests quick; the two-scheduler race test sets its own. */
    private static BackupScheduler.Builder builder() {
        return BackupScheduler.builder().leaseSettleTime(Duration.ofMillis(20));
    }

    private BackupService service() {
        return service(ProgressListener.none());
    }

    private static Instant next(String cron, String afterLocal, ZoneId zone) {
        Instant after = java.time.LocalDateTime.parse(afterLocal).atZone(zone).toInstant();
        return BackupScheduler.Cron.parse(cron).next(after, zone).orElseThrow();
    }

    private static Instant at(String offsetDateTime) {
        return OffsetDateTime.parse(offsetDateTime).toInstant();
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20);
        }
    }

    /** Hidden files are uploads in progress or abandoned: a clean store has none. */
    private List<String> storeFiles() throws Exception {
        try (Stream<Path> files = Files.list(dir.resolve("store"))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void writeLease(Store store, String holder, Instant expiresAt) throws Exception {
        writeLease(store, holder, expiresAt, null);
    }

    /** Writes a lease object as another process would (the format is documented on BackupScheduler). */
    private static void writeLease(Store store, String holder, Instant expiresAt, Instant lastSlot) throws Exception {
        store.delete(BackupScheduler.LEASE_NAME);
        String json = "{\"holder\":\"" + holder + "\",\"token\":\"t-" + holder + "\",\"acquiredAt\":\""
                + expiresAt.minusSeconds(300) + "\",\"expiresAt\":\"" + expiresAt + "\""
                + (lastSlot == null ? "" : ",\"lastSlot\":\"" + lastSlot + "\"") + "}";
        try (Store.Upload upload = store.upload(BackupScheduler.LEASE_NAME)) {
            upload.stream().write(json.getBytes(StandardCharsets.UTF_8));
            upload.commit();
        }
    }

    private static String readLease(Store store) throws Exception {
        try (InputStream in = store.open(BackupScheduler.LEASE_NAME)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------ cron

    @Test
    void cronStepsRangesListsAndDaysOfWeek() {
        ZoneId utc = ZoneOffset.UTC;
        assertThat(next("*/15 * * * *", "2026-11-26T10:07", utc)).isEqualTo(at("2026-11-26T10:15Z"));
        assertThat(next("*/15 * * * *", "2026-11-26T10:15", utc)).as("strictly after").isEqualTo(at("2026-11-26T10:30Z"));
        assertThat(next("0 9-17/4 * * *", "2026-11-26T09:00", utc)).isEqualTo(at("2026-11-26T13:00Z"));
        assertThat(next("0 9-17/4 * * *", "2026-11-26T17:30", utc)).isEqualTo(at("2026-11-27T09:00Z"));
        assertThat(next("5,35 1-2 * * *", "2026-11-26T01:10", utc)).isEqualTo(at("2026-11-26T01:35Z"));
        // 2026-11-26 is a Thursday.
        assertThat(next("30 2 * * 1,3,5", "2026-11-26T12:00", utc)).isEqualTo(at("2026-11-27T02:30Z"));
        assertThat(next("0 0 * * 0", "2026-11-26T12:00", utc)).isEqualTo(at("2026-11-29T00:00Z"));
        assertThat(next("0 0 * * 7", "2026-11-26T12:00", utc)).as("7 is Sunday too").isEqualTo(at("2026-11-29T00:00Z"));
        assertThat(next("0 0 * * 1-5", "2026-11-27T12:00", utc)).as("skips the weekend").isEqualTo(at("2026-11-30T00:00Z"));
        // Both day fields restricted: either matches (cron's rule), so Sunday the 29th comes before the 1st.
        assertThat(next("0 0 1 * 0", "2026-11-26T12:00", utc)).isEqualTo(at("2026-11-29T00:00Z"));
        assertThat(next("0 0 1 * 0", "2026-11-29T12:00", utc)).isEqualTo(at("2026-12-01T00:00Z"));
        assertThat(next("0 0 29 2 *", "2026-03-01T00:00", utc)).as("next leap day").isEqualTo(at("2028-02-29T00:00Z"));
        assertThat(next("0 12 1 */3 *", "2026-11-26T00:00", utc)).isEqualTo(at("2027-01-01T12:00Z"));
    }

    @Test
    void cronFollowsTorontoLocalTimeAcrossDaylightSaving() {
        // Spring forward 2026-03-08: 02:00 EST jumps to 03:00 EDT, so 02:30 does not exist and runs at 03:30 EDT.
        Instant gap = next("30 2 * * *", "2026-03-07T12:00", TORONTO);
        assertThat(gap).isEqualTo(at("2026-03-08T03:30-04:00"));
        assertThat(BackupScheduler.Cron.parse("30 2 * * *").next(gap, TORONTO)).contains(at("2026-03-09T02:30-04:00"));
        assertThat(next("0 3 * * *", "2026-03-07T12:00", TORONTO)).isEqualTo(at("2026-03-08T03:00-04:00"));
        assertThat(next("0 12 * * *", "2026-03-07T13:00", TORONTO)).as("noon stays noon local")
                .isEqualTo(at("2026-03-08T12:00-04:00"));
        // Fall back 2026-11-01: 01:00-02:00 happens twice; 01:30 runs once, at its first (EDT) occurrence.
        Instant overlap = next("30 1 * * *", "2026-10-31T12:00", TORONTO);
        assertThat(overlap).isEqualTo(at("2026-11-01T01:30-04:00"));
        assertThat(BackupScheduler.Cron.parse("30 1 * * *").next(overlap, TORONTO))
                .contains(at("2026-11-02T01:30-05:00"));
        // Hourly over the fall-back: 01:00 EDT, then 02:00 EST.
        BackupScheduler.Cron hourly = BackupScheduler.Cron.parse("0 * * * *");
        Instant one = hourly.next(at("2026-11-01T00:30-04:00"), TORONTO).orElseThrow();
        assertThat(one).isEqualTo(at("2026-11-01T01:00-04:00"));
        assertThat(hourly.next(one, TORONTO)).contains(at("2026-11-01T02:00-05:00"));
        // The same expression in UTC is a different instant: the zone matters.
        assertThat(next("0 3 * * *", "2026-11-26T00:00", ZoneOffset.UTC)).isEqualTo(at("2026-11-26T03:00Z"));
        assertThat(next("0 3 * * *", "2026-11-26T00:00", TORONTO)).isEqualTo(at("2026-11-26T03:00-05:00"));
    }

    @Test
    void invalidSettingsFailAtBuildTimeWithClearMessages() {
        BackupScheduler.Builder b = builder().service(service());
        assertThatThrownBy(() -> b.cron("* * *")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 fields");
        assertThatThrownBy(() -> b.cron("60 * * * *")).hasMessageContaining("minute 60 is outside 0-59");
        assertThatThrownBy(() -> b.cron("0 24 * * *")).hasMessageContaining("hour 24");
        assertThatThrownBy(() -> b.cron("0 0 0 * *")).hasMessageContaining("day of month 0");
        assertThatThrownBy(() -> b.cron("0 0 * JAN *")).hasMessageContaining("names are not supported");
        assertThatThrownBy(() -> b.cron("0 0 * * MON")).hasMessageContaining("names are not supported");
        assertThatThrownBy(() -> b.cron("5-1 * * * *")).hasMessageContaining("backwards");
        assertThatThrownBy(() -> b.cron("*/0 * * * *")).hasMessageContaining("step");
        assertThatThrownBy(() -> b.cron("0 0 30 2 *")).hasMessageContaining("never matches");
        assertThatThrownBy(() -> b.cron("1,,2 * * * *")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.every(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.jitter(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder().service(service()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cron");
        assertThatThrownBy(() -> BackupScheduler.builder().every(Duration.ofHours(1)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("service");
    }

    // ------------------------------------------------------------------ running

    @Test
    void anIntervalProducesBackupsAndStopsAtClose() throws Exception {
        BackupService service = service();
        BackupScheduler scheduler = builder().service(service).every(Duration.ofMillis(200)).build();
        assertThat(scheduler.nextRun()).as("not started").isEmpty();
        Instant before = Instant.now();
        scheduler.start();
        Instant next = scheduler.nextRun().orElseThrow();
        assertThat(next).isAfter(before).isBeforeOrEqualTo(before.plusMillis(200));
        assertThat(next.toEpochMilli() % 200).as("slots counted from the epoch").isZero();
        await("three scheduled backups", () -> service.list().size() >= 3);
        scheduler.close();
        assertThat(scheduler.nextRun()).isEmpty();
        int after = service.list().size();
        Thread.sleep(500);
        assertThat(service.list()).as("nothing runs after close").hasSize(after);
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
        assertThat(readLease(service.store())).as("lease released").contains("\"holder\"");
        assertThatThrownBy(scheduler::runNow).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void singleFlightSkipsTriggersWhileABackupRuns() throws Exception {
        AtomicInteger active = new AtomicInteger();
        AtomicInteger maxActive = new AtomicInteger();
        CountDownLatch firstStarted = new CountDownLatch(1);
        BackupService service = service(p -> {
            if (p.phase() == Phase.SNAPSHOT) {
                maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
                firstStarted.countDown();
                sleep(700);
            } else if (p.phase() == Phase.DONE) {
                active.decrementAndGet();
            }
        });
        BackupScheduler scheduler = builder().service(service).every(Duration.ofMillis(200)).build();
        scheduler.start();
        assertThat(firstStarted.await(5, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(scheduler::runNow).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already running");
        Thread.sleep(1200); // several 200 ms slots come and go while 700 ms backups run
        scheduler.close();
        assertThat(maxActive.get()).as("backups running at once").isEqualTo(1);
        int taken = service.list().size();
        assertThat(taken).isBetween(1, 3);
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
    }

    @Test
    void twoSchedulersSharingAStoreBackUpOncePerSlot() throws Exception {
        ProgressListener slow = p -> {
            if (p.phase() == Phase.SNAPSHOT) {
                sleep(100);
            }
        };
        BackupService a = service(slow);
        BackupService b = service(slow); // its own LocalFolderStore instance on the same folder
        long slotMillis = 400;
        BackupScheduler sa = builder().service(a).every(Duration.ofMillis(slotMillis)).holder("a")
                .leaseSettleTime(Duration.ofMillis(100)).build();
        BackupScheduler sb = builder().service(b).every(Duration.ofMillis(slotMillis)).holder("b")
                .leaseSettleTime(Duration.ofMillis(100)).build();
        sa.start();
        sb.start();
        await("four slots", () -> a.list().size() >= 4);
        sa.close();
        sb.close();
        List<BackupInfo> backups = a.list();
        Map<Long, Long> perSlot = backups.stream().collect(Collectors.groupingBy(
                i -> i.createdAt().toEpochMilli() / slotMillis, Collectors.counting()));
        assertThat(perSlot.values()).as("backups per slot, %s", backups).allMatch(n -> n == 1);
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
    }

    @Test
    void aLiveLeaseBlocksAndAnExpiredOneIsTakenOver() throws Exception {
        BackupService service = service();
        Store store = service.store();
        BackupScheduler scheduler = builder().service(service).every(Duration.ofHours(1))
                .holder("me").build();

        writeLease(store, "ghost", Instant.now().plusSeconds(3600));
        assertThatThrownBy(scheduler::runNow).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("held by ghost");
        assertThat(service.list()).isEmpty();

        writeLease(store, "ghost", Instant.now().minusSeconds(60));
        BackupManifest manifest = scheduler.runNow();
        assertThat(service.list()).extracting(BackupInfo::id).containsExactly(manifest.id());
        String lease = readLease(store);
        assertThat(lease).contains("\"holder\" : \"me\"").doesNotContain("ghost");
        assertThat(storeFiles()).as("the lease is no backup, and the catalog ignores it")
                .contains(BackupScheduler.LEASE_NAME).hasSize(3);

        // Released: the next run, by anyone, gets the lease again.
        BackupScheduler other = builder().service(service()).every(Duration.ofHours(1))
                .holder("other").build();
        other.runNow();
        assertThat(service.list()).hasSize(2);
        assertThat(readLease(store)).contains("\"holder\" : \"other\"");
        scheduler.close();
        other.close();
    }

    @Test
    void anExpiredLeaseTakenOverIsAnIncidentAndOnTheAuditTrail() throws Exception {
        io.backupkit.testing.MemoryAuditSink trail = new io.backupkit.testing.MemoryAuditSink();
        BackupService service = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(dir.resolve("store"))).auditSink(trail).build();
        BackupScheduler scheduler = builder().service(service).every(Duration.ofHours(1)).holder("me").build();
        writeLease(service.store(), "ghost", Instant.now().minusSeconds(60));

        scheduler.runNow();

        assertThat(service.status().incidents()).anySatisfy(incident ->
                assertThat(incident.kind()).isEqualTo(io.backupkit.BackupStatus.Incident.Kind.LEASE_TAKEN_OVER));
        assertThat(trail.read(io.backupkit.spi.AuditSink.Order.OLDEST_FIRST).toList()).anySatisfy(record -> {
            assertThat(record.actorId()).isEqualTo("system");
            assertThat(record.detail()).contains("LEASE_TAKEN_OVER", "ghost");
        });
        assertThat(service.verifyAudit().intact()).isTrue();
        scheduler.close();
    }

    @Test
    void aSlotAlreadyRunByAnotherProcessIsSkipped() throws Exception {
        BackupService service = service();
        // An expired lease whose holder already ran every slot up to tomorrow.
        writeLease(service.store(), "ghost", Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
        BackupScheduler scheduler = builder().service(service).every(Duration.ofMillis(200)).build();
        scheduler.start();
        Thread.sleep(700);
        assertThat(service.list()).as("slots already run are skipped").isEmpty();
        assertThat(scheduler.runNow()).as("an explicit run is not tied to a slot").isNotNull();
        scheduler.close();
        assertThat(service.list()).hasSize(1);
    }

    @Test
    void aRivalThatReplacesTheLeaseRightAfterUsWins() throws Exception {
        LocalFolderStore base = LocalFolderStore.at(dir.resolve("store"));
        AtomicInteger leaseReadsAfterWrite = new AtomicInteger(-1);
        Store racing = new Store() {
            @Override
            public String description() {
                return base.description();
            }

            @Override
            public Upload upload(String name) throws java.io.IOException {
                if (name.equals(BackupScheduler.LEASE_NAME) && leaseReadsAfterWrite.get() == -1) {
                    leaseReadsAfterWrite.set(0);
                }
                return base.upload(name);
            }

            @Override
            public InputStream open(String name) throws java.io.IOException {
                // The second read-back, after the settle time: a rival that saw the same old lease has
                // replaced ours meanwhile.
                if (name.equals(BackupScheduler.LEASE_NAME) && leaseReadsAfterWrite.get() >= 0
                        && leaseReadsAfterWrite.incrementAndGet() == 2) {
                    leaseReadsAfterWrite.set(-100);
                    try {
                        writeLease(base, "rival", Instant.now().plusSeconds(3600));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
                return base.open(name);
            }

            @Override
            public List<String> list() throws java.io.IOException {
                return base.list();
            }

            @Override
            public void delete(String name) throws java.io.IOException {
                base.delete(name);
            }
        };
        BackupService service = BackupService.builder().dataSource(FaultTestKit.dataSource(db)).store(racing).build();
        BackupScheduler scheduler = builder().service(service).every(Duration.ofHours(1)).build();
        assertThatThrownBy(scheduler::runNow).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("took the lease").hasMessageContaining("rival");
        assertThat(service.list()).isEmpty();
        assertThat(readLease(base)).contains("rival");
        scheduler.close();
    }

    @Test
    void aRunMissedDuringDowntimeRunsOnceAtStart() throws Exception {
        BackupService service = service();
        BackupManifest old = service.backup();
        Instant nextHour = Instant.ofEpochMilli((old.createdAt().toEpochMilli() / 3_600_000 + 1) * 3_600_000);

        // Restarted before the next daily slot: nothing was missed.
        Instant nextDay = Instant.ofEpochMilli((old.createdAt().toEpochMilli() / 86_400_000 + 1) * 86_400_000);
        BackupScheduler early = builder().service(service).every(Duration.ofDays(1))
                .clock(Clock.fixed(old.createdAt().plusMillis(1), ZoneOffset.UTC)).build();
        early.start();
        assertThat(early.nextRun()).contains(nextDay);
        Thread.sleep(400);
        early.close();
        assertThat(service.list()).hasSize(1);

        // Restarted three hours later: the slots in between were missed, and one backup runs at once.
        Instant now = old.createdAt().plus(Duration.ofHours(3));
        BackupScheduler late = builder().service(service).every(Duration.ofHours(1))
                .clock(Clock.fixed(now, ZoneOffset.UTC)).build();
        late.start();
        await("the catch-up backup", () -> service.list().size() == 2);
        assertThat(late.nextRun()).contains(nextHour.plus(Duration.ofHours(3)));
        Thread.sleep(300);
        late.close();
        assertThat(service.list()).as("once, not once per missed slot").hasSize(2);
    }

    @Test
    void retentionIsAppliedAfterEachBackupAndDeepVerifyRuns() throws Exception {
        BackupService service = service();
        BackupManifest first = service.backup();
        BackupManifest second = service.backup();
        BackupManifest third = service.backup();
        BackupScheduler scheduler = builder().service(service).every(Duration.ofHours(1))
                .retention(RetentionPolicy.builder().keepLast(2).build()).deepVerify(true).build();
        BackupManifest fourth = scheduler.runNow();
        assertThat(service.list()).extracting(BackupInfo::id).containsExactly(third.id(), fourth.id());
        assertThat(List.of(first.id(), second.id())).noneMatch(id -> service.list().stream().anyMatch(i -> i.id().equals(id)));
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
        scheduler.close();
    }

    @Test
    void eachNewBackupIsCopiedToTheExtraStoresAndAFailedCopyIsAnIncident() throws Exception {
        BackupService service = service();
        LocalFolderStore offsite = LocalFolderStore.at(dir.resolve("offsite"));
        LocalFolderStore brokenFolder = LocalFolderStore.at(dir.resolve("broken"));
        io.backupkit.spi.Store broken = new io.backupkit.testing.FailingStore(brokenFolder, 100); // fails after 100 bytes
        BackupScheduler scheduler = builder().service(service).every(Duration.ofHours(1))
                .copyTo(offsite, broken).build();

        BackupManifest manifest = scheduler.runNow();

        assertThat(io.backupkit.BackupCatalog.of(offsite).list()).extracting(BackupInfo::id).containsExactly(manifest.id());
        assertThat(io.backupkit.BackupCatalog.of(offsite).verify(manifest.id()).ok()).isTrue();
        assertThat(service.list()).extracting(BackupInfo::id).containsExactly(manifest.id());
        io.backupkit.BackupStatus status = service.status();
        assertThat(status.incidents()).anySatisfy(incident -> {
            assertThat(incident.kind()).isEqualTo(io.backupkit.BackupStatus.Incident.Kind.COPY_FAILED);
            assertThat(incident.message()).contains(manifest.id(), "could not be copied");
        });
        assertThat(status.lastFailure()).contains("could not be copied");
        assertThat(io.backupkit.BackupCatalog.of(brokenFolder).list()).as("nothing listed where the copy failed").isEmpty();
        scheduler.close();
    }

    @Test
    void closeWaitsForTheRunningBackupAndLeavesNothingPartial() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        AtomicReference<Instant> done = new AtomicReference<>();
        BackupService service = service(p -> {
            if (p.phase() == Phase.DATA && writing.getCount() > 0) {
                writing.countDown();
                sleep(800);
            } else if (p.phase() == Phase.DONE) {
                done.set(Instant.now());
            }
        });
        BackupScheduler scheduler = builder().service(service).every(Duration.ofMillis(200)).build();
        scheduler.start();
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
        scheduler.close();
        Instant closed = Instant.now();
        assertThat(done.get()).as("the backup finished before close returned").isNotNull().isBeforeOrEqualTo(closed);
        assertThat(service.list()).hasSize(1);
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
        assertThat(readLease(service.store())).contains("\"lastSlot\"");
    }

    @Test
    void closeNowInterruptsTheRunningBackupAndLeavesNothingBehind() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        BackupService service = service(p -> {
            if (p.phase() == Phase.DATA && writing.getCount() > 0) {
                writing.countDown();
                sleep(5000);
            }
        });
        BackupScheduler scheduler = builder().service(service).every(Duration.ofMillis(200)).build();
        scheduler.start();
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        scheduler.closeNow();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
        assertThat(service.list()).isEmpty();
        assertThat(storeFiles()).noneMatch(n -> n.startsWith("."));
        // The interrupted run still released the lease: the next run need not wait for it to expire.
        BackupScheduler next = builder().service(service()).every(Duration.ofHours(1)).build();
        assertThat(next.runNow()).isNotNull();
        next.close();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
