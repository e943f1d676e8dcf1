package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code keygen}, {@code backup --recipient --signing-key} and {@code --identity}/{@code --trusted-key} on reads. */
class BackupCliCryptoTest {

    @TempDir
    Path dir;

    private Path db;
    private Path store;

    @BeforeEach
    void database() throws Exception {
        db = CliTestKit.appDb(dir.resolve("app.db"));
        store = dir.resolve("backups");
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
    void keygenPrintsAnAgeIdentityAndItsRecipient() throws Exception {
        Run keygen = cli("keygen");
        assertThat(keygen.exitCode()).isZero();
        assertThat(keygen.out()).containsPattern("(?m)^# public key: age1[a-z0-9]{58}$")
                .containsPattern("(?m)^AGE-SECRET-KEY-1[A-Z0-9]{58}$");
        assertThat(keygen.err()).matches("Public key: age1[a-z0-9]{58}\\R");
        assertThat(keygen.out()).contains(keygen.err().substring("Public key: ".length()).strip());

        Path key = dir.resolve("key.txt");
        Run toFile = cli("keygen", "--out", key.toString());
        assertThat(toFile.exitCode()).isZero();
        assertThat(toFile.out().strip()).matches("age1[a-z0-9]{58}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");

        Path signing = dir.resolve("sign.pem");
        Run signingKeygen = cli("keygen", "--signing", "--out", signing.toString());
        assertThat(signingKeygen.exitCode()).isZero();
        assertThat(signingKeygen.out()).startsWith("-----BEGIN PUBLIC KEY-----");
        assertThat(Files.readString(signing)).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void encryptedSignedBackupRoundTripsThroughTheCliAndTheAgeTool() throws Exception {
        CliTestKit.requireCli("age");
        Path key = dir.resolve("key.txt");
        String recipient = cli("keygen", "--out", key.toString()).out().strip();
        Path signing = dir.resolve("sign.pem");
        Path trusted = dir.resolve("sign.pub.pem");
        Files.writeString(trusted, cli("keygen", "--signing", "--out", signing.toString()).out());
        Path otherKey = dir.resolve("other.txt");
        String otherRecipient = cli("keygen", "--out", otherKey.toString()).out().strip();

        Run backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(),
                "--recipient", recipient, "--recipient", otherRecipient, "--signing-key", signing.toString());
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        String id = backup.lastLine();
        Path archive = store.resolve(id + ".tar.zst.age");
        assertThat(archive).exists();

        Run list = cli("list", "--store", store.toString());
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).startsWith(id).contains(" yes");

        Run noKey = cli("verify", "--store", store.toString(), "--id", id);
        assertThat(noKey.exitCode()).isEqualTo(1);
        assertThat(noKey.err()).contains("is encrypted").contains("--identity");

        Path stranger = dir.resolve("stranger.txt");
        cli("keygen", "--out", stranger.toString());
        Run wrongKey = cli("verify", "--store", store.toString(), "--id", id, "--identity", stranger.toString(),
                "--trusted-key", trusted.toString());
        assertThat(wrongKey.exitCode()).isEqualTo(1);
        assertThat(wrongKey.err()).contains("not encrypted to the supplied age identity")
                .doesNotContain("AGE-SECRET-KEY");

        Run untrusted = cli("verify", "--store", store.toString(), "--id", id, "--identity", key.toString());
        assertThat(untrusted.exitCode()).isEqualTo(1);
        assertThat(untrusted.err()).contains("no trusted signing keys");

        for (Path identity : List.of(key, otherKey)) {
            Run ok = cli("verify", "--store", store.toString(), "--id", id, "--identity", identity.toString(),
                    "--trusted-key", trusted.toString());
            assertThat(ok.exitCode()).as(ok.err()).isZero();
        }

        Path sql = dir.resolve("export.sql");
        Run export = cli("export-sql", "--store", store.toString(), "--id", id, "--identity", key.toString(),
                "--trusted-key", trusted.toString(), "--out", sql.toString());
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(Files.readString(sql)).contains("user7@example.com");

        Run preview = cli("preview", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--id", id,
                "--identity", key.toString(), "--trusted-key", trusted.toString());
        assertThat(preview.exitCode()).as(preview.err()).isZero();

        Path restored = dir.resolve("restored.db");
        Run restore = cli("restore", "--db", "jdbc:sqlite:" + restored, "--store", store.toString(), "--id", id,
                "--identity", key.toString(), "--trusted-key", trusted.toString(), "--yes",
                "--allow-fk-violations");
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        assertThat(CliTestKit.identity(restored)).isEqualTo(CliTestKit.identity(db));

        // our keygen's identity file works with the age tool itself
        CliTestKit.Result age = CliTestKit.run(List.of("age", "-d", "-i", key.toString(), "-o",
                dir.resolve("plain.tar.zst").toString(), archive.toString()), null, 60);
        assertThat(age.exitCode()).as(age.stderr()).isZero();
        assertThat(Files.size(dir.resolve("plain.tar.zst"))).isPositive();
    }
}
