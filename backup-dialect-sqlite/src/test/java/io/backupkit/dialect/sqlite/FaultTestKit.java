package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.sqlite.SQLiteDataSource;

/**
 * Small helpers shared by the fault, consistency, redaction and progress tests: real SQLite files,
 * the real {@code sqlite3} CLI, and looking for anything left behind in a folder.
 */
final class FaultTestKit {

    private FaultTestKit() {
    }

    /** A plain sqlite-jdbc data source on a file: a new connection per call. */
    static SQLiteDataSource dataSource(Path db) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db.toAbsolutePath());
        return ds;
    }

    /** Runs SQL statements (separated by semicolons at line ends) on a new connection. */
    static void exec(Path db, String... statements) throws SQLException {
        try (Connection c = dataSource(db).getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    static long queryLong(Path db, String sql) throws SQLException {
        try (Connection c = dataSource(db).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getLong(1);
        }
    }

    static String queryString(Path db, String sql) throws SQLException {
        try (Connection c = dataSource(db).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from %s", sql).isTrue();
            return rs.getString(1);
        }
    }

    /**
     * A maintenance-like database (users, machines, tickets, messages with audio blobs) of about
     * 3 MB, most of it incompressible, so that even compressed archives run to megabytes.
     */
    static Path maintenanceDb(Path db) throws SQLException {
        exec(db,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL, "
                        + "password_hash TEXT NOT NULL, created_at TEXT NOT NULL)",
                "CREATE TABLE machines (id INTEGER PRIMARY KEY, machine_type TEXT NOT NULL, serial_number TEXT UNIQUE)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, ticket_id TEXT NOT NULL UNIQUE, title TEXT NOT NULL, "
                        + "description TEXT, machine_id INTEGER NOT NULL REFERENCES machines(id), "
                        + "reported_by INTEGER NOT NULL REFERENCES users(id), cost REAL, created_at TEXT NOT NULL)",
                "CREATE INDEX idx_tickets_machine ON tickets(machine_id)",
                "CREATE TABLE messages (id INTEGER PRIMARY KEY, sender_id INTEGER NOT NULL REFERENCES users(id), "
                        + "content TEXT, audio BLOB)",
                "BEGIN",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                        + "INSERT INTO users SELECT i, 'user' || i || '@igp.example', 'User ''' || i || '''', "
                        + "hex(randomblob(30)), '2025-01-01T00:00:00Z' FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40) "
                        + "INSERT INTO machines SELECT i, 'CNC', 'SN-' || i FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) "
                        + "INSERT INTO tickets SELECT i, printf('IGP-%07d', i), 'pompe fuite ' || i, "
                        + "hex(randomblob(60)), 1 + i % 40, 1 + i % 200, i * 1.25, '2025-02-03T04:05:06.789Z' FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                        + "INSERT INTO messages SELECT i, 1 + i % 200, CASE WHEN i % 2 = 0 THEN 'text ' || i END, "
                        + "CASE WHEN i % 2 = 1 THEN randomblob(1024) END FROM n",
                "COMMIT");
        return db;
    }

    /** Every file and folder below {@code dir}, hidden ones included; empty when nothing is left. */
    static List<Path> everythingIn(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).toList();
        }
    }

    /** Whether tests that need a command-line tool must fail (the default) rather than skip when it is missing. */
    static boolean clisRequired() {
        return !"false".equalsIgnoreCase(System.getProperty("backupkit.requireClis", "true"));
    }

    /** Fails, or skips with -Dbackupkit.requireClis=false, when the tool is not on the PATH. */
    static void requireCli(String name) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, name)));
        if (!found) {
            if (clisRequired()) {
                fail(name + " is not on the PATH; install it (apt-get install " + name
                        + ") or run with -Dbackupkit.requireClis=false to skip");
            }
            Assumptions.abort(name + " is not on the PATH and -Dbackupkit.requireClis=false");
        }
    }

    /** What a finished process printed. */
    record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs a command with stdin from a file (or nothing), failing the test if it runs over the timeout. */
    static Result run(List<String> command, Path stdin, long timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        } else {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail(command + " ran for more than " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out.join(), StandardCharsets.UTF_8),
                new String(err.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Loads a SQL script into a new database file with the real sqlite3 CLI, failing on any error. */
    static Path sqlite3Load(Path script, Path newDb) throws IOException, InterruptedException {
        requireCli("sqlite3");
        assertThat(newDb).doesNotExist();
        Result r = run(List.of("sqlite3", "-bail", newDb.toString()), script, 120);
        assertThat(r.exitCode()).as("sqlite3 exit code; stderr: %s", r.stderr()).isZero();
        assertThat(r.stderr()).as("sqlite3 stderr").isEmpty();
        return newDb;
    }

    /** {@code sqlite3 DB .dump | sort}, as the issue defines "identical". */
    static List<String> sortedDump(Path db) throws IOException, InterruptedException {
        requireCli("sqlite3");
        Result r = run(List.of("sqlite3", db.toString(), ".dump"), null, 120);
        assertThat(r.exitCode()).as("sqlite3 .dump; stderr: %s", r.stderr()).isZero();
        List<String> lines = new ArrayList<>(r.stdout().lines().toList());
        lines.sort(null);
        return lines;
    }
}
