package io.backupkit.examples;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.TableSummary;
import io.backupkit.VerificationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The interim demo (until the Javalin maintenance app lands): creates a small maintenance
 * database in {@code demo-data/app.db} (SQLite, WAL, through HikariCP), keeps a writer thread
 * busy like a live app with ticking timers, takes a backup into {@code demo-data/backups}
 * meanwhile, verifies it and prints how to get the data back with plain tools.
 *
 * <p>Run it with {@code mvn -B -q install -DskipTests && mvn -B -q -f backup-examples exec:java}.
 */
public final class DemoMain {

    private DemoMain() {
    }

    /** Runs the demo. The only argument, optional, is the data folder (default {@code demo-data}). */
    public static void main(String[] args) throws Exception {
        Path dataDir = Path.of(args.length > 0 ? args[0] : "demo-data").toAbsolutePath();
        Files.createDirectories(dataDir);
        Path db = dataDir.resolve("app.db");
        HikariConfig hikari = new HikariConfig();
        hikari.setJdbcUrl("jdbc:sqlite:" + db);
        hikari.setMaximumPoolSize(4);
        hikari.addDataSourceProperty("journal_mode", "WAL");
        hikari.addDataSourceProperty("busy_timeout", "5000");
        try (HikariDataSource dataSource = new HikariDataSource(hikari)) {
            seedIfEmpty(dataSource);

            // The five lines a host application needs.
            BackupService backups = BackupService.builder()
                    .dataSource(dataSource)
                    .store(LocalFolderStore.at(dataDir.resolve("backups")))
                    .build();

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong ticks = new AtomicLong();
            Thread app = new Thread(() -> tickTimers(dataSource, running, ticks), "live-app");
            app.start();
            BackupManifest manifest;
            try {
                manifest = backups.backup(BackupRequest.labelled("demo"));
            } finally {
                running.set(false);
                app.join();
            }
            System.out.printf("Backup %s: %d tables, %d rows, snapshot at %s%n", manifest.id(),
                    manifest.tables().size(), manifest.totalRows(), manifest.snapshotAt());
            for (TableSummary t : manifest.tables()) {
                System.out.printf("  %-24s %8d rows%n", t.name(), t.rows());
            }
            System.out.printf("The live app committed %d timer updates while the backup ran.%n", ticks.get());
            VerificationResult verification = backups.verify(manifest.id());
            System.out.println("Verified: " + (verification.ok() ? "OK" : verification.problems()));
            System.out.println("Stored backups:");
            for (BackupInfo b : backups.list()) {
                System.out.printf("  %s  %s  %,d bytes%n", b.id(), b.createdAt(), b.sizeBytes());
            }
            BackupInfo info = backups.info(manifest.id());
            Path archive = dataDir.resolve("backups").resolve(info.archiveName());
            System.out.println();
            System.out.println("Get the data back without this library:");
            System.out.println("  mkdir restore && zstd -dc " + archive + " | tar -x -C restore");
            System.out.println("  cat restore/sql/*.sql | sqlite3 restored.db");
        }
    }

