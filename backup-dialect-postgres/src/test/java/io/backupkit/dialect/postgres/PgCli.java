package io.backupkit.dialect.postgres;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs the real {@code psql} and {@code pg_dump} (Debian's postgresql-client, which .ci/run
 * installs) against the embedded server. A missing tool fails the test unless
 * {@code -Dbackupkit.requireClis=false}.
 */
final class PgCli {

    private PgCli() {
    }

    static Path tool(String name) {
        for (Path candidate : List.of(Path.of("/usr/bin", name), Path.of("/usr/lib/postgresql/15/bin", name))) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String message = name + " not found in /usr/bin; install postgresql-client or run with "
                + "-Dbackupkit.requireClis=false to skip the tests that need it";
        if (Boolean.parseBoolean(System.getProperty("backupkit.requireClis", "true"))) {
            return Assertions.fail(message);
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** {@code psql -v ON_ERROR_STOP=1 -X -q} with the script on standard input; returns stdout. */
    static String psql(String database, byte[] script) {
        return run(script, tool("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                String.valueOf(PgTestServer.port()), "-U", "postgres", "-d", database);
    }

    /** {@code psql -v ON_ERROR_STOP=1 -1 -f -}: the script from standard input, in one transaction. */
    static String psqlSingleTransaction(String database, byte[] script) {
        return run(script, tool("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-f", "-", "-h",
                "127.0.0.1", "-p", String.valueOf(PgTestServer.port()), "-U", "postgres", "-d", database);
    }

    static String psqlFile(String database, Path file) {
        return run(new byte[0], tool("psql").toString(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", String.valueOf(PgTestServer.port()), "-U", "postgres", "-d", database, "-f", file.toString());
    }

    /** {@code pg_dump --schema-only} of one schema, without the lines that name the dump's database. */
    static String schemaDump(String database, String schema) {
        String dump = run(new byte[0], tool("pg_dump").toString(), "--schema-only", "--no-owner", "--no-privileges",
                "-n", "\"" + schema + "\"", "-h", "127.0.0.1", "-p", String.valueOf(PgTestServer.port()), "-U", "postgres", database);
        List<String> kept = new ArrayList<>();
        for (String line : dump.split("\n", -1)) {
            if (!line.startsWith("\\restrict") && !line.startsWith("\\unrestrict") && !line.startsWith("-- Dumped") && !line.startsWith("-- Started") && !line.startsWith("-- Completed")) {
                kept.add(line);
            }
        }
        return String.join("\n", kept);
    }

    static String run(byte[] stdin, String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().put("PGTZ", "Asia/Kolkata"); // a client zone far from UTC catches zone bugs
            Process process = builder.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            try (var in = process.getOutputStream()) {
                in.write(stdin);
            }
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                Assertions.fail(String.join(" ", command) + " timed out");
            }
            String stderr = new String(err.join(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                Assertions.fail(command[0] + " exited " + process.exitValue() + ": " + stderr);
            }
            return new String(out.join(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] readAll(InputStream in) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
