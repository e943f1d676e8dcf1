package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupService;
import io.backupkit.HikariWriteGate;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restore while the application keeps writing through its pool (prepared statements, which the
 * driver turns into server-side prepared statements): no write fails, and every write that
 * commits after the restore returns is in the restored tables.
 */
class LiveSwapTest {

    @TempDir
    Path store;

    @Test
    void writersNeverFailAndWritesAfterTheSwapLandInTheRestoredTables() throws Exception {
        String db = PgTestServer.newDatabase("liveswap");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            PostgresDialectTest.exec(pool, "CREATE TABLE events (id bigserial PRIMARY KEY, writer int, n bigint)",
                    "CREATE TABLE counters (writer int PRIMARY KEY, n bigint)",
                    "INSERT INTO counters VALUES (1, 0), (2, 0)",
                    "INSERT INTO events (writer, n) SELECT 0, i FROM generate_series(1, 20000) i");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            String id = service.backup().id();

            AtomicBoolean stop = new AtomicBoolean();
            AtomicBoolean restored = new AtomicBoolean();
            List<Throwable> errors = new CopyOnWriteArrayList<>();
            AtomicLong afterSwap = new AtomicLong();
            List<Thread> writers = new java.util.ArrayList<>();
            for (int w = 1; w <= 2; w++) {
                int writer = w;
                Thread t = new Thread(() -> {
                    long n = 0;
                    while (!stop.get()) {
                        boolean after = restored.get();
                        try (Connection c = pool.getConnection()) {
                            c.setAutoCommit(false);
                            try (PreparedStatement insert = c.prepareStatement(
                                    "INSERT INTO events (writer, n) VALUES (?, ?)");
                                 PreparedStatement update = c.prepareStatement(
                                         "UPDATE counters SET n = n + 1 WHERE writer = ?")) {
                                insert.setInt(1, writer);
                                insert.setLong(2, ++n);
                                insert.executeUpdate();
                                update.setInt(1, writer);
                                update.executeUpdate();
                            }
                            c.commit();
                            if (after) {
                                afterSwap.incrementAndGet();
                            }
                        } catch (Throwable e) {
                            errors.add(e);
                        }
                    }
                });
                t.start();
                writers.add(t);
            }
            Thread.sleep(300);
            RestoreResult result = service.restore(id, RestoreOptions.builder().writeGate(HikariWriteGate.of(pool))
                    .maxWritePause(Duration.ofSeconds(5)).build());
            restored.set(true);
            Thread.sleep(500);
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
            assertThat(errors).as("errors seen by the writers").isEmpty();
            assertThat(afterSwap.get()).isPositive();
            assertThat(result.writePause()).isLessThan(Duration.ofSeconds(5));
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM events WHERE writer > 0), "
                         + "(SELECT sum(n) FROM counters), (SELECT count(*) FROM events WHERE writer = 0)")) {
                rs.next();
                // the restored tables hold the backup plus exactly the writes committed after the swap,
                // consistently across both tables
                assertThat(rs.getLong(1)).isEqualTo(rs.getLong(2)).isGreaterThanOrEqualTo(afterSwap.get());
                assertThat(rs.getLong(3)).isEqualTo(20000);
            }
        }
    }
}
