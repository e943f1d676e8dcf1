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
    void pruneWithoutAnyRuleIsAUsageError() {
        Run run = cli("prune", "--store", dir.resolve("store").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--keep-");
    }
}
