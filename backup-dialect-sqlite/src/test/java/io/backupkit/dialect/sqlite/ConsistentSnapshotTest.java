package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consistency test: while a writer thread keeps moving amounts between accounts in
 * transactions that keep the total constant, a backup must capture one point in time (the total
 * inside the backup equals the invariant), and the writer must never fail with SQLITE_BUSY.
 *
 * <p>Every transfer also moves an amount between an account and a one-row {@code reserve} table,
 * which the backup reads in a separate statement after the 200,000 accounts: one statement is
 * always consistent by itself in SQLite, so only a sum across both tables proves that the whole
 * backup is one read transaction.
 */
class ConsistentSnapshotTest {

    private static final int ACCOUNTS = 200_000;
    private static final long BALANCE = 1_000;
    private static final long RESERVE = 1_000_000;
    private static final long INVARIANT = ACCOUNTS * BALANCE + RESERVE;
    private static final String TOTAL = "SELECT (SELECT sum(balance) FROM accounts) + (SELECT sum(balance) FROM reserve)";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "journal_mode={0}")
    @ValueSource(strings = {"WAL", "DELETE"})
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void backupOfALiveDatabaseIsOnePointInTimeAndNeverBlocksTheWriter(String journalMode) throws Exception {
        Path db = dir.resolve("live.db");
        FaultTestKit.exec(db,
                "PRAGMA journal_mode=" + journalMode,
                "CREATE TABLE accounts (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, padding TEXT NOT NULL)",
                "CREATE TABLE transfers_done (k TEXT PRIMARY KEY, n INTEGER NOT NULL)",
                "INSERT INTO transfers_done VALUES ('count', 0)",
                "CREATE TABLE reserve (id INTEGER PRIMARY KEY, balance INTEGER NOT NULL)",
                "INSERT INTO reserve VALUES (1, " + RESERVE + ")",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + ACCOUNTS + ") "
                        + "INSERT INTO accounts SELECT i, " + BALANCE + ", hex(randomblob(100)) FROM n");
        assertThat(FaultTestKit.queryString(db, "PRAGMA journal_mode")).isEqualToIgnoringCase(journalMode);

        Path store = dir.resolve("store");
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        AtomicLong commits = new AtomicLong();
        Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        long[] commitsAtData = {-1};

        try (HikariDataSource writerPool = pool(db, "writer"); HikariDataSource appPool = pool(db, "app")) {
            Thread writer = new Thread(() -> transferLoop(writerPool, commits, failures, stop), "writer");
            writer.start();
            try {
                // Let the writer get going so the backup starts in the middle of a stream of commits.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (commits.get() < 20 && System.nanoTime() < deadline && failures.isEmpty()) {
                    Thread.sleep(5);
                }
                assertThat(commits.get()).as("writer commits before the backup (failures: %s)", failures)
                        .isGreaterThanOrEqualTo(20);

                BackupService service = BackupService.builder()
                        .dataSource(appPool)
                        .store(LocalFolderStore.at(store))
                        .options(BackupOptions.builder().insertBatchRows(50).tempDirectory(temp).build())
                        .build();
                long commitsAtStart = commits.get();
                BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(p -> {
                    if (p.phase() == Phase.DATA && commitsAtData[0] < 0) {
                        commitsAtData[0] = commits.get();
                    }
                }));
                long commitsAtEnd = commits.get();

                stop.set(true);
                writer.join(TimeUnit.SECONDS.toMillis(20));
                assertThat(writer.isAlive()).isFalse();
                assertThat(failures).as("writer failures (SQLITE_BUSY or other)").isEmpty();

                // The writer really ran while the backup read the rows, so the test proves concurrency.
                assertThat(commitsAtData[0]).isGreaterThanOrEqualTo(commitsAtStart);
                assertThat(commitsAtEnd).as("writer commits between the first row read and the end")
                        .isGreaterThan(commitsAtData[0]);

                assertThat(service.verify(manifest.id()).ok()).isTrue();
                Path script = dir.resolve("export.sql");
                try (OutputStream out = Files.newOutputStream(script)) {
                    service.exportSql(manifest.id(), out);
                }
                Path restored = FaultTestKit.sqlite3Load(script, dir.resolve("restored.db"));

                assertThat(FaultTestKit.queryLong(restored, "SELECT count(*) FROM accounts")).isEqualTo(ACCOUNTS);
                assertThat(FaultTestKit.queryLong(restored, TOTAL))
                        .as("sum of balances inside the backup").isEqualTo(INVARIANT);
                long inSnapshot = FaultTestKit.queryLong(restored, "SELECT n FROM transfers_done");
                // The snapshot is a point in time before the rows were read: transfers committed while
                // they were read are not in it.
                assertThat(inSnapshot).as("transfers in the snapshot")
                        .isGreaterThanOrEqualTo(commitsAtStart)
                        .isLessThanOrEqualTo(commitsAtData[0] + 1)
                        .isLessThan(commitsAtEnd);
                assertThat(manifest.tables()).filteredOn(t -> t.name().equals("accounts"))
                        .singleElement().satisfies(t -> assertThat(t.rows()).isEqualTo(ACCOUNTS));

                if (journalMode.equals("DELETE")) {
                    assertThat(manifest.warnings()).anySatisfy(w -> assertThat(w).contains("WAL"));
                    assertThat(manifest.source().properties()).containsEntry("journal_mode", "delete");
                } else {
                    assertThat(manifest.warnings()).noneSatisfy(w -> assertThat(w).contains("not WAL"));
                }
                assertThat(FaultTestKit.everythingIn(temp)).as("snapshot copies left in the temp directory").isEmpty();
            } finally {
                stop.set(true);
                writer.join(TimeUnit.SECONDS.toMillis(20));
            }
        }
        // The live database kept its invariant too: the writer's transactions are correct.
        assertThat(FaultTestKit.queryLong(db, TOTAL)).isEqualTo(INVARIANT);
        assertThat(FaultTestKit.queryLong(db, "SELECT n FROM transfers_done")).isEqualTo(commits.get());
    }

    private static HikariDataSource pool(Path db, String name) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl("jdbc:sqlite:" + db.toAbsolutePath());
        config.addDataSourceProperty("busy_timeout", "5000");
        config.setMaximumPoolSize(2);
        config.setMinimumIdle(1);
        return new HikariDataSource(config);
    }

    /** Moves random amounts between random accounts, one transaction per move, until stopped. */
    private static void transferLoop(HikariDataSource pool, AtomicLong commits, Queue<Throwable> failures,
                                     AtomicBoolean stop) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement debit = c.prepareStatement("UPDATE accounts SET balance = balance - ? WHERE id = ?");
                 PreparedStatement credit = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?");
                 PreparedStatement count = c.prepareStatement("UPDATE transfers_done SET n = n + 1");
                 PreparedStatement reserve = c.prepareStatement("UPDATE reserve SET balance = balance - ?");
                 PreparedStatement payout = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
                while (!stop.get()) {
                    int from = 1 + random.nextInt(ACCOUNTS);
                    int to = 1 + random.nextInt(ACCOUNTS);
                    int amount = 1 + random.nextInt(500);
                    try {
                        debit.setInt(1, amount);
                        debit.setInt(2, from);
                        if (debit.executeUpdate() != 1) {
                            throw new IllegalStateException("no account " + from);
                        }
                        credit.setInt(1, amount);
                        credit.setInt(2, to);
                        if (credit.executeUpdate() != 1) {
                            throw new IllegalStateException("no account " + to);
                        }
                        int fromReserve = random.nextInt(-50, 51);
                        reserve.setInt(1, fromReserve);
                        reserve.executeUpdate();
                        payout.setInt(1, fromReserve);
                        payout.setInt(2, 1 + random.nextInt(ACCOUNTS));
                        payout.executeUpdate();
                        count.executeUpdate();
                        c.commit();
                        commits.incrementAndGet();
                    } catch (SQLException | RuntimeException e) {
                        failures.add(e);
                        try {
                            c.rollback();
                        } catch (SQLException rollback) {
                            failures.add(rollback);
                        }
                    }
                }
            }
        } catch (SQLException e) {
            failures.add(e);
        }
    }
}
