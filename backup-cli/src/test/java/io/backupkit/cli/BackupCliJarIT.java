package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executable jar as operators run it: {@code java -jar backup-cli.jar ...} in a child process.
 * Run by maven-failsafe after {@code package}, which builds the jar.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BackupCliJarIT {

    private static Path jar;

    @TempDir
    Path dir;

    @BeforeAll
    static void findJar() {
        jar = Path.of(System.getProperty("backupkit.cliJar", "target/backup-cli.jar")).toAbsolutePath();
        assertThat(jar).as("the executable jar; build it with mvn package").isRegularFile();
    }

    private static List<String> java(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(List.of(args));
        return command;
    }

    private static CliTestKit.Result cli(String... args) throws IOException, InterruptedException {
        return CliTestKit.run(java(List.of(), args), null, 90);
    }

    @Test
    void backupListVerifyAndExportRoundTrip() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        Path store = dir.resolve("backups");

        CliTestKit.Result backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString(),
                "--label", "before upgrade");
        assertThat(backup.exitCode()).as("stderr: %s", backup.stderr()).isZero();
        List<String> lines = backup.lines();
        String id = lines.get(lines.size() - 1);
        assertThat(id).matches(CliTestKit.ID_PATTERN);
        assertThat(backup.stderr()).as("no progress bar when stderr is not a terminal").doesNotContain("\r[");

        CliTestKit.Result list = cli("list", "--store", "file:" + store);
        assertThat(list.exitCode()).isZero();
        assertThat(list.lines()).singleElement().satisfies(line -> {
            String[] fields = line.split(" ");
            assertThat(fields).hasSize(6);
            assertThat(fields[0]).isEqualTo(id);
            assertThat(java.time.Instant.parse(fields[1])).isNotNull();
            assertThat(Long.parseLong(fields[2])).isEqualTo(Files.size(store.resolve(id + ".tar.zst")));
            assertThat(fields[3]).isEqualTo("2");
            assertThat(fields[4]).isEqualTo("no");
            assertThat(fields[5]).as("verified").isEqualTo("no");
        });

        CliTestKit.Result verify = cli("verify", "--store", store.toString(), "--id", id);
        assertThat(verify.exitCode()).as("stderr: %s", verify.stderr()).isZero();

        // Export to stdout, as `backup-cli export-sql ... > restore.sql` would.
        Path script = dir.resolve("restore.sql");
        Process export = new ProcessBuilder(java(List.of(), "export-sql", "--store", store.toString(), "--id", id))
                .redirectOutput(script.toFile())
                .redirectError(dir.resolve("export.err").toFile())
                .start();
        assertThat(export.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(export.exitValue()).as("stderr: %s", Files.readString(dir.resolve("export.err"))).isZero();
        Path restored = CliTestKit.sqlite3Load(script, dir.resolve("restored.db"));
        assertThat(CliTestKit.identity(restored)).isEqualTo(CliTestKit.identity(db));

        Path file = dir.resolve("restore-file.sql");
        CliTestKit.Result toFile = cli("export-sql", "--store", store.toString(), "--id", id, "--out", file.toString());
        assertThat(toFile.exitCode()).isZero();
        assertThat(Files.readAllBytes(file)).isEqualTo(Files.readAllBytes(script));

        CliTestKit.Result usage = cli("verify", "--store", store.toString(), "--id", "nonsense");
        assertThat(usage.exitCode()).isEqualTo(2);
        CliTestKit.Result missing = cli("backup", "--db", "jdbc:sqlite:" + dir.resolve("missing.db"), "--store",
                store.toString());
        assertThat(missing.exitCode()).isIn(1, 2);
        assertThat(missing.stderr()).contains(dir.resolve("missing.db").toString());
        assertThat(dir.resolve("missing.db")).doesNotExist();
    }

    /**
     * The restore commands as an operator runs them: preview, then restore answering the prompt on
     * stdin (a wrong answer changes nothing, the backup id restores), then undo-restore, and a
     * restore into a database file that does not exist yet.
     */
    @Test
    void previewRestoreWithThePromptOnStdinAndUndo() throws Exception {
        Path db = CliTestKit.appDb(dir.resolve("app.db"));
        // appDb leaves tickets pointing at a deleted user; a restore refuses foreign-key violations
        CliTestKit.exec(db, "DELETE FROM tickets WHERE user_id NOT IN (SELECT id FROM users)");
        Path store = dir.resolve("backups");
        List<String> original = CliTestKit.identity(db);
        CliTestKit.Result backup = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString());
        assertThat(backup.exitCode()).as("stderr: %s", backup.stderr()).isZero();
        String id = backup.lines().get(backup.lines().size() - 1);
        CliTestKit.exec(db, "DELETE FROM tickets WHERE id <= 50");
        List<String> damaged = CliTestKit.identity(db);

        CliTestKit.Result preview = cli("preview", "--db", "jdbc:sqlite:" + db, "--store", store.toString(), "--id", id);
        assertThat(preview.exitCode()).as("stderr: %s", preview.stderr()).isZero();
        assertThat(preview.stdout()).contains("bring back 50 deleted rows");

        Path wrong = Files.writeString(dir.resolve("wrong.txt"), "not-the-id\n");
        CliTestKit.Result refused = CliTestKit.run(java(List.of(), "restore", "--db", "jdbc:sqlite:" + db, "--store",
                store.toString(), "--id", id), wrong, 90);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stdout()).contains("Type the backup id to restore it");
        assertThat(CliTestKit.identity(db)).isEqualTo(damaged);

        Path right = Files.writeString(dir.resolve("right.txt"), id + "\n");
        CliTestKit.Result restored = CliTestKit.run(java(List.of(), "restore", "--db", "jdbc:sqlite:" + db, "--store",
                store.toString(), "--id", id), right, 90);
        assertThat(restored.exitCode()).as("stderr: %s", restored.stderr()).isZero();
        assertThat(CliTestKit.identity(db)).isEqualTo(original);

        CliTestKit.Result undo = cli("undo-restore", "--db", "jdbc:sqlite:" + db, "--store", store.toString());
        assertThat(undo.exitCode()).as("stderr: %s", undo.stderr()).isZero();
        assertThat(CliTestKit.identity(db)).isEqualTo(damaged);

        Path fresh = dir.resolve("fresh.db");
        CliTestKit.Result created = cli("restore", "--db", "jdbc:sqlite:" + fresh, "--store", store.toString(), "--id",
                id, "--yes");
        assertThat(created.exitCode()).as("stderr: %s", created.stderr()).isZero();
        assertThat(CliTestKit.identity(fresh)).isEqualTo(original);
    }

    /**
     * The crash test: a backup process killed mid-write leaves nothing that is listed, and
     * the next CLI invocation (which opens the store) removes its temporary file.
     */
    @Test
    void aBackupKilledMidWriteLeavesNothingListedAndTheNextRunCleansUp() throws Exception {
        Path db = bigDatabase(dir.resolve("big.db"), "WAL");
        Path store = dir.resolve("backups");

        killMidWrite(db, store, List.of());

        assertThat(CliTestKit.tempFiles(store)).as("the killed writer's temporary file, still there").isNotEmpty();
        CliTestKit.Result list = cli("list", "--store", store.toString());
        assertThat(list.exitCode()).isZero();
        assertThat(list.stdout()).as("backups listed after the crash").isEmpty();
        assertThat(CliTestKit.tempFiles(store)).as("temporary files after the next run").isEmpty();
        assertThat(CliTestKit.everythingIn(store)).isEmpty();

        CliTestKit.Result fresh = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", store.toString());
        assertThat(fresh.exitCode()).as("stderr: %s", fresh.stderr()).isZero();
        String id = fresh.lines().get(fresh.lines().size() - 1);
        assertThat(cli("list", "--store", store.toString()).lines()).singleElement()
                .satisfies(line -> assertThat(line).startsWith(id + " "));
        assertThat(cli("verify", "--store", store.toString(), "--id", id).exitCode()).isZero();
    }

    /**
     * In rollback-journal mode the backup reads a private copy of the database in the temp
     * directory. A process killed mid-write must not leave that copy behind (a full copy of the
     * application's data) once the next backup has run.
     */
    @Test
    void aKilledBackupOfARollbackJournalDatabaseLeavesNoSnapshotCopyBehind() throws Exception {
        Path db = bigDatabase(dir.resolve("big.db"), "DELETE");
        Path store = dir.resolve("backups");
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> jvm = List.of("-Djava.io.tmpdir=" + tmp);

        killMidWrite(db, store, jvm);
        assertThat(CliTestKit.everythingIn(tmp)).as("the killed backup's snapshot copy")
                .anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith("backupkit-snapshot-"));
        CliTestKit.Result next = CliTestKit.run(java(jvm, "backup", "--db", "jdbc:sqlite:" + db, "--store",
                store.toString()), null, 90);
        assertThat(next.exitCode()).as("stderr: %s", next.stderr()).isZero();
        assertThat(next.stderr()).contains("WAL");

        // (sqlite-jdbc's own native library files there are its business.)
        assertThat(CliTestKit.everythingIn(tmp)).as("snapshot copies left in the temp directory")
                .noneSatisfy(p -> assertThat(p.getFileName().toString()).startsWith("backupkit-"));
        assertThat(CliTestKit.tempFiles(store)).isEmpty();
    }

    /** Starts a backup in a child process and kills it once bytes are going into the store. */
    private void killMidWrite(Path db, Path store, List<String> jvmOptions) throws Exception {
        Process child = new ProcessBuilder(java(jvmOptions, "backup", "--db", "jdbc:sqlite:" + db, "--store",
                store.toString()))
                .redirectOutput(dir.resolve("killed.out").toFile())
                .redirectError(dir.resolve("killed.err").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!writing(store)) {
                if (!child.isAlive()) {
                    fail("the backup ended (exit " + child.exitValue() + ") before it was seen writing; stderr: "
                            + Files.readString(dir.resolve("killed.err")));
                }
                if (System.nanoTime() > deadline) {
                    fail("the backup did not start writing within 60 s");
                }
                Thread.sleep(5);
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(child.exitValue()).as("exit code of the killed process").isNotZero();
    }

    /** Whether a hidden upload file with some bytes in it exists in the store folder. */
    private static boolean writing(Path store) throws IOException {
        for (Path temp : CliTestKit.tempFiles(store)) {
            try {
                if (Files.size(temp) > 0) {
                    return true;
                }
            } catch (java.nio.file.NoSuchFileException gone) {
                // committed or aborted meanwhile
            }
        }
        return false;
    }

    /** About 60 MB of mostly incompressible rows, made in a second or two. */
    private static Path bigDatabase(Path db, String journalMode) throws Exception {
        CliTestKit.exec(db,
                "PRAGMA journal_mode=" + journalMode,
                "CREATE TABLE events (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, payload BLOB NOT NULL, note TEXT)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 240000) "
                        + "INSERT INTO events SELECT i, 'kind-' || (i % 17), randomblob(200), hex(randomblob(20)) FROM n");
        assertThat(Files.size(db)).as("database size").isGreaterThan(50L * 1024 * 1024);
        return db;
    }
}
