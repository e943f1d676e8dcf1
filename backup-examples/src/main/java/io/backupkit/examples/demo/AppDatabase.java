package io.backupkit.examples.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * The maintenance application's database: a SQLite file in WAL mode behind a HikariCP pool that
 * allows suspension (what {@link io.backupkit.HikariWriteGate} needs to hold writes during a
 * restore), the schema of the original design, and the seeded demo data.
 */
final class AppDatabase {

    /** The schema version, in {@code PRAGMA user_version}. */
    static final int SCHEMA_VERSION = 1;

    /** Seeded tickets; their ids 1..SEEDED_TICKETS exist in every backup. */
    static final int SEEDED_TICKETS = 24;

    private AppDatabase() {
    }

    /** A pool over {@code db}, WAL, foreign keys on, writers waiting up to 10 s for SQLite's lock. */
    static HikariDataSource open(Path db) {
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("demo-app");
        hikari.setJdbcUrl("jdbc:sqlite:" + db);
        hikari.setMaximumPoolSize(8);
        hikari.setMinimumIdle(2);
        // Required by HikariWriteGate: a restore suspends the pool while it swaps the file.
        hikari.setAllowPoolSuspension(true);
        // Above the restore's maxWritePause: a request waiting for the gate gets its connection after.
        hikari.setConnectionTimeout(Duration.ofSeconds(30).toMillis());
        hikari.addDataSourceProperty("journal_mode", "WAL");
        hikari.addDataSourceProperty("synchronous", "NORMAL");
        hikari.addDataSourceProperty("foreign_keys", "true");
        hikari.addDataSourceProperty("busy_timeout", "10000");
        // Write transactions take the lock up front: no SQLITE_BUSY on a read-to-write upgrade.
        hikari.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        return new HikariDataSource(hikari);
    }

