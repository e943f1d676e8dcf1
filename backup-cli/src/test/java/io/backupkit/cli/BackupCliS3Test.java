package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.storage.s3.testing.S3ProxyServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against an {@code s3://} store on a real S3 API server (S3Proxy on 127.0.0.1), run
 * in-process. The store URI carries no credentials; as the AWS SDK's default chain allows, they come
 * from the {@code aws.accessKeyId}/{@code aws.secretAccessKey} system properties here, since a test
 * cannot set environment variables of its own JVM ({@link BackupCliS3JarIT} uses the variables).
 */
class BackupCliS3Test {

    private static S3ProxyServer server;

    @TempDir
    Path dir;

    private Path db;
    private String store;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        Assumptions.assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null,
                "AWS_ACCESS_KEY_ID is set, and would win over the test server's credentials");
        server = S3ProxyServer.inMemory();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void databaseAndBucket() throws Exception {
        System.setProperty("aws.accessKeyId", S3ProxyServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", S3ProxyServer.SECRET_KEY);
        db = CliTestKit.appDb(dir.resolve("app.db"));
        // appDb leaves tickets of a deleted user behind, which a full restore rightly refuses to rebuild.
        CliTestKit.exec(db, "DELETE FROM tickets WHERE user_id NOT IN (SELECT id FROM users)");
        bucket = server.createBucket();
        store = server.uri(bucket, "cli/app");
    }

    @AfterEach
    void forgetCredentials() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
    }

    record Run(int exitCode, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void backupListVerifyExportPreviewAndRestoreAgainstS3() throws Exception {
        Run backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store, "--label", "off-site");
        assertThat(backup.exitCode()).as("stderr: %s", backup.err()).isZero();
        String id = backup.lastLine();
        assertThat(id).matches(CliTestKit.ID_PATTERN);
        assertThat(server.allKeys(bucket)).allMatch(key -> key.startsWith("cli/app/" + id)).hasSize(2);
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();

        Run list = cli("list", "--store", store);
        assertThat(list.exitCode()).as("stderr: %s", list.err()).isZero();
        assertThat(list.out().lines().toList()).singleElement().satisfies(line -> {
            String[] fields = line.split(" ");
            assertThat(fields[0]).isEqualTo(id);
            assertThat(fields[3]).as("tables").isEqualTo("2");
        });

        Run verify = cli("verify", "--store", store, "--id", id);
        assertThat(verify.exitCode()).as("stderr: %s", verify.err()).isZero();
        assertThat(verify.out()).contains("OK", id);

        Path script = dir.resolve("restore.sql");
        Run export = cli("export-sql", "--store", store, "--id", id, "--out", script.toString());
        assertThat(export.exitCode()).as("stderr: %s", export.err()).isZero();
        assertThat(java.nio.file.Files.readString(script)).contains("CREATE TABLE", "INSERT INTO");

        assertThat(count(db, "SELECT count(*) FROM tickets")).isEqualTo(2990);
        CliTestKit.exec(db, "DELETE FROM tickets WHERE id > 2000");
        Run preview = cli("preview", "--store", store, "--id", id, "--db", "jdbc:sqlite:" + db);
        assertThat(preview.exitCode()).as("stderr: %s", preview.err()).isZero();
        assertThat(preview.out()).contains("tickets");

        Run restore = cli("restore", "--store", store, "--id", id, "--db", "jdbc:sqlite:" + db, "--yes");
        assertThat(restore.exitCode()).as("stderr: %s", restore.err()).isZero();
        assertThat(count(db, "SELECT count(*) FROM tickets")).isEqualTo(2990);
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
    }

    @Test
    void wrongCredentialsFailWithoutShowingThem() {
        System.setProperty("aws.secretAccessKey", "wrong-secret-do-not-print");

        Run list = cli("list", "--store", store);

        assertThat(list.exitCode()).isEqualTo(1);
        assertThat(list.err()).contains("access denied").doesNotContain("wrong-secret-do-not-print");
    }

    @Test
    void aBucketThatDoesNotExistIsNamed() {
        Run backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", server.uri("no-such-bucket", "p"));

        assertThat(backup.exitCode()).isEqualTo(1);
        assertThat(backup.err()).contains("'no-such-bucket' does not exist");
    }

    private static long count(Path db, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
