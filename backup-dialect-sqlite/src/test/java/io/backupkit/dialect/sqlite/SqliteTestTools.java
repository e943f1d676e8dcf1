package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.TableSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.sqlite.SQLiteDataSource;

/**
 * Drives the real command-line tools ({@code sqlite3}, {@code zstd}, {@code tar}) that round-trip
 * tests use as the independent judge of a backup, plus the backup-and-restore steps those tests
 * share. Unlike {@link SqliteCli#run(Path, String)}, output is kept as bytes, because a
 * {@code .dump} of TEXT holding invalid UTF-8 must be compared byte for byte.
 *
 * <p>A missing tool fails the test, because a round-trip test that silently skips proves nothing;
 * with {@code -Dbackupkit.requireClis=false} it skips instead.
 */
final class SqliteTestTools {

    /** The CLIs are looked for here first, then on the {@code PATH}. */
    private static final List<Path> PREFERRED_DIRS = List.of(Path.of("/usr/bin"), Path.of("/usr/local/bin"));

    private static final long TIMEOUT_SECONDS = 120;

    private SqliteTestTools() {
    }

    /** What a finished process printed. Output is kept as bytes: dumps may hold invalid UTF-8. */
    record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {

        /** Stdout as text; bytes that are not UTF-8 become U+FFFD, which is fine for messages. */
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** Stdout split into lines, each byte kept as one char (ISO-8859-1), so nothing is lost. */
        List<String> lines() {
            String text = new String(stdout, StandardCharsets.ISO_8859_1);
            List<String> lines = List.of(text.split("\n", -1));
            // the text ends with a newline, or is empty: either way the last piece is no line
            return lines.get(lines.size() - 1).isEmpty() ? lines.subList(0, lines.size() - 1) : lines;
        }

        /** Fails unless the process exited 0 and wrote nothing to stderr. */
        Result requireClean() {
            if (exitCode != 0 || !stderr.isBlank()) {
                fail(command + " exited " + exitCode + " with stderr:\n" + stderr);
            }
            return this;
        }
    }

    /**
     * Path of the {@code sqlite3} shell, found by {@link SqliteCli#requireSqlite3()} so that every
     * test uses the same one ({@code -Dbackupkit.sqlite3=PATH} picks a specific binary).
     */
    static String sqlite3() {
        return SqliteCli.requireSqlite3().toString();
    }

    /** Path of the {@code zstd} tool. */
    static String zstd() {
        return cli("zstd");
    }

    /** Path of the {@code tar} tool. */
    static String tar() {
        return cli("tar");
    }

    /** Whether missing CLIs fail tests (the default) rather than skip them. */
    static boolean clisRequired() {
        return !"false".equalsIgnoreCase(System.getProperty("backupkit.requireClis", "true").trim());
    }

