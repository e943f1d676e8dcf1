package io.backupkit.dialect.sqlite;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.opentest4j.TestAbortedException;

/**
 * Runs the real {@code sqlite3} command-line shell, the program users restore backups with.
 *
 * <p>A missing shell fails the calling test: a green build must mean the SQL was checked against
 * the real shell. Setting the system property {@code backupkit.requireClis=false} turns that into a
 * skip (a JUnit assumption) for machines without the shell. The property {@code
 * backupkit.sqlite3} points at a specific binary; otherwise {@code /usr/bin/sqlite3} or the first
 * {@code sqlite3} on the {@code PATH} is used.
 *
 * <p>JUnit tests just call {@link #requireSqlite3()} (or {@link #run}). A jqwik property would
 * count the skip as a rejected try and end up "exhausted"; annotate it with {@code
 * @AddLifecycleHook(SqliteCli.RequireSqlite3.class)} instead.
 */
public final class SqliteCli {

    private static final long TIMEOUT_SECONDS = 60;

    /** jqwik hook: skips the property when the shell is missing and CLIs are optional. */
    public static final class RequireSqlite3 implements SkipExecutionHook {
        @Override
        public SkipResult shouldBeSkipped(LifecycleContext context) {
            try {
                requireSqlite3(); // fails the property when the shell is required
                return SkipResult.doNotSkip();
            } catch (TestAbortedException e) {
                return SkipResult.skip(e.getMessage());
            }
        }
    }

    private SqliteCli() {}

    /** The shell's path; fails the test, or skips it when CLIs are optional, if there is none. */
    public static Path requireSqlite3() {
        Path found = locate();
        if (found != null) {
            return found;
        }
        String message = "sqlite3 command-line shell not found (looked at -Dbackupkit.sqlite3, "
                + "/usr/bin/sqlite3 and PATH); install it (e.g. apt-get install sqlite3) or run "
                + "with -Dbackupkit.requireClis=false to skip the tests that need it";
        if (Boolean.parseBoolean(System.getProperty("backupkit.requireClis", "true"))) {
            return Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /**
     * Feeds SQL to {@code sqlite3 -bail <db>} on standard input and returns standard output.
     *
     * @param db the database file, created if missing; {@code null} for an in-memory database
     * @throws AssertionError with the shell's standard error when it exits non-zero or prints to
     *     standard error (the shell reports some SQL errors without a failing exit status)
     */
    public static String run(Path db, String sqlStdin) {
        return run(db, sqlStdin.getBytes(StandardCharsets.UTF_8));
    }

    /** Like {@link #run(Path, String)}, for SQL given as bytes (for example invalid UTF-8). */
    public static String run(Path db, byte[] sqlStdin) {
        Path sqlite3 = requireSqlite3();
        ProcessBuilder pb = new ProcessBuilder(
                sqlite3.toString(), "-bail", db == null ? ":memory:" : db.toString());
        try {
            Process process = pb.start();
            // Drain both pipes while writing, or a large script or result can deadlock.
            FutureTask<byte[]> out = readAll(process.getInputStream(), "sqlite3-stdout");
            FutureTask<byte[]> err = readAll(process.getErrorStream(), "sqlite3-stderr");
            try (OutputStream in = process.getOutputStream()) {
                in.write(sqlStdin);
            }
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("sqlite3 did not finish within " + TIMEOUT_SECONDS + " s");
            }
            String stdout = new String(out.get(), StandardCharsets.UTF_8);
            String stderr = new String(err.get(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0 || !stderr.isEmpty()) {
                throw new AssertionError("sqlite3 exited with " + process.exitValue()
                        + "; stderr:\n" + stderr + "\nstdout:\n" + stdout);
            }
            return stdout;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running sqlite3", e);
        } catch (ExecutionException e) {
            throw new UncheckedIOException(new IOException("reading sqlite3 output", e.getCause()));
        }
    }

    /** Reads a stream to its end on a thread of its own (a shared pool could starve it). */
    private static FutureTask<byte[]> readAll(InputStream stream, String name) {
        FutureTask<byte[]> task = new FutureTask<>(() -> {
            try (stream) {
                return stream.readAllBytes();
            }
        });
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return task;
    }

    private static Path locate() {
        String configured = System.getProperty("backupkit.sqlite3");
        if (configured != null && !configured.isBlank()) {
            Path p = Path.of(configured);
            return Files.isExecutable(p) ? p : null;
        }
        Path standard = Path.of("/usr/bin/sqlite3");
        if (Files.isExecutable(standard)) {
            return standard;
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(dir, "sqlite3");
                if (Files.isExecutable(candidate)) {
                    return candidate;
                }
            }
        }
        return null;
    }
}
