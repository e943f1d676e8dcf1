package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupService;
import io.backupkit.RestoreOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash safety: a child JVM ({@link RestoreInChildJvm}) restores a backup over a live database and
 * is killed with {@code kill -9} ({@link Process#destroyForcibly()}) after a random delay, spread
 * over the restore's duration: while it stages, while it takes the safety backup, around the swap.
 * After every kill the live database is either the old file, byte for byte, or the backup (equal
 * sorted {@code .dump} and {@code user_version}), and {@code integrity_check} says ok. Staging
 * files the dead process left are removed by {@code cleanUpAbandonedStaging}, and by the next
 * restore.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RestoreCrashTest {

    private static final int KILLS = 8;

    @TempDir
    Path dir;

    private Path live;
    private Path pristineOld;
    private Path storeFolder;
    private Path temp;
    private String backupId;
    private List<String> newDump;

    /** One run of the child: whether it finished, and what it printed. */
    private record Child(long pid, boolean finished, int exitCode, long startedToEndMillis, String output) {
    }

    @Test
    void killedAtRandomPointsTheLiveDatabaseIsOldOrNewAndNeverBroken() throws Exception {
        prepare();

        // A run that is not killed: it works, and tells how long a restore takes.
        resetLive();
        Child full = runChild(-1);
        assertThat(full.finished()).as("the unkilled restore finished; output:%n%s", full.output()).isTrue();
        assertThat(full.exitCode()).as("exit code; output:%n%s", full.output()).isZero();
        assertLiveIsNew();
        long restoreMillis = Math.max(full.startedToEndMillis(), 200);

        Random random = new Random();
        long seed = random.nextLong();
        random.setSeed(seed);
        List<String> outcomes = new ArrayList<>();
        int leftovers = 0;
        for (int i = 0; i < KILLS; i++) {
            resetLive();
            String oldSha = RestoreTestKit.sha256(live);
            // spread over the restore and a little past its end (the swap is its last step, and
            // restores after the first are faster): slot i of KILLS, at a random point in the slot
            long delay = (long) (1.3 * restoreMillis * (i + random.nextDouble()) / KILLS);
            Child child = runChild(delay);

            String outcome;
            if (RestoreTestKit.sha256(live).equals(oldSha)) {
                outcome = "old";
            } else {
                assertLiveIsNew();
                outcome = "new";
            }
            SqliteTestTools.assertHealthy(live);
            outcomes.add(delay + " ms: " + outcome + (child.finished() ? " (finished before the kill)" : ""));

            List<Path> staging = RestoreTestKit.stagingFiles(live.getParent());
            leftovers += staging.size();
            if (i % 2 == 0) {
                int removed = new SqliteDialect().restorer().orElseThrow()
                        .cleanUpAbandonedStaging(FaultTestKit.dataSource(live));
                assertThat(removed).as("staging files removed after kill %d", i).isEqualTo(staging.size());
                assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files after the clean-up")
                        .isEmpty();
            }
            // odd iterations leave them for the next restore (the next iteration's child) to clean up
        }
        System.out.println("RestoreCrashTest (seed " + seed + ", restore " + restoreMillis + " ms, " + leftovers
                + " staging files left by killed processes): " + outcomes);

        // Kills at the two edges of the swap, which random delays rarely hit.
        resetLive();
        String oldSha = RestoreTestKit.sha256(live);
        runChild(0, "before-swap");
        assertThat(RestoreTestKit.sha256(live)).as("killed with the gate closed, before the rename").isEqualTo(oldSha);
        SqliteTestTools.assertHealthy(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("the staging file of the restore killed before"
                + " its rename").isNotEmpty();
        resetLive();
        runChild(0, "after-swap");
        assertLiveIsNew();
        SqliteTestTools.assertHealthy(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files once the next restore (killed"
                + " right after its rename) has cleaned up the earlier one and renamed its own").isEmpty();

        // A new restore after a kill cleans up what the dead one left and succeeds.
        resetLive();
        Child killed = runChild(restoreMillis / 2);
        if (RestoreTestKit.stagingFiles(live.getParent()).isEmpty()) {
            // the kill missed the staging: leave one as a process with that pid would have
            Files.write(live.resolveSibling("." + live.getFileName() + ".backupkit-staging-" + killed.pid() + "-x1.db"),
                    new byte[] {1});
        }
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files left by the killed restore")
                .isNotEmpty();
        BackupService service = RestoreTestKit.service(live, storeFolder, temp);
        service.restore(backupId, RestoreOptions.builder().safetyBackup(false).build());
        assertLiveIsNew();
        SqliteTestTools.assertHealthy(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files after a new restore").isEmpty();
        assertThat(service.list()).as("the store is still readable").isNotEmpty();
    }

    /** A backup of the "new" state, and a pristine copy of the "old" state that each run starts from. */
    private void prepare() throws Exception {
        Path source = SqliteTestTools.maintenanceDb(Files.createDirectories(dir.resolve("source")));
        SqliteTestTools.stampHeader(source, 7, 0x424B5550);
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        backupId = RestoreTestKit.service(source, storeFolder, temp).backup().id();
        newDump = SqliteTestTools.dumpSorted(source);
        FaultTestKit.exec(source,
                "PRAGMA user_version = 8",
                "DELETE FROM ticket_comments WHERE id % 5 = 0",
                "UPDATE tickets SET status = 'completed' WHERE id % 7 = 0",
                "INSERT INTO audit_logs (user_id, action, details, ip, timestamp) "
                        + "VALUES (1, 'old-state', 'x', '127.0.0.1', '2030-01-01T00:00:00Z')");
        pristineOld = RestoreTestKit.snapshotCopy(source, dir.resolve("pristine-old.db"));
        FaultTestKit.exec(pristineOld, "PRAGMA journal_mode = WAL");
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
    }

    /** Puts the old database back as the live one, with no side file. */
    private void resetLive() throws IOException {
        for (String suffix : List.of("", "-wal", "-shm", "-journal")) {
            Files.deleteIfExists(Path.of(live + suffix));
        }
        Files.copy(pristineOld, live, StandardCopyOption.REPLACE_EXISTING);
    }

    private void assertLiveIsNew() {
        assertThat(SqliteTestTools.pragma(live, "user_version")).as("user_version of the live database").isEqualTo("7");
        assertThat(SqliteTestTools.dumpSorted(live)).as("the live database is the backup").isEqualTo(newDump);
    }

    /**
     * Runs the child; with a delay of 0 or more, kills it that long after it printed START (when
     * the restore begins) and waits for it to die. A negative delay lets it finish.
     */
    private Child runChild(long killAfterMillis) throws Exception {
        return runChild(killAfterMillis, null);
    }

    /** With a hang mode, the child hangs at that point of the swap and is killed as soon as it says so. */
    private Child runChild(long killAfterMillis, String hang) throws Exception {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", classPath, RestoreInChildJvm.class.getName(),
                live.toString(), storeFolder.toString(), temp.toString(), backupId));
        if (hang != null) {
            command.add(hang);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch hanging = new CountDownLatch(1);
        long[] startedAt = new long[1];
        StringBuilder output = new StringBuilder();
        Thread pump = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                    if (line.equals("START")) {
                        startedAt[0] = System.nanoTime();
                        started.countDown();
                    } else if (line.equals("HANGING")) {
                        hanging.countDown();
                    }
                }
            } catch (IOException ignored) {
                // the process was killed
            }
        }, "child-output");
        pump.start();
        assertThat(started.await(30, TimeUnit.SECONDS)).as("the child started the restore; output:%n%s", output)
                .isTrue();
        boolean finished;
        if (hang != null) {
            assertThat(hanging.await(60, TimeUnit.SECONDS)).as("the child reached %s; output:%n%s", hang, output)
                    .isTrue();
            process.destroyForcibly();
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the killed child exited").isTrue();
            finished = false;
        } else if (killAfterMillis < 0) {
            finished = process.waitFor(60, TimeUnit.SECONDS);
        } else {
            finished = process.waitFor(killAfterMillis, TimeUnit.MILLISECONDS);
            if (!finished) {
                process.destroyForcibly();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("the killed child exited").isTrue();
            }
        }
        long ended = System.nanoTime();
        pump.join(5_000);
        String text;
        synchronized (output) {
            text = output.toString();
        }
        return new Child(process.pid(), finished, finished ? process.exitValue() : -1,
                TimeUnit.NANOSECONDS.toMillis(ended - startedAt[0]), text);
    }
}
