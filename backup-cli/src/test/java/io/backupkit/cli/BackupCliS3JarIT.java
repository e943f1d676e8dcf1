package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.storage.s3.testing.S3ProxyServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar against an {@code s3://} store, as operators run it: credentials in the
 * environment, S3Proxy on 127.0.0.1 in the test JVM. Shows that the shaded jar carries the AWS SDK
 * with its service files merged.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupCliS3JarIT {

    @TempDir
    Path dir;

    private static CliTestKit.Result cli(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-jar",
                Path.of(System.getProperty("backupkit.cliJar", "target/backup-cli.jar")).toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return CliTestKit.run(command, null, 90, env);
    }

    @Test
    void backupListAndVerifyThroughTheShadedJar() throws Exception {
        try (S3ProxyServer server = S3ProxyServer.inMemory()) {
            String bucket = server.createBucket();
            String store = server.uri(bucket, "jar");
            Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY, "AWS_EC2_METADATA_DISABLED", "true");
            Path db = CliTestKit.appDb(dir.resolve("app.db"));

            CliTestKit.Result backup = cli(env, "backup", "--db", "jdbc:sqlite:" + db, "--store", store);
            assertThat(backup.exitCode()).as("stderr: %s", backup.stderr()).isZero();
            List<String> lines = backup.lines();
            String id = lines.get(lines.size() - 1);
            assertThat(id).matches(CliTestKit.ID_PATTERN);

            CliTestKit.Result list = cli(env, "list", "--store", store);
            assertThat(list.exitCode()).as("stderr: %s", list.stderr()).isZero();
            assertThat(list.lines()).singleElement().asString().startsWith(id + " ");

            CliTestKit.Result verify = cli(env, "verify", "--store", store, "--id", id);
            assertThat(verify.exitCode()).as("stderr: %s", verify.stderr()).isZero();
            assertThat(verify.stdout()).contains("OK");

            CliTestKit.Result denied = cli(Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                    "AWS_SECRET_ACCESS_KEY", "not-the-secret-123"), "list", "--store", store);
            assertThat(denied.exitCode()).isEqualTo(1);
            assertThat(denied.stderr()).contains("access denied").doesNotContain("not-the-secret-123");
        }
    }
}
