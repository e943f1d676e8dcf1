package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The restore commands, run in-process through {@link BackupCli#run}: {@code preview},
 * {@code restore} (with and without {@code --yes}, into an existing and a new database file) and
 * {@code undo-restore}, checked against the real {@code sqlite3}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BackupCliRestoreTest {

    @TempDir
    Path dir;

    private Path db;
    private Path store;
    private String id;
    private List<String> original;
    private InputStream stdin;

    /** Exit code and output of one in-process run. */
    record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs the CLI with the given text on System.in, as a person typing at the prompt. */
    private static Run cliWithInput(String typed, String... args) {
        System.setIn(new ByteArrayInputStream(typed.getBytes(StandardCharsets.UTF_8)));
        return cli(args);
    }

    @BeforeEach
    void backUpThenDamage() throws Exception {
        stdin = System.in;
        db = CliTestKit.appDb(dir.resolve("app.db"));
        // appDb deletes user 300 with foreign keys off, leaving 10 tickets that point nowhere; a
        // restore refuses a backup that fails PRAGMA foreign_key_check, so start from a sound one
        CliTestKit.exec(db, "DELETE FROM tickets WHERE user_id NOT IN (SELECT id FROM users)");
        store = dir.resolve("backups");
        original = CliTestKit.identity(db);
        Run backup = cli("backup", "--db", url(db), "--store", store.toString());
        assertThat(backup.exitCode()).as("backup; stderr: %s", backup.err()).isZero();
        id = backup.lines().get(backup.lines().size() - 1);
        assertThat(id).matches(CliTestKit.ID_PATTERN);
        CliTestKit.exec(db,
                "DELETE FROM tickets WHERE id BETWEEN 1 AND 5",
                "UPDATE tickets SET title = 'changed' WHERE id IN (10, 11, 12)",
                "INSERT INTO users (email, name) VALUES ('late1@example.com', 'x'), ('late2@example.com', 'y')");
    }

    @AfterEach
    void restoreStdin() {
        System.setIn(stdin);
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }

    private List<String> listedIds() {
        Run list = cli("list", "--store", store.toString());
        assertThat(list.exitCode()).isZero();
        return list.lines().stream().map(line -> line.split(" ")[0]).toList();
    }

    private static List<Path> stagingFiles(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().contains(".backupkit-staging-")).toList();
        }
    }

    @Test
    void previewPrintsTheSummaryAndOneLinePerTable() throws Exception {
        String before = sha256(db);

        Run preview = cli("preview", "--db", url(db), "--store", store.toString(), "--id", id);

        assertThat(preview.exitCode()).as("stderr: %s", preview.err()).isZero();
        List<String> lines = preview.lines();
        assertThat(lines.get(0)).startsWith("Restoring the backup of ").contains("2 users", "revert 3 changed rows",
                "bring back 5 deleted rows");
        assertThat(lines.get(1)).matches("table\\s+backup\\s+live\\s+lost\\s+changed\\s+added");
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("users\\s+299\\s+301\\s+2\\s+0\\s+0"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("tickets\\s+2990\\s+2985\\s+0\\s+3\\s+5"));
        assertThat(lines).contains("schema version: backup 42, live 42");
        assertThat(sha256(db)).as("the preview changed nothing").isEqualTo(before);
        assertThat(listedIds()).containsExactly(id);
    }

    @Test
    void restoreWithYesIntoAFileThatDoesNotExistCreatesAnIdenticalDatabase() throws Exception {
        Path fresh = dir.resolve("restored").resolve("new.db");
        Files.createDirectories(fresh.getParent());

        Run restore = cli("restore", "--db", url(fresh), "--store", store.toString(), "--id", id, "--yes");

        assertThat(restore.exitCode()).as("stderr: %s", restore.err()).isZero();
        assertThat(restore.out()).contains("restored " + id).doesNotContain("undo");
        assertThat(CliTestKit.identity(fresh)).isEqualTo(original);
        assertThat(listedIds()).as("no safety backup of a database that did not exist").containsExactly(id);
        assertThat(stagingFiles(fresh.getParent())).isEmpty();
    }

    @Test
    void restoreWithoutYesAndTheWrongAnswerChangesNothing() throws Exception {
        String before = sha256(db);

        Run restore = cliWithInput("wrong\n", "restore", "--db", url(db), "--store", store.toString(), "--id", id);

        assertThat(restore.exitCode()).isNotZero();
        assertThat(restore.out()).as("the preview is shown before the question").contains("Restoring the backup of ")
                .contains("Type the backup id to restore it");
        assertThat(restore.err()).contains("not confirmed");
        assertThat(sha256(db)).isEqualTo(before);
        assertThat(listedIds()).as("no safety backup").containsExactly(id);
        assertThat(stagingFiles(db.getParent())).isEmpty();
    }

    @Test
    void restoreWithoutYesAndNoAnswerChangesNothing() throws Exception {
        String before = sha256(db);

        Run restore = cliWithInput("", "restore", "--db", url(db), "--store", store.toString(), "--id", id);

        assertThat(restore.exitCode()).isNotZero();
        assertThat(sha256(db)).isEqualTo(before);
    }

    @Test
    void restoreWithTheRightIdThenUndoRestore() throws Exception {
        List<String> damaged = CliTestKit.identity(db);

        Run restore = cliWithInput(id + "\n", "restore", "--db", url(db), "--store", store.toString(), "--id", id);

        assertThat(restore.exitCode()).as("stderr: %s", restore.err()).isZero();
        assertThat(restore.out()).contains("restored " + id).contains("undo with undo-restore");
        assertThat(CliTestKit.identity(db)).isEqualTo(original);
        assertThat(listedIds()).as("the original and the safety backup").hasSize(2);

        Run undo = cli("undo-restore", "--db", url(db), "--store", store.toString());

        assertThat(undo.exitCode()).as("stderr: %s", undo.err()).isZero();
        assertThat(undo.out()).contains("restored safety backup");
        assertThat(CliTestKit.identity(db)).isEqualTo(damaged);
        assertThat(stagingFiles(db.getParent())).isEmpty();
    }

    @Test
    void undoRestoreWithoutARestoreFails() {
        Run undo = cli("undo-restore", "--db", url(db), "--store", store.toString());

        assertThat(undo.exitCode()).isEqualTo(1);
        assertThat(undo.err()).contains("no restore to undo");
    }

    @Test
    void selectiveRestoreBringsBackChosenRowsAndReportsEachOne() throws Exception {
        Run rows = cli("restore", "--db", url(db), "--store", store.toString(), "--id", id,
                "--rows", "tickets:1,2", "--on-conflict", "SKIP");

        assertThat(rows.exitCode()).as("stderr: %s", rows.err()).isZero();
        assertThat(rows.out()).contains("tickets 1 inserted").contains("tickets 2 inserted")
                .contains("2 inserted, 0 overwritten");
        // Tickets 3 to 5 stay deleted and the edits made after the backup stay.
        List<String> now = CliTestKit.identity(db);
        assertThat(now).isNotEqualTo(original);
        Run whole = cli("restore", "--db", url(db), "--store", store.toString(), "--id", id, "--tables", "tickets");
        assertThat(whole.exitCode()).as("stderr: %s", whole.err()).isZero();
        assertThat(whole.out()).contains("table_replaced");
        Run both = cli("restore", "--db", url(db), "--store", store.toString(), "--id", id, "--tables", "tickets",
                "--rows", "tickets:1");
        assertThat(both.exitCode()).isEqualTo(2);
        Run bad = cli("restore", "--db", url(db), "--store", store.toString(), "--id", id, "--rows", "tickets");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(listedIds()).containsExactly(id);
    }

    @Test
    void previewOfADatabaseThatDoesNotExistIsAUsageError() {
        Path missing = dir.resolve("missing.db");

        Run preview = cli("preview", "--db", url(missing), "--store", store.toString(), "--id", id);

        assertThat(preview.exitCode()).isEqualTo(2);
        assertThat(preview.err()).contains("does not exist");
        assertThat(missing).doesNotExist();
    }

    @Test
    void backupWithMediaAndRestoreWithMediaPutsBackMissingFiles() throws Exception {
        Path media = Files.createDirectories(dir.resolve("uploads/2026"));
        Files.writeString(media.resolve("photo.txt"), "photo bytes");
        Files.writeString(media.resolve("kept.txt"), "kept bytes");
        Run backup = cli("backup", "--db", url(db), "--store", store.toString(), "--media", dir.resolve("uploads").toString());
        assertThat(backup.exitCode()).as("backup; stderr: %s", backup.err()).isZero();
        String withMedia = backup.lines().get(backup.lines().size() - 1);
        Files.delete(media.resolve("photo.txt"));
        Files.writeString(media.resolve("kept.txt"), "edited later");

        Run restore = cli("restore", "--db", url(db), "--store", store.toString(), "--id", withMedia, "--yes",
                "--media", dir.resolve("uploads").toString());

        assertThat(restore.exitCode()).as("restore; stderr: %s", restore.err()).isZero();
        assertThat(restore.out()).contains("media: 1 put back, 0 unchanged, 1 left as they are (other content)");
        assertThat(media.resolve("photo.txt")).hasContent("photo bytes");
        assertThat(media.resolve("kept.txt")).hasContent("edited later");
    }
}
