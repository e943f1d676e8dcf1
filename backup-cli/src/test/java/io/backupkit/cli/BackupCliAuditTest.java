package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --audit-trail} on the commands that change or read the database, and {@code audit}. */
class BackupCliAuditTest {

    @TempDir
    Path dir;

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
    void commandsRecordThemselvesAndAuditPrintsAndVerifiesTheTrail() throws Exception {
        Path db = CliTestKit.appDb(Files.createDirectories(dir.resolve("data")).resolve("app.db"));
        String url = "jdbc:sqlite:" + db;
        String store = dir.resolve("store").toString();
        String trail = dir.resolve("logs/audit.jsonl").toString();
        String user = "cli:" + System.getProperty("user.name");

        Run backup = cli("backup", "--db", url, "--store", store, "--audit-trail", trail);
        assertThat(backup.exitCode()).as(backup.err()).isZero();
        String id = backup.lastLine();
        assertThat(cli("preview", "--db", url, "--store", store, "--id", id, "--audit-trail", trail).exitCode()).isZero();
        Run restore = cli("restore", "--db", url, "--store", store, "--id", id, "--yes", "--allow-fk-violations",
                "--audit-trail", trail);
        assertThat(restore.exitCode()).as(restore.err()).isZero();
        Run missing = cli("restore", "--db", url, "--store", store, "--id", "20200101T000000000Z-aaaaaa", "--yes",
                "--audit-trail", trail);
        assertThat(missing.exitCode()).isEqualTo(1);

        Run print = cli("audit", "--trail", trail);
        assertThat(print.exitCode()).as(print.err()).isZero();
        List<String> lines = print.out().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).matches("1 \\S+Z BACKUP OK actor=" + user + " \\[system\\] from=local backup=" + id
                + " bytes=\\d+ ms=\\d+ reason=\"backup-cli backup\"");
        assertThat(lines.get(1)).startsWith("2 ").contains(" PREVIEW OK ", "backup=" + id);
        assertThat(lines.get(2)).startsWith("3 ").contains(" RESTORE OK ", "backup=" + id, "reason=\"backup-cli restore\"");
        assertThat(lines.get(3)).startsWith("4 ").contains(" RESTORE FAILED ",
                "detail=\"BackupNotFoundException: no backup 20200101T000000000Z-aaaaaa");

        Run newest = cli("audit", "--trail", trail, "--newest-first", "--limit", "2");
        assertThat(newest.out().lines().map(l -> l.split(" ")[0]).toList()).containsExactly("4", "3");

        Run verify = cli("audit", "--trail", trail, "--verify");
        assertThat(verify.exitCode()).as(verify.err()).isZero();
        assertThat(verify.out()).isEqualTo("OK intact: 4 records, the last is 4" + System.lineSeparator());

        // someone removes the failed attempt from the middle
        List<String> records = new ArrayList<>(Files.readAllLines(Path.of(trail), StandardCharsets.UTF_8));
        records.remove(1);
        Files.write(Path.of(trail), records, StandardCharsets.UTF_8);
        Run broken = cli("audit", "--trail", trail, "--verify");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).contains("BROKEN DELETED: record 2 is missing before line 2");

        // someone edits who did it
        records.set(0, records.get(0).replace(user, "cli:nobody"));
        Files.write(Path.of(trail), records, StandardCharsets.UTF_8);
        broken = cli("audit", "--trail", trail, "--verify");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).contains("BROKEN EDITED: record 1 (line 1) was edited");

        records.set(1, "{not json");
        Files.write(Path.of(trail), records, StandardCharsets.UTF_8);
        Run garbled = cli("audit", "--trail", trail);
        assertThat(garbled.exitCode()).isEqualTo(1);
        assertThat(garbled.out().lines()).hasSize(1);
        assertThat(garbled.err()).contains("line 2 of", "is not a valid audit record");
    }

    @Test
    void aMissingTrailIsAnErrorAndIsNotCreated() {
        Path trail = dir.resolve("nope.jsonl");
        Run run = cli("audit", "--trail", trail.toString(), "--verify");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no audit trail at " + trail);
        assertThat(Files.exists(trail)).isFalse();
        assertThat(cli("audit").exitCode()).isEqualTo(2);
    }
}
