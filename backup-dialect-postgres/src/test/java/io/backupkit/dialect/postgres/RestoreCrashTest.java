package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupService;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restoring JVM killed with {@code kill -9} leaves the live schema exactly as it was, or fully
 * restored if the kill came after the commit, and never a staging schema: the whole restore is
 * one transaction that the server rolls back when the connection drops.
 */
class RestoreCrashTest {

    @TempDir
    Path store;

    @Test
    void aKilledRestoreLeavesTheLiveSchemaOldOrNewAndNothingBehind() throws Exception {
        String db = PgTestServer.newDatabase("crash");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            PostgresDialectTest.exec(pool, "CREATE TABLE big (id int PRIMARY KEY, payload text, n numeric)",
                    "INSERT INTO big SELECT i, repeat(md5(i::text), 4), i * 1.5 FROM generate_series(1, 60000) i",
                    "CREATE INDEX big_payload ON big (payload)");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            String id = service.backup().id();
            Map<String, String> backedUp = PgTestKit.content(db, "public");
            PostgresDialectTest.exec(pool, "DELETE FROM big WHERE id % 2 = 0");
            Map<String, String> live = PgTestKit.content(db, "public");

            // exactly while the staging schema is complete and uncommitted
            kill(db, id, "hang", -1);
            assertOldOrNew(pool, db, live, backedUp, true);

            // and at random points
            Random random = new Random(8);
            List<String> outcomes = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int delay = 100 + random.nextInt(1200);
                boolean restored = kill(db, id, "", delay);
                Map<String, String> now = PgTestKit.content(db, "public");
                outcomes.add(delay + " ms: " + (now.equals(backedUp) ? "new" : "old")
                        + (restored ? " (finished before the kill)" : ""));
                assertOldOrNew(pool, db, live, backedUp, false);
                if (restored || now.equals(backedUp)) {
                    PostgresDialectTest.exec(pool, "DELETE FROM big WHERE id % 2 = 0");
                }
            }
            System.out.println("PostgreSQL RestoreCrashTest: " + outcomes);
        }
    }

    private static void assertOldOrNew(HikariDataSource pool, String db, Map<String, String> old,
                                       Map<String, String> restored, boolean mustBeOld) throws Exception {
        Map<String, String> now = PgTestKit.content(db, "public");
        if (mustBeOld) {
            assertThat(now).isEqualTo(old);
        } else {
            assertThat(now).isIn(old, restored);
        }
        // the killed backend goes away once the server sees the dropped connection
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<String> schemas;
        do {
            schemas = new ArrayList<>(RestoreRoundTripTest.schemas(pool));
            schemas.removeIf(n -> !n.startsWith("backupkit_"));
            if (schemas.isEmpty()) {
                break;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        assertThat(schemas).as("staging schemas left behind").isEmpty();
        try (Connection c = pool.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_namespace WHERE nspname = 'public'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    /** Runs a restore in a child JVM and kills it; returns whether it finished first. */
    private boolean kill(String db, String id, String mode, long delayMillis) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", classPath, RestoreInChildJvm.class.getName(), PgTestServer.url(db), store.toString(),
                id));
        if (!mode.isEmpty()) {
            command.add(mode);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                for (String line; (line = out.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (java.io.IOException ignored) {
                // the process was killed
            }
        });
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String awaited = delayMillis < 0 ? "STAGED" : "START";
        while (System.nanoTime() < deadline) {
            synchronized (lines) {
                if (lines.contains(awaited)) {
                    break;
                }
            }
            if (!process.isAlive()) {
                break;
            }
            Thread.sleep(5);
        }
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
        reader.join(5000);
        synchronized (lines) {
            assertThat(lines).as("child output").contains(delayMillis < 0 ? "STAGED" : "START");
            return lines.contains("RESTORED");
        }
    }
}
