package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code backup --profile/--max-size}, {@code restore --allow-redacted} and {@code import}. */
class BackupCliLimitsProfilesTest {

    @TempDir
    Path dir;

    record Run(int exitCode, String out, String err) {
        String lastLine() {
            List<String> lines = out.lines().toList();
            return lines.get(lines.size() - 1);
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void sharingProfileNeedsAllowRedactedToRestoreOverLiveData() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        Run backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--profile", "sharing");
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        String id = backup.lastLine();

        Run preview = cli("preview", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--id", id);
        assertThat(preview.out()).contains("Warning", "redacted", "allowRedacted");

        Run refused = cli("restore", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--id", id, "--yes",
                "--allow-fk-violations");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("is redacted", "--allow-redacted");

        Run allowed = cli("restore", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--id", id, "--yes",
                "--allow-fk-violations", "--allow-redacted");
        assertThat(allowed.exitCode()).as(allowed.err()).isZero();
    }

    @Test
    void unknownProfileIsAUsageErrorAndFullNeedsARecipient() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        assertThat(cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--profile", "nope")
                .exitCode()).isEqualTo(2);
        Run full = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--profile", "full");
        assertThat(full.exitCode()).isEqualTo(1);
        assertThat(full.err()).contains("full profile", "encrypt");
        assertThat(CliTestKit.everythingIn(store)).isEmpty();
    }

    @Test
    void maxSizeRefusesALargeDatabase() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        Run run = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--max-size", "1KiB");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("1024", "maxBackupBytes");
        assertThat(CliTestKit.everythingIn(store)).isEmpty();
        assertThat(cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--max-size", "lots")
                .exitCode()).isEqualTo(2);
    }

    @Test
    void importChecksAndStores() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        String id = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString()).lastLine();
        Path sidecar = store.resolve(id + ".json");
        Path archive = store.resolve(id + ".tar.zst");
        Path uploads = dir.resolve("uploads");

        Run tooBig = cli("import", "--store", uploads.toString(), "--sidecar", sidecar.toString(), "--archive",
                archive.toString(), "--max-size", "100");
        assertThat(tooBig.exitCode()).isEqualTo(1);
        assertThat(tooBig.err()).contains("maxUploadBytes");
        assertThat(CliTestKit.everythingIn(uploads)).isEmpty();

        Run imported = cli("import", "--store", uploads.toString(), "--sidecar", sidecar.toString(), "--archive",
                archive.toString());
        assertThat(imported.exitCode()).as(imported.err()).isZero();
        assertThat(imported.lastLine()).isEqualTo(id);
        assertThat(Files.readAllBytes(uploads.resolve(id + ".tar.zst"))).isEqualTo(Files.readAllBytes(archive));
        assertThat(cli("verify", "--store", uploads.toString(), "--id", id).exitCode()).isZero();
    }
}
