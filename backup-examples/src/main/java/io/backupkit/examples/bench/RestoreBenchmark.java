package io.backupkit.examples.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.HikariWriteGate;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.dialect.sqlite.SqliteDialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.sqlite.SQLiteDataSource;

/**
 * Times preview and restore of the maintenance database against the reference tools, in one run:
 * <ul>
 * <li>backup, then preview (target: at most 2x the backup), each once more in the warm JVM;</li>
 * <li>restore into a new file, against {@code sqlite3 NEW.db < dump.sql} of the same data (target 0.8x),
 *     best of three runs of each, alternating;</li>
 * <li>restore over the live database behind a HikariCP write gate while a writer makes about 100
 *     small writes per second: the write pause, max and p99 write latency, and failed writes.</li>
 * </ul>
 *
 * <pre>
 * mvn -B -q install -DskipTests
 * mvn -B -q -f backup-examples exec:exec@restore-benchmark -Dbench.scale=20
 * </pre>
 */
public final class RestoreBenchmark {

    private RestoreBenchmark() {
    }

    /** Arguments: scale (default 20), work folder (default target/bench), repetitions (default 3). */
    public static void main(String[] args) throws Exception {
        int scale = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        Path work = Path.of(args.length > 1 ? args[1] : "target/bench").toAbsolutePath();
        int repetitions = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Files.createDirectories(work);
        Path source = BackupBenchmark.generated(work, scale);
        Path live = work.resolve("restore-live.db");
        Files.deleteIfExists(live);
        Files.copy(source, live);
        System.out.printf("database: %s (%,d bytes), max heap %d MiB%n", source, Files.size(source),
                Runtime.getRuntime().maxMemory() >> 20);

        Path storeDir = work.resolve("restore-store");
        BackupBenchmark.deleteTree(storeDir);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl("jdbc:sqlite:" + live);
        config.setAllowPoolSuspension(true);
        config.setMaximumPoolSize(4);
        config.setConnectionTimeout(30_000);
        config.addDataSourceProperty("busy_timeout", "10000");
        try (HikariDataSource pool = new HikariDataSource(config)) {
            BackupService service = BackupService.builder().dataSource(pool).dialect(new SqliteDialect())
                    .store(LocalFolderStore.at(storeDir)).build();
            long t0 = System.nanoTime();
            BackupManifest manifest = service.backup();
            double backup = seconds(t0);

            execute(pool, "DELETE FROM ticket_comments WHERE id % 10 = 0");
            long t1 = System.nanoTime();
            RestorePreview preview = service.preview(manifest.id());
            double previewTime = seconds(t1);
            System.out.printf("backup %.2f s; preview %.2f s (ratio %.2f): %s%n", backup, previewTime,
                    previewTime / backup, preview.summary());
            // The same two again in a warm JVM: the first of each paid for the JIT.
            long warmStart = System.nanoTime();
            service.backup();
            double warmBackup = seconds(warmStart);
            long warmPreviewStart = System.nanoTime();
            service.preview(manifest.id());
            double warmPreview = seconds(warmPreviewStart);
            System.out.printf("warm: backup %.2f s; preview %.2f s (ratio %.2f)%n", warmBackup, warmPreview,
                    warmPreview / warmBackup);

            Path fresh = work.resolve("restore-fresh.db");
            Files.deleteIfExists(fresh);
            SQLiteDataSource freshSource = new SQLiteDataSource();
            freshSource.setUrl("jdbc:sqlite:" + fresh);
            BackupService freshService = BackupService.builder().dataSource(freshSource).dialect(new SqliteDialect())
                    .store(LocalFolderStore.at(storeDir)).build();
            // Best of `repetitions` for each, alternating, so that a slow moment of the machine
            // does not decide a ratio.
            Path dump = work.resolve("restore-dump.sql");
            BackupBenchmark.run(List.of("sh", "-c", "sqlite3 '" + source + "' .dump > '" + dump + "'"));
            Path reference = work.resolve("restore-reference.db");
            double restoreFresh = Double.MAX_VALUE;
            double restoreFreshUnchecked = Double.MAX_VALUE;
            double sqliteLoad = Double.MAX_VALUE;
            for (int run = 1; run <= repetitions; run++) {
                Files.deleteIfExists(fresh);
                long t2 = System.nanoTime();
                freshService.restore(manifest.id(), RestoreOptions.builder().safetyBackup(false).build());
                double checked = seconds(t2);
                // the same without the content check (verifyContent(false)), to show what it costs
                Files.deleteIfExists(fresh);
                long t2b = System.nanoTime();
                freshService.restore(manifest.id(), RestoreOptions.builder().safetyBackup(false).verifyContent(false)
                        .build());
                double unchecked = seconds(t2b);
                Files.deleteIfExists(reference);
                long t3 = System.nanoTime();
                BackupBenchmark.run(List.of("sh", "-c", "sqlite3 '" + reference + "' < '" + dump + "'"));
                double load = seconds(t3);
                System.out.printf("run %d: restore into a new file %.2f s (without the content check %.2f s); "
                        + "sqlite3 NEW.db < dump.sql %.2f s%n", run, checked, unchecked, load);
                restoreFresh = Math.min(restoreFresh, checked);
                restoreFreshUnchecked = Math.min(restoreFreshUnchecked, unchecked);
                sqliteLoad = Math.min(sqliteLoad, load);
            }
            System.out.printf("best of %d: restore into a new file %.2f s (without the content check %.2f s); "
                    + "sqlite3 NEW.db < dump.sql %.2f s; ratio %.2f (without the content check %.2f)%n",
                    repetitions, restoreFresh, restoreFreshUnchecked, sqliteLoad, restoreFresh / sqliteLoad,
                    restoreFreshUnchecked / sqliteLoad);

            AtomicBoolean running = new AtomicBoolean(true);
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            AtomicInteger failures = new AtomicInteger();
            Thread writer = new Thread(() -> {
                while (running.get()) {
                    long w = System.nanoTime();
                    try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO audit_logs (user_id, action, details, ip, timestamp) "
                                    + "VALUES (1, 'BENCH', 'write during restore', '127.0.0.1', 'now')")) {
                        ps.executeUpdate();
                        latencies.add(System.nanoTime() - w);
                    } catch (Exception e) {
                        failures.incrementAndGet();
                    }
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "writer");
            writer.start();
            long t4 = System.nanoTime();
            RestoreResult result = service.restore(manifest.id(), RestoreOptions.builder()
                    .writeGate(HikariWriteGate.of(pool)).maxWritePause(Duration.ofMillis(250)).build());
            double restoreLive = seconds(t4);
            Thread.sleep(500);
            running.set(false);
            writer.join();
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            long max = sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
            long p99 = sorted.isEmpty() ? 0 : sorted.get((int) Math.floor(sorted.size() * 0.99) - (sorted.size() > 1 ? 1 : 0));
            System.out.printf("restore over the live database %.2f s (safety backup included); writes held %d ms; "
                            + "%d writes, max latency %.1f ms, p99 %.1f ms, %d failed%n",
                    restoreLive, result.writePause().toMillis(), sorted.size(), max / 1e6, p99 / 1e6, failures.get());
        }
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static void execute(HikariDataSource pool, String sql) throws Exception {
        try (Connection c = pool.getConnection(); var s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
