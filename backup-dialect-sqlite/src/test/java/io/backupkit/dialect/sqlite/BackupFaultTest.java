package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import io.backupkit.RedactionRules;
import io.backupkit.SnapshotException;
import io.backupkit.StorageException;
import io.backupkit.spi.Store;
import io.backupkit.testing.FailingStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The "Bad input" list: each failure gives a specific error, and afterwards no backup is
 * listed and no temporary file is left behind, neither in the store folder (hidden upload files
 * included) nor in the directory for snapshot copies.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BackupFaultTest {

    @TempDir
    Path dir;

    private Path storeDir;
    private Path tempDir;

    @BeforeEach
    void folders() throws Exception {
        storeDir = dir.resolve("store");
        tempDir = Files.createDirectories(dir.resolve("snapshot-tmp"));
    }

    private BackupService service(DataSource dataSource, Store store, BackupOptions.Builder options) {
        return BackupService.builder()
                .dataSource(dataSource)
                .dialect(new SqliteDialect())
                .store(store)
                .options(options.tempDirectory(tempDir).build())
                .build();
    }

    private BackupService service(Path db, Store store) {
        return service(FaultTestKit.dataSource(db), store, BackupOptions.builder());
    }

    /** Nothing listed, and not a single file, hidden or not, in the store folder or the temp directory. */
    private void assertNothingLeft(Store store) throws Exception {
        assertThat(store.list()).as("objects listed in the store").isEmpty();
        assertThat(FaultTestKit.everythingIn(storeDir)).as("files left in the store folder").isEmpty();
        assertThat(FaultTestKit.everythingIn(tempDir)).as("files left in the snapshot temp directory").isEmpty();
    }

    @Test
    void aFileThatIsNotADatabaseIsNamedInTheError() throws Exception {
        Path notADb = Files.writeString(dir.resolve("notes.db"), "These are my notes, not a database.\n".repeat(200));
        LocalFolderStore store = LocalFolderStore.at(storeDir);

        assertThatThrownBy(() -> service(notADb, store).backup())
                .isInstanceOf(SnapshotException.class)
                .hasMessageContaining(notADb.toString())
                .hasMessageContaining("not a SQLite database");

        assertNothingLeft(store);
        assertThat(Files.readString(notADb)).startsWith("These are my notes");
    }

    @Test
    void aFileThatIsNotADatabaseIsNamedInTheErrorWhenTheDialectIsDiscovered() throws Exception {
        Path notADb = Files.writeString(dir.resolve("notes.db"), "These are my notes, not a database.\n".repeat(200));
        LocalFolderStore store = LocalFolderStore.at(storeDir);

        Throwable thrown = catchThrowable(() -> BackupService.builder()
                .dataSource(FaultTestKit.dataSource(notADb))
                .store(store)
                .options(BackupOptions.builder().tempDirectory(tempDir).build())
                .build()
                .backup());

        assertThat(thrown).isInstanceOf(SnapshotException.class)
                .hasMessageContaining(notADb.toString())
                .hasMessageContaining("not a SQLite database");
        assertNothingLeft(store);
    }

    @ParameterizedTest(name = "journal_mode={0}")
    @ValueSource(strings = {"DELETE", "TRUNCATE"})
    void aDatabaseLockedForLongerThanTheLockTimeoutGivesALockError(String journalMode) throws Exception {
        Path db = dir.resolve("locked.db");
        FaultTestKit.exec(db, "PRAGMA journal_mode=" + journalMode, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'one')");
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        try (Connection holder = FaultTestKit.dataSource(db).getConnection(); Statement s = holder.createStatement()) {
            s.execute("BEGIN EXCLUSIVE");
            s.execute("INSERT INTO t VALUES (2, 'two')");

            long started = System.nanoTime();
            Throwable thrown = catchThrowable(() -> service(FaultTestKit.dataSource(db), store,
                    BackupOptions.builder().lockTimeout(Duration.ofMillis(500))).backup());
            long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            assertThat(thrown).isInstanceOf(SnapshotException.class)
                    .hasMessageContaining("locked")
                    .hasMessageContaining(db.toString())
                    .hasMessageContaining("500 ms");
            assertThat(elapsedMs).as("time until the lock error").isBetween(400L, 10_000L);
            s.execute("ROLLBACK");
        }
        assertNothingLeft(store);
    }

    @Test
    void aLockTakenWhileTheSnapshotIsCopiedLeavesNoCopyBehind() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        FaultTestKit.exec(db, "PRAGMA journal_mode=DELETE");
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        try (Connection holder = FaultTestKit.dataSource(db).getConnection(); Statement s = holder.createStatement()) {
            // The writer takes its exclusive lock right between the dialect's first look at the
            // database and its copy, after the copy's temporary file was created.
            DataSource lockingJustBeforeTheCopy = intercepting(FaultTestKit.dataSource(db), sql -> {
                if (sql.startsWith("VACUUM INTO")) {
                    assertThat(FaultTestKit.everythingIn(tempDir)).as("the copy's file exists by now").isNotEmpty();
                    s.execute("BEGIN EXCLUSIVE");
                }
            });

            Throwable thrown = catchThrowable(() -> service(lockingJustBeforeTheCopy, store,
                    BackupOptions.builder().lockTimeout(Duration.ofMillis(300))).backup());

            assertThat(thrown).isInstanceOf(SnapshotException.class).hasMessageContaining("locked");
            s.execute("ROLLBACK");
        }
        assertNothingLeft(store);
    }

    /** Something a test runs before the wrapped data source's connections prepare a statement. */
    @FunctionalInterface
    interface BeforePrepare {
        void run(String sql) throws Exception;
    }

    private static DataSource intercepting(DataSource target, BeforePrepare hook) {
        return (DataSource) java.lang.reflect.Proxy.newProxyInstance(BackupFaultTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    Object result = invoke(target, method, args);
                    if (!method.getName().equals("getConnection")) {
                        return result;
                    }
                    Connection connection = (Connection) result;
                    return java.lang.reflect.Proxy.newProxyInstance(BackupFaultTest.class.getClassLoader(),
                            new Class<?>[] {Connection.class}, (p, m, a) -> {
                                if (m.getName().equals("prepareStatement") && a != null && a[0] instanceof String sql) {
                                    hook.run(sql);
                                }
                                return invoke(connection, m, a);
                            });
                });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void aWalDatabaseHeldInExclusiveLockingModeGivesALockError() throws Exception {
        Path db = dir.resolve("exclusive-wal.db");
        FaultTestKit.exec(db, "PRAGMA journal_mode=WAL", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'one')");
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        try (Connection holder = FaultTestKit.dataSource(db).getConnection(); Statement s = holder.createStatement()) {
            s.execute("PRAGMA locking_mode=EXCLUSIVE");
            s.execute("INSERT INTO t VALUES (2, 'two')"); // takes the exclusive lock and keeps it

            Throwable thrown = catchThrowable(() -> service(FaultTestKit.dataSource(db), store,
                    BackupOptions.builder().lockTimeout(Duration.ofMillis(500))).backup());

            assertThat(thrown).isInstanceOf(SnapshotException.class)
                    .hasMessageContaining("locked")
                    .hasMessageContaining(db.toString());
        }
        assertNothingLeft(store);
    }

    @Test
    void aStoreFolderBelowARegularFileIsRejectedByPath() throws Exception {
        Path file = Files.writeString(dir.resolve("plain-file"), "x");
        Path folder = file.resolve("backups");

        assertThatThrownBy(() -> LocalFolderStore.at(folder))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(folder.toString())
                .hasMessageContaining(file + " is a file, not a folder");
        assertThat(file).isRegularFile().hasContent("x");
    }

    @Test
    void aStoreFolderThatBecameUnwritableFailsTheBackupWithAStorageError() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        // The folder disappears after the store was opened, and a regular file takes its name.
        Files.delete(storeDir);
        Files.writeString(storeDir, "not a folder any more");

        assertThatThrownBy(() -> service(db, store).backup())
                .isInstanceOf(StorageException.class)
                .hasMessageContaining(storeDir.toString());

        assertThat(storeDir).isRegularFile().hasContent("not a folder any more");
        assertThat(FaultTestKit.everythingIn(tempDir)).isEmpty();
        Files.delete(storeDir);
        assertThat(LocalFolderStore.at(storeDir).list()).isEmpty();
    }

    @ParameterizedTest(name = "disk full after {0} bytes")
    @ValueSource(longs = {0, 100, 100_000})
    void aDiskThatFillsUpMidWriteGivesAStorageErrorAndLeavesNothing(long limit) throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        assertThat(Files.size(db)).as("database size").isGreaterThan(2L << 20);
        FailingStore store = new FailingStore(LocalFolderStore.at(storeDir), limit);

        assertThatThrownBy(() -> service(db, store).backup())
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("No space left")
                .hasMessageContaining(storeDir.toString());

        assertNothingLeft(store);
        // The same database fits a store with room, and its archive is larger than every limit above.
        BackupService roomy = service(db, LocalFolderStore.at(storeDir));
        BackupManifest manifest = roomy.backup();
        assertThat(roomy.info(manifest.id()).sizeBytes()).isGreaterThan(200_000L);
    }

    @Test
    void aDiskThatFillsUpWhileTheSidecarIsWrittenRemovesTheArchiveToo() throws Exception {
        Path db = dir.resolve("small.db");
        FaultTestKit.exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (1, 'one')");
        LocalFolderStore folder = LocalFolderStore.at(storeDir);
        long archiveSize = Files.size(storeDir.resolve(service(db, folder).backup().id() + ".tar.zst"));
        for (Path p : FaultTestKit.everythingIn(storeDir)) {
            Files.delete(p);
        }
        assertThat(archiveSize).isPositive();
        // The archive goes through; the sidecar that follows it finds the disk full.
        Store store = new SidecarFailingStore(folder);

        assertThatThrownBy(() -> service(db, store).backup())
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("No space left")
                .hasMessageContaining("sidecar");

        assertNothingLeft(store);
    }

    @Test
    void aRedactionRuleNamingAnUnknownColumnFailsBeforeAnythingIsWritten() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        BackupService service = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(store)
                .redaction(RedactionRules.builder().setNull("users", "pasword_hash").build())
                .options(BackupOptions.builder().tempDirectory(tempDir).build())
                .build();

        assertThatThrownBy(service::backup)
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("users")
                .hasMessageContaining("pasword_hash");
        assertNothingLeft(store);
    }

    @Test
    void aRedactionRuleNamingAnUnknownTableFailsBeforeAnythingIsWritten() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        BackupService service = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(store)
                .redaction(RedactionRules.builder().excludeTable("sessions").build())
                .options(BackupOptions.builder().tempDirectory(tempDir).build())
                .build();

        assertThatThrownBy(service::backup)
                .isInstanceOf(BackupException.class)
                .hasMessageContaining("sessions");
        assertNothingLeft(store);
    }

    @ParameterizedTest(name = "journal_mode={0}")
    @ValueSource(strings = {"WAL", "DELETE"})
    void aBackupCancelledByInterruptStopsAndLeavesNothing(String journalMode) throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        FaultTestKit.exec(db, "PRAGMA journal_mode=" + journalMode);
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        BackupService service = service(FaultTestKit.dataSource(db), store, BackupOptions.builder().insertBatchRows(20));
        List<Phase> phases = new ArrayList<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread backup = new Thread(() -> {
            try {
                service.backup(BackupRequest.defaults().withListener(p -> {
                    phases.add(p.phase());
                    if (p.phase() == Phase.DATA) {
                        Thread.currentThread().interrupt();
                    }
                }));
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "backup");
        backup.start();
        backup.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(backup.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(BackupException.class).hasMessageContaining("cancelled");
        assertThat(phases).doesNotContain(Phase.COMMIT, Phase.DONE);
        assertNothingLeft(store);
    }

    @Test
    void aBackupInterruptedWhileItWritesToTheStoreIsReportedAsCancelled() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        LocalFolderStore folder = LocalFolderStore.at(storeDir);
        AtomicReference<Thread> backupThread = new AtomicReference<>();
        // The interrupt lands exactly while the backup's own thread hands bytes to the store, as
        // when an application cancels a backup task (Future.cancel(true)) at an arbitrary moment.
        Store store = new InterruptingStore(folder, backupThread);
        BackupService service = service(FaultTestKit.dataSource(db), store,
                BackupOptions.builder().compression(io.backupkit.Compression.none()).chunkBytes(4096));
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread backup = new Thread(() -> {
            backupThread.set(Thread.currentThread());
            try {
                service.backup();
            } catch (Throwable t) {
                thrown.set(t);
            }
        }, "backup");
        backup.start();
        backup.join(TimeUnit.SECONDS.toMillis(20));

        assertThat(backup.isAlive()).isFalse();
        assertThat(thrown.get()).isInstanceOf(BackupException.class)
                .isNotInstanceOf(StorageException.class)
                .hasMessageContaining("cancelled");
        assertNothingLeft(folder);
    }

    @Test
    void twoConcurrentBackupsOfTheSameDatabaseIntoTheSameStoreBothSucceed() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        LocalFolderStore store = LocalFolderStore.at(storeDir);
        // The same clock instant for both, so their ids differ only by the random suffix.
        Clock sameMillisecond = Clock.fixed(Instant.parse("2026-11-26T10:15:00.123Z"), ZoneOffset.UTC);
        BackupService service = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(store)
                .clock(sameMillisecond)
                .options(BackupOptions.builder().tempDirectory(tempDir).build())
                .build();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<BackupManifest>> futures = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                String label = "run-" + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    return service.backup(BackupRequest.labelled(label));
                }));
            }
            start.countDown();
            BackupManifest a = futures.get(0).get(25, TimeUnit.SECONDS);
            BackupManifest b = futures.get(1).get(25, TimeUnit.SECONDS);

            assertThat(a.id()).isNotEqualTo(b.id());
            assertThat(a.id().substring(0, 19)).isEqualTo(b.id().substring(0, 19));
            assertThat(service.list()).extracting(i -> i.id()).containsExactlyInAnyOrder(a.id(), b.id());
            assertThat(service.verify(a.id()).ok()).isTrue();
            assertThat(service.verify(b.id()).ok()).isTrue();
            assertThat(service.info(a.id()).labels()).containsExactly("run-0");
            assertThat(service.info(b.id()).labels()).containsExactly("run-1");
            assertThat(a.totalRows()).isEqualTo(b.totalRows());
            assertThat(FaultTestKit.everythingIn(storeDir)).extracting(p -> p.getFileName().toString())
                    .containsExactlyInAnyOrder(a.id() + ".tar.zst", a.id() + ".json", b.id() + ".tar.zst",
                            b.id() + ".json");
            assertThat(FaultTestKit.everythingIn(tempDir)).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    /** Delegates to a store, except that sidecar uploads ({@code ID.json}) run out of space at once. */
    private static final class SidecarFailingStore extends io.backupkit.testing.StreamWrappingStore {
        private final FailingStore full;

        SidecarFailingStore(Store delegate) {
            super(delegate);
            this.full = new FailingStore(delegate, 10);
        }

        @Override
        public Upload upload(String name) throws java.io.IOException {
            return name.endsWith(".json") ? full.upload(name) : super.upload(name);
        }

        @Override
        protected java.io.OutputStream wrap(String name, java.io.OutputStream out) {
            return out;
        }
    }

    /**
     * Delegates to a store; the first time the backup's own thread writes bytes to an upload, that
     * thread is interrupted just before the bytes are handed on.
     */
    private static final class InterruptingStore extends io.backupkit.testing.StreamWrappingStore {
        private final AtomicReference<Thread> target;

        InterruptingStore(Store delegate, AtomicReference<Thread> target) {
            super(delegate);
            this.target = target;
        }

        @Override
        protected java.io.OutputStream wrap(String name, java.io.OutputStream upload) {
            return new java.io.FilterOutputStream(upload) {
                private boolean interrupted;

                @Override
                public void write(byte[] b, int off, int len) throws java.io.IOException {
                    if (!interrupted && Thread.currentThread() == target.get()) {
                        interrupted = true;
                        Thread.currentThread().interrupt();
                    }
                    out.write(b, off, len);
                }
            };
        }
    }
}