    /** Creates the schema if missing. */
    static void migrate(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE IF NOT EXISTS users (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      email TEXT NOT NULL UNIQUE,
                      full_name TEXT NOT NULL,
                      role TEXT NOT NULL CHECK (role IN ('super_admin','admin','technician','operator')),
                      password_hash TEXT NOT NULL,
                      created_at INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS machines (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      machine_type TEXT NOT NULL,
                      model TEXT,
                      location TEXT,
                      status TEXT NOT NULL DEFAULT 'operational')""");
            // The chronomètre is stored as a start time plus the seconds accumulated before it:
            // a running timer keeps counting from its stored start, whatever happens to the rows.
            s.execute("""
                    CREATE TABLE IF NOT EXISTS tickets (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      title TEXT NOT NULL,
                      description TEXT NOT NULL DEFAULT '',
                      machine_id INTEGER NOT NULL REFERENCES machines(id),
                      reported_by INTEGER NOT NULL REFERENCES users(id),
                      assigned_to INTEGER REFERENCES users(id),
                      status TEXT NOT NULL DEFAULT 'received',
                      priority TEXT NOT NULL DEFAULT 'medium',
                      timer_started_at INTEGER,
                      timer_accumulated_seconds INTEGER NOT NULL DEFAULT 0,
                      deadline_at INTEGER,
                      is_overdue INTEGER NOT NULL DEFAULT 0,
                      created_at INTEGER NOT NULL,
                      updated_at INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS ticket_comments (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      ticket_id INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
                      user_id INTEGER NOT NULL REFERENCES users(id),
                      body TEXT NOT NULL,
                      created_at INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS messages (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      sender_id INTEGER NOT NULL REFERENCES users(id),
                      recipient_id INTEGER REFERENCES users(id),
                      body TEXT NOT NULL DEFAULT '',
                      media_path TEXT,
                      media_type TEXT,
                      created_at INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS system_settings (
                      key TEXT PRIMARY KEY,
                      value TEXT NOT NULL,
                      updated_at INTEGER NOT NULL)""");
            s.execute("""
                    CREATE TABLE IF NOT EXISTS webhook_notifications (
                      id INTEGER PRIMARY KEY AUTOINCREMENT,
                      ticket_id INTEGER REFERENCES tickets(id) ON DELETE CASCADE,
                      event TEXT NOT NULL,
                      payload TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      sent_at INTEGER)""");
            s.execute("CREATE INDEX IF NOT EXISTS idx_tickets_status ON tickets(status)");
            s.execute("CREATE INDEX IF NOT EXISTS idx_comments_ticket ON ticket_comments(ticket_id)");
            s.execute("CREATE INDEX IF NOT EXISTS idx_messages_created ON messages(created_at)");
            s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
        }
    }

    /** Seeds users, machines, tickets and comments when the database is empty; returns whether it did. */
    static boolean seedIfEmpty(HikariDataSource pool, String demoPassword) throws SQLException {
        try (Connection c = pool.getConnection()) {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM users")) {
                rs.next();
                if (rs.getLong(1) > 0) {
                    return false;
                }
            }
            long now = System.currentTimeMillis();
            c.setAutoCommit(false);
            try {
                String[][] users = {
                    {"admin@demo.local", "Sophie Tremblay", "super_admin"},
                    {"manager@demo.local", "Marc Gagnon", "admin"},
                    {"tech@demo.local", "Julien Roy", "technician"},
                    {"tech2@demo.local", "Amélie Côté", "technician"},
                    {"operator@demo.local", "Karim Benali", "operator"},
                };
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO users (email, full_name, role, password_hash, created_at) VALUES (?,?,?,?,?)")) {
                    for (String[] u : users) {
                        ps.setString(1, u[0]);
                        ps.setString(2, u[1]);
                        ps.setString(3, u[2]);
                        ps.setString(4, Passwords.hash(demoPassword.toCharArray()));
                        ps.setLong(5, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                String[][] machines = {
                    {"Polisseuse", "PX-200", "Atelier A"}, {"CNC", "Haas VF-2", "Atelier B"},
                    {"Four de trempe", "Tamglass HTF", "Atelier C"}, {"Thermos", "TH-80", "Atelier A"},
                    {"Table de découpe", "Bottero 548", "Atelier B"}, {"Laveuse", "Benteler L12", "Atelier C"},
                };
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO machines (machine_type, model, location) VALUES (?,?,?)")) {
                    for (String[] m : machines) {
                        ps.setString(1, m[0]);
                        ps.setString(2, m[1]);
                        ps.setString(3, m[2]);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                String[] problems = {"Fuite d'huile sur la pompe", "Courroie usée", "Capteur de température HS",
                    "Vibration anormale", "Bris de verre sur la table", "Buse bouchée", "Erreur de calibration",
                    "Moteur qui chauffe"};
                String[] statuses = {"received", "diagnostic", "in_progress", "waiting_parts"};
                Random random = new Random(20251113);
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO tickets (title, description, machine_id, "
                        + "reported_by, assigned_to, status, priority, timer_started_at, timer_accumulated_seconds, "
                        + "deadline_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
                     PreparedStatement cs = c.prepareStatement(
                             "INSERT INTO ticket_comments (ticket_id, user_id, body, created_at) VALUES (?,?,?,?)")) {
                    for (int t = 1; t <= SEEDED_TICKETS; t++) {
                        String status = statuses[t % statuses.length];
                        boolean running = status.equals("in_progress") || t % 5 == 0;
                        ps.setString(1, problems[t % problems.length] + " n°" + t);
                        ps.setString(2, "Signalé par l'équipe de production. Vérifier et consigner l'intervention.");
                        ps.setInt(3, 1 + t % machines.length);
                        ps.setInt(4, 1 + random.nextInt(users.length));
                        ps.setInt(5, 3 + t % 2);
                        ps.setString(6, running ? "in_progress" : status);
                        ps.setString(7, t % 3 == 0 ? "high" : t % 3 == 1 ? "medium" : "low");
                        if (running) {
                            ps.setLong(8, now - 60_000L * (5 + random.nextInt(120)));
                        } else {
                            ps.setNull(8, java.sql.Types.INTEGER);
                        }
                        ps.setLong(9, running ? random.nextInt(600) : random.nextInt(7200));
                        // Countdowns from a minute (they go overdue while the demo runs) to two days.
                        ps.setLong(10, now + (t % 4 == 0 ? 60_000L * t : 3_600_000L * (t % 48 + 1)));
                        ps.setLong(11, now - 3_600_000L * t);
                        ps.setLong(12, now);
                        ps.addBatch();
                        for (int k = 0; k < t % 3 + 1; k++) {
                            cs.setInt(1, t);
                            cs.setInt(2, 1 + (t + k) % users.length);
                            cs.setString(3, k == 0 ? "Pris en charge, diagnostic en cours." : "Pièce commandée, "
                                    + "livraison prévue demain.");
                            cs.setLong(4, now - 3_600_000L * t + 600_000L * (k + 1));
                            cs.addBatch();
                        }
                    }
                    ps.executeBatch();
                    cs.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO system_settings (key, value, updated_at) VALUES (?,?,?)")) {
                    String[][] settings = {{"company_name", "IGP Verre"}, {"timezone", "America/Toronto"},
                        {"default_deadline_hours", "24"}, {"webhook_url", "https://hooks.example/maintenance"}};
                    for (String[] kv : settings) {
                        ps.setString(1, kv[0]);
                        ps.setString(2, kv[1]);
                        ps.setLong(3, now);
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO messages (sender_id, body, created_at) VALUES (?,?,?)")) {
                    ps.setInt(1, 2);
                    ps.setString(2, "Bienvenue dans la messagerie de l'atelier.");
                    ps.setLong(3, now);
                    ps.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
            return true;
        }
    }

    /** Sets every seeded user's password (the {@code --demo-password} option). */
    static void resetPasswords(HikariDataSource pool, String password) throws SQLException {
        try (Connection c = pool.getConnection();
             PreparedStatement ids = c.prepareStatement("SELECT id FROM users");
             PreparedStatement set = c.prepareStatement("UPDATE users SET password_hash = ? WHERE id = ?")) {
            try (ResultSet rs = ids.executeQuery()) {
                while (rs.next()) {
                    set.setString(1, Passwords.hash(password.toCharArray()));
                    set.setLong(2, rs.getLong(1));
                    set.addBatch();
                }
            }
            set.executeBatch();
        }
    }

    static long nowMillis() {
        return Instant.now().toEpochMilli();
    }
}
