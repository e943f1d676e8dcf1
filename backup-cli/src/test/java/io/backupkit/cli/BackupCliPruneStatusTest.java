package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prune} and {@code status}. */
class BackupCliPruneStatusTest {

    @TempDir
    Path dir;

    record Run(int exitCode, String out, String err) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private List<String> ids(Path store) {
        return cli("list", "--store", store.toString()).out().lines().map(l -> l.split(" ")[0]).toList();
    }

    @Test
    void pruneKeepsTheNewestAndDryRunDeletesNothing() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        assertThat(cli("status", "--store", store.toString()).out()).contains("last backup: none")
                .contains("backups kept: 0");
        for (int i = 0; i < 3; i++) {
            assertThat(cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString()).exitCode()).isZero();
        }
        List<String> before = ids(store);
        assertThat(before).hasSize(3);

        Run dry = cli("prune", "--store", store.toString(), "--keep-last", "1", "--dry-run");
        assertThat(dry.exitCode()).isZero();
        assertThat(dry.out()).contains("keep   " + before.get(2)).contains("delete " + before.get(0))
                .contains("would delete 2 of 3");
        assertThat(ids(store)).isEqualTo(before);

        Run prune = cli("prune", "--store", store.toString(), "--keep-last", "1");
        assertThat(prune.out()).contains("deleted 2 of 3");
        assertThat(ids(store)).containsExactly(before.get(2));

        Run status = cli("status", "--store", store.toString());
        assertThat(status.out()).contains("last backup: " + before.get(2)).contains("backups kept: 1");
    }

    @Test
    void verifyRecordsItsResultWhichListAndStatusShow() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("store");
        assertThat(cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString()).exitCode()).isZero();
        String id = ids(store).get(0);
        assertThat(cli("list", "--store", store.toString()).out().strip()).endsWith(" no");
        assertThat(cli("status", "--store", store.toString()).out()).contains("verified no")
                .contains("last verified backup: none");

        Run quick = cli("verify", "--store", store.toString(), "--id", id, "--no-record");
        assertThat(quick.exitCode()).isZero();
        assertThat(cli("list", "--store", store.toString()).out().strip()).as("--no-record").endsWith(" no");

        Run quickRecorded = cli("verify", "--store", store.toString(), "--id", id);
        assertThat(quickRecorded.exitCode()).as(quickRecorded.err()).isZero();
        String line = cli("list", "--store", store.toString()).out().strip();
        assertThat(line.split(" ")[5]).matches("quick:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        Run status = cli("status", "--store", store.toString());
        assertThat(status.out()).contains("verified quick:").contains("last verified backup: " + id)
                .contains("took ");

        // The test database has orphans (foreign keys off): the deep verification fails, is recorded
        // over the quick one, and shown.
        Run deep = cli("verify", "--store", store.toString(), "--id", id, "--deep");
        assertThat(deep.exitCode()).isEqualTo(1);
        assertThat(cli("list", "--store", store.toString()).out().strip().split(" ")[5]).startsWith("FAILED:");
        assertThat(cli("status", "--store", store.toString()).out())
                .contains("FAILED verification: " + id).contains("foreign_key_check")
                .contains("last verified backup: none");
    }

    @Test
    void pruneWithoutAnyRuleIsAUsageError() {
        Run run = cli("prune", "--store", dir.resolve("store").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--keep-");
    }
}
