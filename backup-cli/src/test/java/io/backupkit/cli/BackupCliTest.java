package io.backupkit.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI's commands, output formats and exit codes, run in-process through {@link BackupCli#run}. */
class BackupCliTest {

    @TempDir
    Path dir;

    private Path db;
    private Path store;

    @BeforeEach
    void database() throws Exception {
        db = CliTestKit.appDb(dir.resolve("app.db"));
        store = dir.resolve("backups");
    }

    /** Exit code and output of one in-process run. */
    record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }

        String lastLine() {
            List<String> lines = lines();
            return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
        }
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BackupCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private String backup(String storeArgument) {
        Run run = cli("backup", "--db", "jdbc:sqlite:" + db, "--store", storeArgument, "--label", "nightly");
        assertThat(run.exitCode()).as("backup exit code; stderr: %s", run.err()).isZero();
        assertThat(run.lastLine()).as("the last line of stdout").matches(CliTestKit.ID_PATTERN);
        return run.lastLine();
    }

    @Test
    void backupPrintsTheNewIdAsTheLastLineAndListShowsIt() throws Exception {
        String id = backup(store.toString());

        Run list = cli("list", "--store", store.toString());

        assertThat(list.exitCode()).isZero();
        assertThat(list.err()).isEmpty();
        assertThat(list.lines()).hasSize(1);
        String[] fields = list.lines().get(0).split(" ");
        assertThat(fields).as("ID CREATED SIZE TABLES ENCRYPTED VERIFIED").hasSize(6);
        assertThat(fields[0]).isEqualTo(id);
        Instant created = Instant.parse(fields[1]);
        assertThat(fields[1]).endsWith("Z");
        assertThat(created).isBetween(Instant.now().minusSeconds(120), Instant.now());
        assertThat(id).startsWith(fields[1].replaceAll("[-:]", "").replace(".", "").substring(0, 15));
        assertThat(Long.parseLong(fields[2])).as("size in bytes").isEqualTo(Files.size(store.resolve(id + ".tar.zst")));
        assertThat(Integer.parseInt(fields[3])).as("tables").isEqualTo(2);
        assertThat(fields[4]).isEqualTo("no");
        assertThat(fields[5]).as("not verified yet").isEqualTo("no");
    }

    @Test
    void listShowsBackupsOldestFirstAndNothingForAnEmptyStore() {
        Run empty = cli("list", "--store", store.toString());
        assertThat(empty.exitCode()).isZero();
        assertThat(empty.out()).isEmpty();

        String first = backup(store.toString());
        String second = backup(store.toString());

        assertThat(cli("list", "--store", store.toString()).lines()).extracting(l -> l.split(" ")[0])
                .containsExactly(first, second);
    }

    @Test
    void verifySucceedsOnAnIntactBackup() {
        String id = backup(store.toString());

        Run verify = cli("verify", "--store", store.toString(), "--id", id);

        assertThat(verify.exitCode()).as("stderr: %s", verify.err()).isZero();
        assertThat(verify.out()).contains("OK", id);
    }

    @Test
    void verifyFailsAndNamesTheArchiveWhenOneByteInTheMiddleIsCorrupt() throws Exception {
        String id = backup(store.toString());
        Path archive = store.resolve(id + ".tar.zst");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(archive, bytes);

        Run verify = cli("verify", "--store", store.toString(), "--id", id);

        assertThat(verify.exitCode()).isEqualTo(1);
        assertThat(verify.err()).contains("FAILED", id, id + ".tar.zst");
        assertThat(verify.err()).containsAnyOf("damaged", "differs");
        assertThat(verify.out()).doesNotContain("OK");
        // An export refuses a damaged archive rather than write part of it.
        Path out = dir.resolve("restore.sql");
        Run export = cli("export-sql", "--store", store.toString(), "--id", id, "--out", out.toString());
        assertThat(export.exitCode()).isEqualTo(1);
        assertThat(export.err()).contains(id);
        assertThat(out).doesNotExist();
        assertThat(CliTestKit.everythingIn(dir)).noneSatisfy(p -> assertThat(p.getFileName().toString())
                .startsWith(".restore.sql"));
    }

    @Test
    void verifyFailsAndNamesTheEntryWhenAnEntryDoesNotMatchTheManifest() throws Exception {
        String id = backup(store.toString());
        // Rewrite the archive with one entry changed, and fix up the sidecar so only the entry is wrong.
        Path archive = store.resolve(id + ".tar.zst");
        Path work = Files.createDirectories(dir.resolve("work"));
        CliTestKit.requireCli("zstd");
        CliTestKit.requireCli("tar");
        assertThat(CliTestKit.run(List.of("zstd", "-q", "-d", archive.toString(), "-o", work.resolve("a.tar").toString()),
                null, 60).exitCode()).isZero();
        Path extracted = Files.createDirectories(work.resolve("x"));
        assertThat(CliTestKit.run(List.of("tar", "-xf", work.resolve("a.tar").toString(), "-C", extracted.toString()),
                null, 60).exitCode()).isZero();
        Path schema;
        try (var files = Files.list(extracted.resolve("sql"))) {
            schema = files.filter(p -> p.getFileName().toString().contains("schema")).findFirst().orElseThrow();
        }
        Files.writeString(schema, Files.readString(schema).replace("CREATE TABLE", "CREATE  TABLE"));
        List<String> names;
        try (var files = Files.list(extracted.resolve("sql"))) {
            names = files.map(p -> "sql/" + p.getFileName()).sorted().toList();
        }
        List<String> tarCommand = new java.util.ArrayList<>(List.of("tar", "-cf", work.resolve("b.tar").toString(),
                "-C", extracted.toString()));
        tarCommand.addAll(names);
        tarCommand.add("manifest.json");
        assertThat(CliTestKit.run(tarCommand, null, 60).exitCode()).isZero();
        Files.delete(archive);
        assertThat(CliTestKit.run(List.of("zstd", "-q", work.resolve("b.tar").toString(), "-o", archive.toString()),
                null, 60).exitCode()).isZero();
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(archive)));
        Path sidecar = store.resolve(id + ".json");
        String json = Files.readString(sidecar)
                .replaceAll("\"archiveSha256\" : \"[0-9a-f]+\"", "\"archiveSha256\" : \"" + sha + "\"")
                .replaceAll("\"sizeBytes\" : \\d+", "\"sizeBytes\" : " + Files.size(archive));
        Files.writeString(sidecar, json);

        Run verify = cli("verify", "--store", store.toString(), "--id", id);

        assertThat(verify.exitCode()).as("stdout: %s", verify.out()).isEqualTo(1);
        assertThat(verify.err()).contains("FAILED", "sql/" + schema.getFileName(), "the manifest records")
                .doesNotContain("differs from the sidecar");
    }

    @Test
    void exportSqlWritesAScriptThatSqlite3LoadsIntoAnIdenticalDatabase() throws Exception {
        String id = backup(store.toString());
        Path script = dir.resolve("restore.sql");

        Run export = cli("export-sql", "--store", store.toString(), "--id", id, "--out", script.toString());

        assertThat(export.exitCode()).as("stderr: %s", export.err()).isZero();
        assertThat(script).isRegularFile();
        Path restored = CliTestKit.sqlite3Load(script, dir.resolve("restored.db"));
        assertThat(CliTestKit.identity(restored)).isEqualTo(CliTestKit.identity(db));
        assertThat(CliTestKit.identity(restored)).contains("user_version/application_id: [42, 1234567]");
    }

    @Test
    void aFileUriStoreIsTheSameStoreAsItsPath() {
        String id = backup("file:" + store.toAbsolutePath());

        assertThat(store.resolve(id + ".tar.zst")).isRegularFile();
        assertThat(cli("list", "--store", store.toString()).out()).startsWith(id + " ");
        assertThat(cli("list", "--store", store.toUri().toString()).out()).startsWith(id + " ");
        assertThat(cli("verify", "--store", "file:" + store.toAbsolutePath(), "--id", id).exitCode()).isZero();
    }

    @Test
    void usageErrorsExitWithTwo() {
        Run noStore = cli("list");
        assertThat(noStore.exitCode()).isEqualTo(2);
        assertThat(noStore.err()).contains("--store");

        Run unknown = cli("restore-everything", "--store", store.toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("restore-everything");

        Run badId = cli("verify", "--store", store.toString(), "--id", "../../etc/passwd");
        assertThat(badId.exitCode()).isEqualTo(2);
        assertThat(badId.err()).contains("not a backup id");

        Run noCommand = cli();
        assertThat(noCommand.exitCode()).isEqualTo(2);
        assertThat(noCommand.err()).contains("backup", "list", "verify", "export-sql");

        Run noDb = cli("backup", "--store", store.toString());
        assertThat(noDb.exitCode()).isEqualTo(2);
        assertThat(noDb.err()).contains("--db");

        Run notJdbc = cli("backup", "--db", db.toString(), "--store", store.toString());
        assertThat(notJdbc.exitCode()).isEqualTo(2);
        assertThat(notJdbc.err()).contains("JDBC URL");

        Run s3 = cli("list", "--store", "s3://bucket/prefix?endpoint=http://127.0.0.1:9&bogus=1");
        assertThat(s3.exitCode()).isEqualTo(2);
        assertThat(s3.err()).contains("invalid --store", "'bogus'");
    }

    @Test
    void aMissingDatabaseFileIsNamedAndNotCreated() throws Exception {
        Path missing = dir.resolve("no-such.db");

        Run run = cli("backup", "--db", "jdbc:sqlite:" + missing, "--store", store.toString());

        assertThat(run.exitCode()).isIn(1, 2);
        assertThat(run.err()).contains(missing.toString()).contains("does not exist");
        assertThat(missing).doesNotExist();
        assertThat(CliTestKit.everythingIn(store)).isEmpty();
    }

    @Test
    void aFileThatIsNotADatabaseFailsWithOneAndLeavesNothing() throws Exception {
        Path notes = Files.writeString(dir.resolve("notes.db"), "not a database\n".repeat(100));

        Run run = cli("backup", "--db", "jdbc:sqlite:" + notes, "--store", store.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(notes.toString(), "not a SQLite database");
        assertThat(run.out()).isEmpty();
        assertThat(CliTestKit.everythingIn(store)).isEmpty();
    }

    @Test
    void verifyOfAnUnknownIdFailsWithOne() {
        Run run = cli("verify", "--store", store.toString(), "--id", "20261126T134655123Z-k3f9a2");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("20261126T134655123Z-k3f9a2");
    }

    @Test
    void aStoreBelowARegularFileFailsNamingThePath() throws Exception {
        Path file = Files.writeString(dir.resolve("plain"), "x");

        Run run = cli("list", "--store", file.resolve("backups").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(file.toString(), "not a folder");
    }
}
