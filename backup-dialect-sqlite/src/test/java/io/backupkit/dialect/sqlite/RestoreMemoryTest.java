package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore memory stays bounded by the rows in flight, not by the number of INSERT statements in
 * the archive. Named bug: staging cached one prepared statement per parsed statement, so an
 * archive of many small statements ran a 64 MiB JVM out of heap.
 */
class RestoreMemoryTest {

    @TempDir
    Path work;

    @Test
    void manySmallStatementsRestoreInASmallHeap() throws Exception {
        Path db = work.resolve("source.db");
        SqliteTestTools.execute(db,
                "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b REAL, c BLOB)",
                "INSERT INTO t SELECT x, 'row ' || x, x / 3.0, randomblob(16) FROM (WITH RECURSIVE c(x) AS "
                        + "(SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 60000) SELECT x FROM c)");
        Path store = Files.createDirectories(work.resolve("store"));
        BackupService service = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect()).store(LocalFolderStore.at(store))
                .options(BackupOptions.builder().insertBatchRows(1).build()).build();
        BackupManifest manifest = service.backup();

        Path live = work.resolve("restored.db");
        Path temp = Files.createDirectories(work.resolve("tmp"));
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx24m", "-cp", classPath, RestoreInChildJvm.class.getName(), live.toString(), store.toString(),
                temp.toString(), manifest.id()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(output, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(text).isZero();
        assertThat(text).contains("RESTORED").doesNotContain("OutOfMemoryError");
        SqliteTestTools.assertIdentical(db, live);
    }
}