    /** Path of a command-line tool, found as described in the class comment. */
    static String cli(String name) {
        List<Path> candidates = new ArrayList<>(PREFERRED_DIRS.stream().map(d -> d.resolve(name)).toList());
        String path = System.getenv("PATH");
        if (path != null) {
            Arrays.stream(path.split(java.io.File.pathSeparator)).filter(s -> !s.isEmpty())
                    .map(s -> Path.of(s, name)).forEach(candidates::add);
        }
        for (Path candidate : candidates) {
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        String message = "the '" + name + "' command-line tool was not found in " + PREFERRED_DIRS
                + " or on the PATH; install it (Debian: apt-get install " + name
                + ") or run with -Dbackupkit.requireClis=false to skip the tests that need it";
        if (clisRequired()) {
            fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** Runs a command with the given bytes on stdin (none when {@code null}) and waits for it. */
    static Result run(List<String> command, byte[] stdin) {
        return run(command, stdin, null, null);
    }

    /** Runs a command in {@code workDir} (when not null) with stdin from bytes or from a file. */
    static Result run(List<String> command, byte[] stdin, Path stdinFile, Path workDir) {
        Path out = null;
        Path err = null;
        try {
            out = Files.createTempFile("backupkit-cli-", ".out");
            err = Files.createTempFile("backupkit-cli-", ".err");
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().put("LC_ALL", "C");
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            if (stdinFile != null) {
                builder.redirectInput(stdinFile.toFile());
            } else if (stdin == null) {
                builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            Process process = builder.start();
            if (stdinFile == null && stdin != null) {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the process exited without reading everything; its exit code tells why
                }
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(command + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(List.copyOf(command), process.exitValue(), Files.readAllBytes(out),
                    Files.readString(err, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            deleteQuietly(out);
            deleteQuietly(err);
        }
    }

    /** Runs a {@code sh -c} pipeline in a folder, as an operator would type it. */
    static Result shell(String script, Path workDir) {
        return run(List.of("/bin/sh", "-c", script), null, null, workDir);
    }

    private static void deleteQuietly(Path path) {
        if (path != null) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException ignored) {
                // a temp file; the OS cleans up
            }
        }
    }

    /** {@code sqlite3 DB SQL}, requiring a clean exit. */
    static Result sql(Path db, String sql) {
        return run(List.of(sqlite3(), db.toString(), sql), null).requireClean();
    }

    /** {@code sqlite3 DB .dump} with its lines sorted, as {@code sqlite3 DB .dump | sort} gives. */
    static List<String> dumpSorted(Path db) {
        List<String> lines = new ArrayList<>(run(List.of(sqlite3(), db.toString(), ".dump"), null).requireClean().lines());
        lines.sort(null);
        return lines;
    }

    /** The value {@code PRAGMA name} prints, trimmed; several rows are joined with newlines. */
    static String pragma(Path db, String name) {
        return sql(db, "PRAGMA " + name + ";").out().strip();
    }

    /**
     * Loads a SQL script with {@code sqlite3 -bail DB < script}; any error message fails the test
     * ({@code -bail} stops at the first, so the message names the statement that failed).
     */
    static void load(Path db, Path script) {
        run(List.of(sqlite3(), "-bail", db.toString()), null, script, null).requireClean();
    }

    /** Copies a dataset from the test resources to {@code folder}, so the original is never touched. */
    static Path copyDataset(String fileName, Path folder) {
        Path target = folder.resolve(fileName);
        try (InputStream in = SqliteTestTools.class.getResourceAsStream("/datasets/" + fileName)) {
            if (in == null) {
                fail("test resource /datasets/" + fileName + " is missing");
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    /**
     * Generates the maintenance-app reference database with {@code bench/gen_maintenance_db.py}
     * (scale 1, WAL mode), found relative to this module's folder.
     */
    static Path maintenanceDb(Path folder) {
        Path generator = Path.of("..", "bench", "gen_maintenance_db.py").toAbsolutePath().normalize();
        if (!Files.isRegularFile(generator)) {
            fail("the generator " + generator + " is missing; tests must run from the module folder");
        }
        Path db = folder.resolve("maintenance.db");
        run(List.of(cli("python3"), generator.toString(), db.toString(), "--scale", "1", "--wal"), null).requireClean();
        return db;
    }

    /** A JDBC connection to a database file, through sqlite-jdbc. */
    static Connection connect(Path db) throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    /** Runs statements on a database through sqlite-jdbc. */
    static void execute(Path db, String... statements) throws SQLException {
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Rows of a query, each column rendered with {@code getString}, null as the word NULL. */
    static List<List<String>> query(Path db, String sql) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = connect(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    String value = rs.getString(i);
                    row.add(value == null ? "NULL" : value);
                }
                rows.add(List.copyOf(row));
            }
        }
        return rows;
    }

    /**
     * Every value of one column, exactly: its storage class and its bytes ({@code hex()} of the
     * raw bytes for TEXT and BLOB, so NUL and invalid UTF-8 show), its value for INTEGER, and the
     * raw IEEE-754 bits for REAL, so {@code -0.0} and the last bit of a double show.
     */
    static List<String> exactValues(Path db, String table, String column, String orderBy) throws SQLException {
        String c = SqliteSnapshot.quote(column);
        String sql = "SELECT typeof(" + c + "), hex(CAST(" + c + " AS BLOB)), " + c + " FROM "
                + SqliteSnapshot.quote(table) + " ORDER BY " + orderBy;
        List<String> values = new ArrayList<>();
        try (Connection connection = connect(db); Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                String type = rs.getString(1);
                values.add(switch (type) {
                    case "null" -> "null";
                    case "integer" -> "integer " + rs.getLong(3);
                    case "real" -> {
                        double d = rs.getDouble(3);
                        yield "real " + d + " bits " + Long.toHexString(Double.doubleToRawLongBits(d));
                    }
                    default -> type + " X'" + rs.getString(2) + "'";
                });
            }
        }
        return values;
    }

    /** Asserts that a query returns the same rows, in the same order, on both databases. */
    static void assertSameRows(Path original, Path restored, String sql) throws SQLException {
        List<List<String>> expected = query(original, sql);
        assertThat(query(restored, sql)).as(sql).containsExactlyElementsOf(expected);
    }

    /** Sets the two header fields that the {@code sqlite3} shell's own {@code .dump} loses. */
    static void stampHeader(Path db, int userVersion, int applicationId) throws SQLException {
        execute(db, "PRAGMA user_version = " + userVersion, "PRAGMA application_id = " + applicationId);
    }

    /** A service that backs up {@code db} into a local folder store. */
    static BackupService service(Path db, Path storeFolder, BackupOptions options) {
        SQLiteDataSource dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + db);
        return BackupService.builder().dataSource(dataSource).store(LocalFolderStore.at(storeFolder))
                .options(options).build();
    }

    /** What one backup-export-load cycle produced. */
    record RoundTrip(BackupService service, BackupManifest manifest, Path script, Path restored) {
    }

    /**
     * Backs {@code db} up, exports the backup as one SQL script and loads it into a new database
     * with the real {@code sqlite3} shell.
     */
    static RoundTrip roundTrip(Path db, Path work, BackupOptions options) throws IOException {
        Path store = Files.createDirectories(work.resolve("store"));
        BackupService service = service(db, store, options);
        BackupManifest manifest = service.backup();
        Path script = work.resolve("export.sql");
        try (OutputStream out = Files.newOutputStream(script)) {
            service.exportSql(manifest.id(), out);
        }
        Path restored = work.resolve("restored.db");
        Files.deleteIfExists(restored);
        load(restored, script);
        return new RoundTrip(service, manifest, script, restored);
    }

    /** {@link #roundTrip(Path, Path, BackupOptions)} with default options. */
    static RoundTrip roundTrip(Path db, Path work) throws IOException {
        return roundTrip(db, work, BackupOptions.defaults());
    }

    /**
     * Asserts the definition of identical: equal sorted {@code .dump} lines and equal
     * {@code user_version} and {@code application_id}.
     */
    static void assertIdentical(Path original, Path restored) {
        assertSameHeader(original, restored);
        List<String> expected = dumpSorted(original);
        List<String> actual = dumpSorted(restored);
        assertThat(actual).as("sqlite3 .dump | sort of the restored database (lines in ISO-8859-1)")
                .containsExactlyElementsOf(expected);
    }

    /** Asserts equal {@code user_version} and {@code application_id}. */
    static void assertSameHeader(Path original, Path restored) {
        assertThat(pragma(restored, "user_version")).as("PRAGMA user_version")
                .isEqualTo(pragma(original, "user_version"));
        assertThat(pragma(restored, "application_id")).as("PRAGMA application_id")
                .isEqualTo(pragma(original, "application_id"));
    }

    /** Asserts {@code integrity_check} says ok and {@code foreign_key_check} reports nothing. */
    static void assertHealthy(Path db) {
        assertThat(pragma(db, "integrity_check")).as("PRAGMA integrity_check of " + db).isEqualTo("ok");
        assertThat(pragma(db, "foreign_key_check")).as("PRAGMA foreign_key_check of " + db).isEmpty();
    }

    /** Asserts that the manifest's row count of every table equals {@code SELECT count(*)} in the database. */
    static void assertRowCounts(BackupManifest manifest, Path db) throws SQLException {
        assertThat(manifest.tables()).as("tables in the manifest").isNotEmpty();
        try (Connection c = connect(db); Statement s = c.createStatement()) {
            for (TableSummary table : manifest.tables()) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SqliteSnapshot.quote(table.name()))) {
                    rs.next();
                    assertThat(table.rows()).as("manifest row count of table " + table.name()).isEqualTo(rs.getLong(1));
                }
            }
        }
    }
}