    private static void seedIfEmpty(HikariDataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, "
                    + "full_name TEXT NOT NULL, role TEXT NOT NULL CHECK (role IN "
                    + "('super_admin','admin','technician','operator')))");
            s.execute("CREATE TABLE IF NOT EXISTS machines (id INTEGER PRIMARY KEY, machine_type TEXT NOT NULL, "
                    + "location TEXT)");
            s.execute("CREATE TABLE IF NOT EXISTS tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                    + "ticket_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, "
                    + "machine_id INTEGER NOT NULL REFERENCES machines(id), "
                    + "reported_by INTEGER NOT NULL REFERENCES users(id), status TEXT NOT NULL, "
                    + "timer_started_at TEXT, timer_elapsed_ms INTEGER NOT NULL DEFAULT 0, "
                    + "countdown_deadline TEXT, created_at TEXT NOT NULL)");
            s.execute("CREATE TABLE IF NOT EXISTS ticket_comments (id INTEGER PRIMARY KEY, "
                    + "ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE, "
                    + "user_id INTEGER REFERENCES users(id), comment TEXT NOT NULL, created_at TEXT NOT NULL)");
            s.execute("CREATE INDEX IF NOT EXISTS idx_tickets_status ON tickets(status)");
            s.execute("PRAGMA user_version = 3");
            try (var rs = s.executeQuery("SELECT count(*) FROM users")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return;
                }
            }
            c.setAutoCommit(false);
            Random random = new Random(20251113);
            String[] roles = {"super_admin", "admin", "technician", "operator"};
            try (PreparedStatement users = c.prepareStatement("INSERT INTO users VALUES (?,?,?,?)");
                 PreparedStatement machines = c.prepareStatement("INSERT INTO machines VALUES (?,?,?)");
                 PreparedStatement tickets = c.prepareStatement("INSERT INTO tickets (ticket_id, title, machine_id, "
                         + "reported_by, status, timer_started_at, countdown_deadline, created_at) "
                         + "VALUES (?,?,?,?,?,?,?,?)");
                 PreparedStatement comments = c.prepareStatement(
                         "INSERT INTO ticket_comments (ticket_id, user_id, comment, created_at) VALUES (?,?,?,?)")) {
                for (int i = 1; i <= 20; i++) {
                    users.setInt(1, i);
                    users.setString(2, "user" + i + "@igp.example");
                    users.setString(3, i == 1 ? "Super Admin" : "Utilisateur n°" + i);
                    users.setString(4, i == 1 ? roles[0] : roles[1 + random.nextInt(3)]);
                    users.addBatch();
                }
                users.executeBatch();
                String[] types = {"Polisseuse", "CNC", "Four", "Thermos", "Découpe"};
                for (int i = 1; i <= 10; i++) {
                    machines.setInt(1, i);
                    machines.setString(2, types[random.nextInt(types.length)]);
                    machines.setString(3, "Atelier " + (char) ('A' + random.nextInt(4)));
                    machines.addBatch();
                }
                machines.executeBatch();
                Instant now = Instant.now();
                for (int t = 1; t <= 2000; t++) {
                    tickets.setString(1, String.format("IGP-%07d", t));
                    tickets.setString(2, "Fuite d'huile sur la \"pompe\" n°" + t);
                    tickets.setInt(3, 1 + random.nextInt(10));
                    tickets.setInt(4, 1 + random.nextInt(20));
                    tickets.setString(5, t % 3 == 0 ? "in_progress" : "received");
                    tickets.setString(6, t % 3 == 0 ? now.toString() : null);
                    tickets.setString(7, now.plusSeconds(3600L * (t % 48)).toString());
                    tickets.setString(8, now.minusSeconds(60L * t).toString());
                    tickets.addBatch();
                    for (int k = 0; k < t % 4; k++) {
                        comments.setInt(1, t);
                        comments.setInt(2, 1 + random.nextInt(20));
                        comments.setString(3, "Commentaire " + k + " : vérifier la courroie\nligne 2");
                        comments.setString(4, now.toString());
                        comments.addBatch();
                    }
                }
                tickets.executeBatch();
                comments.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    /** What the live app does: advance running timers every few milliseconds. */
    private static void tickTimers(HikariDataSource dataSource, AtomicBoolean running, AtomicLong ticks) {
        while (running.get()) {
            try (Connection c = dataSource.getConnection();
                 PreparedStatement tick = c.prepareStatement(
                         "UPDATE tickets SET timer_elapsed_ms = timer_elapsed_ms + 5 WHERE status = 'in_progress'")) {
                tick.executeUpdate();
                ticks.incrementAndGet();
                Thread.sleep(5);
            } catch (SQLException e) {
                throw new IllegalStateException("the live app failed to write: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
