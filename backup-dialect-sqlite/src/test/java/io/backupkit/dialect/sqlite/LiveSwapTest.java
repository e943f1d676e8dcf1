package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupException;
import io.backupkit.BackupService;
import io.backupkit.HikariWriteGate;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full restore under load, as the application would see it: the live database (the maintenance
 * reference database, WAL mode) is served by a HikariCP pool with {@code allowPoolSuspension};
 * a writer makes about 100 small writes per second, each in its own transaction through the pool,
 * and a reader checks in every read transaction that it sees one whole database, old or new.
 *
 * <p>The old and new states are told apart by a one-row {@code marker} table ('old' / 'new') and a
 * {@code ledger} table of 40 / 100 rows; a read that pairs 'old' with 100 rows or 'new' with 40
 * saw a mix.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LiveSwapTest {

    private static final Duration MAX_PAUSE = Duration.ofMillis(250);

    @TempDir
    Path dir;

    private Path live;
    private Path newState;
    private BackupService service;
    private String backupId;
    private HikariDataSource pool;

    @BeforeEach
    void databaseWithBackupOfTheNewState() throws Exception {
        live = SqliteTestTools.maintenanceDb(Files.createDirectories(dir.resolve("live")));
        FaultTestKit.exec(live,
                "CREATE TABLE marker (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)",
                "CREATE TABLE ledger (id INTEGER PRIMARY KEY, state TEXT NOT NULL)",
                "CREATE TABLE writes (n INTEGER PRIMARY KEY, started_nanos INTEGER NOT NULL)",
                "INSERT INTO marker VALUES (1, 'new')",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                        + "INSERT INTO ledger SELECT i, 'new' FROM n");
        service = RestoreTestKit.service(live, dir.resolve("store"), Files.createDirectories(dir.resolve("tmp")));
        backupId = service.backup().id();
        newState = RestoreTestKit.snapshotCopy(live, dir.resolve("new-state.db"));
        // The live database moves on: the "old" state the restore replaces.
        FaultTestKit.exec(live,
                "UPDATE marker SET state = 'old'",
                "DELETE FROM ledger WHERE id > 40",
                "UPDATE ledger SET state = 'old'",
                "DELETE FROM ticket_comments WHERE id % 3 = 0");
        assertThat(SqliteTestTools.pragma(live, "journal_mode")).isEqualTo("wal");

        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + live);
        config.setPoolName("live-swap-test");
        config.setAllowPoolSuspension(true);
        config.setConnectionTimeout(10_000);
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
    }

    @AfterEach
    void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    /** One write: its sequence number, when it started and ended, and how it failed, if it did. */
    private record Write(long n, long startNanos, long endNanos, Throwable failure) {
        long latencyMillis() {
            return TimeUnit.NANOSECONDS.toMillis(endNanos - startNanos);
        }
    }

    /** A writer making about 100 writes per second through the pool, each in its own transaction. */
    private final class Writer implements Runnable {
        final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicLong counter = new AtomicLong();

        @Override
        public void run() {
            long next = System.nanoTime();
            while (!stop.get()) {
                long n = counter.incrementAndGet();
                long start = System.nanoTime();
                Throwable failure = null;
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO writes (n, started_nanos) VALUES (?, ?)")) {
                        ps.setLong(1, n);
                        ps.setLong(2, start);
                        ps.executeUpdate();
                    }
                    c.commit();
                } catch (SQLException | RuntimeException e) {
                    failure = e;
                }
                writes.add(new Write(n, start, System.nanoTime(), failure));
                // one write every 10 ms, on a fixed schedule: a write that waited is not made up for
                next = Math.max(next + 10_000_000, System.nanoTime());
                sleep(TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()));
            }
        }
    }

    /** A reader checking, in every read transaction, that the marker and the ledger agree. */
    private final class Reader implements Runnable {
        final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        final AtomicLong oldReads = new AtomicLong();
        final AtomicLong newReads = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();

        @Override
        public void run() {
            while (!stop.get()) {
                try (Connection c = pool.getConnection()) {
                    c.setAutoCommit(false);
                    String state;
                    long rows;
                    long rowsInState;
                    try (Statement s = c.createStatement()) {
                        try (ResultSet rs = s.executeQuery("SELECT state FROM marker")) {
                            rs.next();
                            state = rs.getString(1);
                        }
                        try (ResultSet rs = s.executeQuery("SELECT count(*), sum(state = "
                                + "(SELECT state FROM marker)) FROM ledger")) {
                            rs.next();
                            rows = rs.getLong(1);
                            rowsInState = rs.getLong(2);
                        }
                    }
                    c.commit();
                    boolean consistent = ("old".equals(state) && rows == 40 || "new".equals(state) && rows == 100)
                            && rowsInState == rows;
                    if (!consistent) {
                        problems.add("read saw marker " + state + " with " + rows + " ledger rows (" + rowsInState
                                + " in that state)");
                    } else if ("old".equals(state)) {
                        oldReads.incrementAndGet();
                    } else {
                        newReads.incrementAndGet();
                    }
                } catch (SQLException | RuntimeException e) {
                    problems.add("read failed: " + e);
                }
                sleep(3);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void writesWaitDuringTheSwapAndNoneFails() throws Exception {
        Writer writer = new Writer();
        Reader reader = new Reader();
        Thread writerThread = new Thread(writer, "writer");
        Thread readerThread = new Thread(reader, "reader");
        writerThread.start();
        readerThread.start();
        sleep(500);

        long restoreStarted = System.nanoTime();
        // The application hands the library its own pool, for backups and restores alike.
        BackupService viaPool = RestoreTestKit.service(pool, dir.resolve("store"), dir.resolve("tmp"));
        RestoreResult result = viaPool.restore(backupId, RestoreOptions.builder()
                .writeGate(HikariWriteGate.of(pool)).maxWritePause(MAX_PAUSE).build());
        long restoreEnded = System.nanoTime();

        sleep(700);
        writer.stop.set(true);
        reader.stop.set(true);
        writerThread.join(10_000);
        readerThread.join(10_000);

        List<Write> writes = new ArrayList<>(writer.writes);
        List<Long> latencies = writes.stream().map(Write::latencyMillis).sorted().toList();
        long max = latencies.get(latencies.size() - 1);
        long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
        double seconds = (writes.get(writes.size() - 1).endNanos - writes.get(0).startNanos) / 1e9;
        System.out.printf("LiveSwapTest: restore %d ms, writes held %d ms; %d writes in %.1f s (%.0f/s), "
                        + "write latency max %d ms, p99 %d ms; reads: %d old, %d new%n",
                result.duration().toMillis(), result.writePause().toMillis(), writes.size(), seconds,
                writes.size() / seconds, max, p99, reader.oldReads.get(), reader.newReads.get());

        assertThat(writes.stream().filter(w -> w.failure() != null).map(w -> "write " + w.n() + ": " + w.failure()))
                .as("failed writes").isEmpty();
        assertThat(result.writePause()).as("how long writes were held").isLessThanOrEqualTo(MAX_PAUSE);
        assertThat(reader.problems).as("reads that saw a mix of old and new, or failed").isEmpty();
        assertThat(reader.oldReads.get()).as("reads of the old database").isPositive();
        assertThat(reader.newReads.get()).as("reads of the new database").isPositive();
        assertThat(writes.stream().filter(w -> w.startNanos() > restoreEnded).count())
                .as("writes after the restore").isGreaterThan(10);

        // The restored state is the backup's plus writes made after the swap.
        Set<Long> present = new HashSet<>();
        for (List<String> row : SqliteTestTools.query(live, "SELECT n FROM writes")) {
            present.add(Long.parseLong(row.get(0)));
        }
        assertThat(present).as("every write that started after the restore returned is in the live database")
                .containsAll(writes.stream().filter(w -> w.startNanos() > restoreEnded).map(Write::n).toList());
        assertThat(present).as("no write that finished before the restore started survived the swap")
                .doesNotContainAnyElementsOf(writes.stream().filter(w -> w.endNanos() < restoreStarted)
                        .map(Write::n).toList());
        assertThat(present).as("only acknowledged writes")
                .isSubsetOf(writes.stream().map(Write::n).toList());
        pool.close();
        assertThat(withoutWrites(SqliteTestTools.dumpSorted(live)))
                .as("the live database, apart from the writes table, is the backup")
                .isEqualTo(withoutWrites(SqliteTestTools.dumpSorted(newState)));
        SqliteTestTools.assertHealthy(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
    }

    private static List<String> withoutWrites(List<String> dump) {
        return dump.stream().filter(line -> !line.startsWith("INSERT INTO writes ")).toList();
    }

    @Test
    void aConnectionHeldLongerThanTheMaximumPauseAbortsTheSwapAndReopensThePool() throws Exception {
        CountDownLatch borrowed = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            try (Connection c = pool.getConnection()) {
                borrowed.countDown();
                release.await(20, TimeUnit.SECONDS);
            } catch (SQLException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, "holder");
        holder.start();
        assertThat(borrowed.await(10, TimeUnit.SECONDS)).isTrue();

        Throwable thrown;
        try {
            thrown = catchThrowable(() -> service.restore(backupId, RestoreOptions.builder()
                    .writeGate(HikariWriteGate.of(pool)).maxWritePause(Duration.ofMillis(100)).build()));
        } finally {
            release.countDown();
            holder.join(10_000);
        }

        assertThat(thrown).isInstanceOf(BackupException.class).hasRootCauseInstanceOf(TimeoutException.class);
        // the pool is open again: a write goes through at once
        long start = System.nanoTime();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO writes (n, started_nanos) VALUES (1, 0)");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        pool.close();
        assertThat(FaultTestKit.queryString(live, "SELECT state FROM marker")).as("the live database was not replaced")
                .isEqualTo("old");
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
    }

    /**
     * A connection the gate does not hold (here: one opened outside the pool, as another process
     * or a second pool would) would keep the old file after the rename, and everything it wrote
     * afterwards would be lost without an error. The swap must notice and refuse.
     */
    @Test
    void aConnectionOutsideTheGateMakesTheSwapFailInsteadOfLosingItsWrites() throws Exception {
        pool.close();
        try (Connection outside = FaultTestKit.dataSource(live).getConnection()) {
            try (Statement s = outside.createStatement(); ResultSet rs = s.executeQuery("SELECT state FROM marker")) {
                assertThat(rs.next()).isTrue();
            }

            Throwable thrown = catchThrowable(() -> service.restore(backupId, RestoreOptions.builder()
                    .safetyBackup(false).build()));

            assertThat(thrown).isInstanceOf(BackupException.class).hasMessageContaining("still open elsewhere");
            try (Statement s = outside.createStatement()) {
                s.execute("INSERT INTO writes (n, started_nanos) VALUES (42, 0)");
            }
        }
        assertThat(FaultTestKit.queryString(live, "SELECT state FROM marker")).isEqualTo("old");
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM writes WHERE n = 42"))
                .as("the outside connection's write is in the live database").isEqualTo(1);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
    }

    @Test
    void aPoolWithoutSuspensionCannotBeAWriteGate() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + live);
        config.setPoolName("no-suspension");
        try (HikariDataSource plain = new HikariDataSource(config)) {
            assertThatThrownBy(() -> HikariWriteGate.of(plain)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("allowPoolSuspension");
        }
    }
}
