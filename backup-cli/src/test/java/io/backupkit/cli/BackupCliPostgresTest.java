package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI on a real PostgreSQL (embedded, on 127.0.0.1): the dialect is discovered from the JDBC
 * URL, and backup, list, verify, preview, restore and undo-restore work as they do for SQLite.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupCliPostgresTest {

    private static EmbeddedPostgres server;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        server = EmbeddedPostgres.builder()
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    private record Run(int exitCode, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static String url() {
        return "jdbc:postgresql://127.0.0.1:" + server.getPort() + "/postgres?user=postgres";
    }

    private static void exec(String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    private static long count(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void backupListVerifyPreviewRestoreAndUndoAPostgresDatabase() throws Exception {
        exec("CREATE TABLE machines (id serial PRIMARY KEY, name text NOT NULL)",
                "CREATE TABLE tickets (id serial PRIMARY KEY, machine_id int NOT NULL REFERENCES machines(id), "
                        + "title text NOT NULL, cost numeric(12,2), opened timestamptz NOT NULL DEFAULT now())",
                "INSERT INTO machines (name) SELECT 'Pompe ' || i FROM generate_series(1, 20) i",
                "INSERT INTO tickets (machine_id, title, cost) SELECT 1 + i % 20, 'fuite ' || i, i / 7.0 "
                        + "FROM generate_series(1, 500) i");
        String store = dir.resolve("backups").toString();

        Run backup = cli("backup", "--db", url(), "--store", store);
        assertThat(backup.exitCode()).as("backup; stderr: %s", backup.err()).isZero();
        String id = backup.lastLine();
        assertThat(cli("list", "--store", store).out()).contains(id);
        Run verify = cli("verify", "--store", store, "--id", id, "--deep", "--db", url());
        assertThat(verify.exitCode()).as("verify; out: %s err: %s", verify.out(), verify.err()).isZero();

        exec("DELETE FROM tickets WHERE id > 400");
        Run preview = cli("preview", "--db", url(), "--store", store, "--id", id);
        assertThat(preview.exitCode()).as("preview; stderr: %s", preview.err()).isZero();
        assertThat(preview.out()).contains("tickets");

        Run restore = cli("restore", "--db", url(), "--store", store, "--id", id, "--yes");
        assertThat(restore.exitCode()).as("restore; stderr: %s", restore.err()).isZero();
        assertThat(count("SELECT count(*) FROM tickets")).isEqualTo(500);
        assertThat(count("SELECT nextval('tickets_id_seq')")).as("the sequence continues after the data").isGreaterThan(500);

        Run undo = cli("undo-restore", "--db", url(), "--store", store);
        assertThat(undo.exitCode()).as("undo; stderr: %s", undo.err()).isZero();
        assertThat(count("SELECT count(*) FROM tickets")).isEqualTo(400);
    }
}
