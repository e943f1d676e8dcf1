package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** Helpers for the CLI tests: real SQLite files, the real sqlite3 CLI, and child processes. */
final class CliTestKit {

    /** What a backup id looks like. */
    static final String ID_PATTERN = "\\d{8}T\\d{9}Z-[a-z0-9]{6}";

    private CliTestKit() {
    }

    static void exec(Path db, String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
             Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /**
     * A small application database with the things a restore must bring back: an index, a view, a
     * trigger, an AUTOINCREMENT counter, awkward text and blobs, user_version and application_id.
     */
    static Path appDb(Path db) throws SQLException {
        exec(db,
                "PRAGMA journal_mode=WAL",
                "PRAGMA user_version=42",
                "PRAGMA application_id=1234567",
                "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email TEXT NOT NULL UNIQUE, name TEXT)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), "
                        + "title TEXT NOT NULL, cost REAL, photo BLOB, updated_at TEXT)",
                "CREATE INDEX idx_tickets_user ON tickets(user_id)",
                "CREATE VIEW open_tickets AS SELECT t.id, u.email FROM tickets t JOIN users u ON u.id = t.user_id",
                "CREATE TRIGGER tickets_touch AFTER UPDATE OF title ON tickets BEGIN "
                        + "UPDATE tickets SET updated_at = 'now' WHERE id = NEW.id; END",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                        + "INSERT INTO users (email, name) SELECT 'user' || i || '@example.com', "
                        + "'O''Brien ' || char(10) || i FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                        + "INSERT INTO tickets SELECT i, 1 + i % 300, 'pompe ' || i || ' émoji 🔧', i / 7.0, "
                        + "CASE WHEN i % 5 = 0 THEN randomblob(64) END, NULL FROM n",
                "DELETE FROM users WHERE id = 300");
        return db;
    }

    static boolean clisRequired() {
        return !"false".equalsIgnoreCase(System.getProperty("backupkit.requireClis", "true"));
    }

    /** Fails, or skips with -Dbackupkit.requireClis=false, when the tool is not on the PATH. */
    static void requireCli(String name) {
        boolean found = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
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
        List<String> lines() {
            return stdout.lines().toList();
        }
    }

    /** Runs a command to completion with stdin from a file (or nothing), failing the test after the timeout. */
    static Result run(List<String> command, Path stdin, long timeoutSeconds) throws IOException, InterruptedException {
        return run(command, stdin, timeoutSeconds, java.util.Map.of());
    }

    /** As {@link #run(List, Path, long)}, with these variables added to the child's environment. */
    static Result run(List<String> command, Path stdin, long timeoutSeconds, java.util.Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(environment);
        pb.redirectInput(stdin != null ? ProcessBuilder.Redirect.from(stdin.toFile())
                : ProcessBuilder.Redirect.from(new File("/dev/null")));
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

    static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            return buffer.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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

    /** {@code sqlite3 DB .dump | sort}, plus user_version and application_id, which .dump leaves out. */
    static List<String> identity(Path db) throws IOException, InterruptedException {
        requireCli("sqlite3");
        Result r = run(List.of("sqlite3", db.toString(), ".dump"), null, 120);
        assertThat(r.exitCode()).as("sqlite3 .dump; stderr: %s", r.stderr()).isZero();
        List<String> lines = new ArrayList<>(r.stdout().lines().toList());
        lines.sort(null);
        Result pragmas = run(List.of("sqlite3", db.toString(), "PRAGMA user_version; PRAGMA application_id;"), null, 60);
        assertThat(pragmas.exitCode()).isZero();
        lines.add("user_version/application_id: " + pragmas.stdout().lines().toList());
        return lines;
    }

    /** Hidden upload files ({@code .NAME.RANDOM.tmp}) in a store folder. */
    static List<Path> tempFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().startsWith(".")
                    || p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** Everything below a folder, hidden files included. */
    static List<Path> everythingIn(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).toList();
        }
    }
}
