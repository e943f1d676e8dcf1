package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestoreOptions;
import io.backupkit.StorageException;
import io.backupkit.VerifyDepth;
import io.backupkit.metrics.MicrometerBackupMetrics;
import io.backupkit.testing.FailingStore;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.backupkit.spi.Store;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.MDC;

/** The Micrometer binding against real backups, and the backup id in the MDC during a run. */
class MetricsAndLogContextTest {

    @TempDir
    Path work;
    Path db;
    Path storeDir;
    final JobsTest.MutableClock clock = new JobsTest.MutableClock(Instant.parse("2026-11-26T10:00:00Z"));

    @BeforeEach
    void database() throws Exception {
        db = work.resolve("app.db");
        storeDir = work.resolve("store");
        FaultTestKit.exec(db,
                "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id))",
                "INSERT INTO parent VALUES (1)",
                "INSERT INTO child VALUES (1, 1)");
    }

    private BackupService.Builder builder() {
        return BackupService.builder().dataSource(FaultTestKit.dataSource(db)).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeDir)).clock(clock);
    }

    @Test
    void countsDurationsSizesFailuresAndTheAgeOfTheLastBackup() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // A backup already in the store when the application starts: the gauge finds it.
        BackupManifest earlier = builder().build().backup();
        clock.advance(Duration.ofMinutes(30));
        MicrometerBackupMetrics metrics = new MicrometerBackupMetrics(registry, Tags.of("app", "demo"), clock);
        BackupService service = builder().observer(metrics).build();
        assertThat(registry.get("backupkit.last.backup.age").tag("app", "demo").gauge().value()).isEqualTo(1800.0);

        clock.advance(Duration.ofMinutes(10));
        BackupManifest manifest = service.backup();
        clock.advance(Duration.ofSeconds(90));
        assertThat(registry.get("backupkit.backups").tags("result", "success", "app", "demo").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("backupkit.backup.duration").tag("result", "success").timer().count()).isEqualTo(1);
        assertThat(registry.get("backupkit.backup.duration").tag("result", "success").timer()
                .totalTime(TimeUnit.NANOSECONDS)).isPositive();
        assertThat(registry.get("backupkit.backup.size").summary().totalAmount())
                .isEqualTo((double) Files.size(storeDir.resolve(manifest.id() + ".tar.zst")));
        assertThat(registry.get("backupkit.last.backup.age").gauge().value()).isEqualTo(90.0);
        assertThat(earlier.createdAt()).isBefore(manifest.createdAt());

        // A failed deep verification (an orphan row, foreign keys off) and a failed restore.
        FaultTestKit.exec(db, "INSERT INTO child VALUES (2, 42)");
        BackupManifest orphaned = service.backup();
        service.verify(manifest.id(), VerifyDepth.DEEP);
        service.verify(orphaned.id(), VerifyDepth.DEEP);
        assertThat(registry.get("backupkit.verifications").tags("depth", "deep", "result", "ok").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get("backupkit.verifications").tags("depth", "deep", "result", "failed").counter()
                .count()).isEqualTo(1.0);
        assertThat(registry.get("backupkit.incidents").tag("kind", "verify_failed").counter().count()).isEqualTo(1.0);
        assertThatThrownBy(() -> service.restore(orphaned.id(), RestoreOptions.builder().build()))
                .hasMessageContaining("foreign_key_check");
        assertThat(registry.get("backupkit.restores").tag("result", "failure").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("backupkit.restores").tag("result", "success").counter().count()).isZero();
        assertThat(registry.get("backupkit.incidents").tag("kind", "restore_failed").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("backupkit.backups").tag("result", "success").counter().count()).isEqualTo(2.0);
    }

    @Test
    void aFullStoreCountsAsAFailureAndTheAgeIsUnknownWithoutBackups() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MicrometerBackupMetrics metrics = new MicrometerBackupMetrics(registry, Tags.empty(), clock);
        BackupService full = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect()).store(new FailingStore(LocalFolderStore.at(storeDir), 100)).clock(clock)
                .observer(metrics).build();
        assertThatThrownBy(full::backup).isInstanceOf(StorageException.class);
        assertThat(registry.get("backupkit.backups").tag("result", "failure").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("backupkit.backups").tag("result", "success").counter().count()).isZero();
        assertThat(registry.get("backupkit.incidents").tag("kind", "store_full").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("backupkit.last.backup.age").gauge().value()).isNaN();
    }

    /** A store that notes the MDC's backup id on every write to an upload (made on the archive thread). */
    private static final class MdcSpyStore extends io.backupkit.testing.StreamWrappingStore {
        private final Set<String> seen;

        MdcSpyStore(Store delegate, Set<String> seen) {
            super(delegate);
            this.seen = seen;
        }

        @Override
        protected OutputStream wrap(String name, OutputStream out) {
            return new FilterOutputStream(out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    seen.add(String.valueOf(MDC.get("backupkit.backup")));
                    out.write(b, off, len);
                }
            };
        }
    }

    @Test
    void everyReportOfARunSeesTheBackupIdInTheMdc() {
        BackupService service = builder().build();
        Set<String> seen = Collections.synchronizedSet(new HashSet<>());
        List<String> restoreSeen = Collections.synchronizedList(new ArrayList<>());
        BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(p -> seen.add(
                String.valueOf(MDC.get("backupkit.backup")))));
        assertThat(seen).containsExactly(manifest.id());
        assertThat(MDC.get("backupkit.backup")).as("removed after the run").isNull();

        // The archive is written to the store from another thread, which carries the id too.
        Set<String> storeSaw = Collections.synchronizedSet(new HashSet<>());
        Store spy = new MdcSpyStore(LocalFolderStore.at(work.resolve("spied")), storeSaw);
        BackupManifest spied = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect()).store(spy).build().backup();
        assertThat(storeSaw).containsExactly(spied.id());

        // A restore logs under the restored backup's id, its safety backup under its own, then the
        // restore's again.
        BackupService observed = builder().progressListener(p -> restoreSeen.add(p.phase() + " "
                + MDC.get("backupkit.backup"))).build();
        String safety = observed.restore(manifest.id(), RestoreOptions.builder().build()).safetyBackupId();
        assertThat(restoreSeen).contains("VERIFY " + manifest.id(), "STAGE " + manifest.id(),
                "SAFETY_BACKUP " + safety, "SWAP " + manifest.id(), "DONE " + manifest.id());
        assertThat(MDC.get("backupkit.backup")).isNull();
    }
}
