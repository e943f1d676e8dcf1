package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a progress listener sees during a backup, and that a broken listener cannot break a backup. */
class ProgressListenerTest {

    @TempDir
    Path dir;

    private Path db;

    @BeforeEach
    void database() throws Exception {
        db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
    }

    private BackupService.Builder builder() {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(dir.resolve("store")))
                // Small statements and chunks, so there are many reports and many archive entries.
                .options(BackupOptions.builder().insertBatchRows(100).chunkBytes(64 * 1024).build());
    }

    @Test
    void reportsArriveInPhaseOrderWithMonotonicCountsThatEndAtTheTotals() {
        List<Progress> reports = new ArrayList<>();
        BackupService service = builder().progressListener(reports::add).build();

        BackupManifest manifest = service.backup();

        assertThat(reports).isNotEmpty();
        List<Phase> phases = reports.stream().map(Progress::phase).distinct().toList();
        assertThat(phases).containsExactly(Phase.SNAPSHOT, Phase.PLAN, Phase.DATA, Phase.FINISH, Phase.COMMIT,
                Phase.DONE);
        for (int i = 1; i < reports.size(); i++) {
            Progress before = reports.get(i - 1);
            Progress now = reports.get(i);
            assertThat(now.phase().ordinal()).as("phase of report %s", i).isGreaterThanOrEqualTo(before.phase().ordinal());
            assertThat(now.rowsDone()).as("rowsDone of report %s", i).isGreaterThanOrEqualTo(before.rowsDone());
            assertThat(now.bytesWritten()).as("bytesWritten of report %s", i)
                    .isGreaterThanOrEqualTo(before.bytesWritten());
            assertThat(now.rowsDone()).isLessThanOrEqualTo(now.rowsTotal() == 0 ? 0 : now.rowsTotal());
        }
        assertThat(reports.get(0).phase()).isEqualTo(Phase.SNAPSHOT);
        assertThat(reports.get(0).rowsTotal()).isZero();
        assertThat(reports).filteredOn(p -> p.phase().compareTo(Phase.PLAN) >= 0)
                .allSatisfy(p -> assertThat(p.rowsTotal()).isEqualTo(manifest.totalRows()));
        assertThat(reports).filteredOn(p -> p.phase() == Phase.DATA)
                .allSatisfy(p -> assertThat(p.table()).isIn("users", "machines", "tickets", "messages"))
                .hasSizeGreaterThan(manifest.totalRows() > 0 ? (int) (manifest.totalRows() / 100) : 0);
        assertThat(reports).filteredOn(p -> p.phase() != Phase.DATA).allSatisfy(p -> assertThat(p.table()).isNull());
        assertThat(reports.stream().filter(p -> p.phase() == Phase.DATA).map(Progress::table).distinct().toList())
                .as("tables in the order written").containsExactlyElementsOf(manifest.plan().tableOrder());

        Progress last = reports.get(reports.size() - 1);
        assertThat(last.phase()).isEqualTo(Phase.DONE);
        assertThat(last.fraction()).isEqualTo(1.0);
        assertThat(last.rowsDone()).isEqualTo(last.rowsTotal()).isEqualTo(manifest.totalRows()).isEqualTo(14_240);
        assertThat(last.bytesWritten()).isPositive().isEqualTo(service.info(manifest.id()).sizeBytes());
        assertThat(reports).filteredOn(p -> p.phase() == Phase.DONE).hasSize(1);
    }

    @Test
    void bytesReachTheStoreWhileRowsAreStillBeingWritten() {
        // Uncompressed, so no compressor's internal buffering hides the stream (zstd's worker
        // gathers megabytes before it emits a block).
        List<Progress> reports = new ArrayList<>();
        BackupService service = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .store(LocalFolderStore.at(dir.resolve("store")))
                .options(BackupOptions.builder().chunkBytes(64 * 1024).compression(io.backupkit.Compression.none()).build())
                .progressListener(reports::add)
                .build();

        BackupManifest manifest = service.backup();

        long total = service.info(manifest.id()).sizeBytes();
        assertThat(reports).filteredOn(p -> p.phase() == Phase.DATA && p.bytesWritten() > 0 && p.bytesWritten() < total / 2)
                .as("reports in the data phase with some, but not yet most, bytes stored").isNotEmpty();
    }

    @Test
    void theServiceListenerAndTheRequestListenerBothReceiveEveryReport() {
        List<Progress> service = new ArrayList<>();
        List<Progress> request = new ArrayList<>();

        builder().progressListener(service::add).build().backup(BackupRequest.defaults().withListener(request::add));

        assertThat(request).isNotEmpty().isEqualTo(service);
    }

    @Test
    void aListenerThatThrowsDoesNotFailTheBackupNorSilenceOtherListeners() {
        AtomicInteger calls = new AtomicInteger();
        ProgressListener broken = p -> {
            calls.incrementAndGet();
            throw new IllegalStateException("progress bar crashed");
        };
        List<Progress> request = new ArrayList<>();
        BackupService service = builder().progressListener(broken).build();

        BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(request::add));
        int backupCalls = calls.get();

        // The service listener also receives the verification's progress, and does not fail it either.
        assertThat(service.verify(manifest.id()).ok()).isTrue();
        assertThat(calls.get()).isGreaterThan(backupCalls);
        assertThat(manifest.totalRows()).isEqualTo(14_240);
        assertThat(backupCalls).as("the broken listener kept being called").isEqualTo(request.size());
        assertThat(request.get(request.size() - 1).phase()).isEqualTo(Phase.DONE);
    }

    @Test
    void aRequestListenerThatThrowsDoesNotFailTheBackup() {
        BackupService service = builder().build();

        BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(p -> {
            throw new UnsupportedOperationException("listener bug");
        }));

        assertThat(service.list()).extracting(b -> b.id()).containsExactly(manifest.id());
    }
}
