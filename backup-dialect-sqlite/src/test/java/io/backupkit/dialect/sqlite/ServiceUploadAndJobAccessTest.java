package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.AccessDeniedException;
import io.backupkit.AccessPolicy;
import io.backupkit.Actor;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.Job;
import io.backupkit.LocalFolderStore;
import io.backupkit.Operation;
import io.backupkit.testing.MemoryAuditSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service-level upload ({@code importBackup} for an actor) and sidecar download, and job
 * lookups on behalf of an actor: what a web layer needs without touching the catalog itself.
 */
class ServiceUploadAndJobAccessTest {

    @TempDir
    Path dir;

    private Path db;
    private final Actor root = Actor.user("root@demo.test", Set.of(Actor.SUPER_ADMIN), "127.0.0.1");
    private final Actor otherRoot = Actor.user("second@demo.test", Set.of(Actor.SUPER_ADMIN), "127.0.0.1");
    private final Actor manager = Actor.user("manager@demo.test", Set.of("admin"), "127.0.0.1");

    @BeforeEach
    void database() throws Exception {
        db = dir.resolve("app.db");
        FaultTestKit.exec(db, "PRAGMA journal_mode=WAL",
                "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "INSERT INTO items (name) VALUES ('a'), ('b'), ('c')");
    }

    private BackupService service(String store, MemoryAuditSink trail) {
        return BackupService.builder().dataSource(FaultTestKit.dataSource(db)).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(dir.resolve(store))).auditSink(trail)
                .accessPolicy(AccessPolicy.superAdminOnly().allowing("admin", Operation.LIST)).build();
    }

    @Test
    void aDownloadedBackupUploadsIntoAnotherStoreForTheSuperAdminOnlyAndIsAudited() throws Exception {
        MemoryAuditSink sourceTrail = new MemoryAuditSink();
        MemoryAuditSink targetTrail = new MemoryAuditSink();
        BackupService source = service("source", sourceTrail);
        BackupService target = service("target", targetTrail);
        BackupManifest manifest = source.backup(root, BackupRequest.defaults());
        ByteArrayOutputStream sidecar = new ByteArrayOutputStream();
        ByteArrayOutputStream archive = new ByteArrayOutputStream();
        assertThat(source.downloadSidecar(root, manifest.id(), sidecar)).isEqualTo(sidecar.size()).isPositive();
        assertThat(source.download(root, manifest.id(), archive)).isEqualTo(archive.size()).isPositive();

        assertThatThrownBy(() -> target.importBackup(manager, new ByteArrayInputStream(sidecar.toByteArray()),
                new ByteArrayInputStream(archive.toByteArray()))).isInstanceOf(AccessDeniedException.class);
        assertThat(target.list()).isEmpty();

        BackupInfo imported = target.importBackup(root, new ByteArrayInputStream(sidecar.toByteArray()),
                new ByteArrayInputStream(archive.toByteArray()));

        assertThat(imported.id()).isEqualTo(manifest.id());
        assertThat(target.list()).extracting(BackupInfo::id).containsExactly(manifest.id());
        assertThat(target.verify(manifest.id()).ok()).isTrue();
        assertThat(targetTrail.records()).filteredOn(r -> r.operation() == Operation.UPLOAD)
                .extracting(AuditRecord::actorId, AuditRecord::outcome)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(manager.id(), AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(root.id(), AuditOutcome.OK));
        assertThat(sourceTrail.records()).filteredOn(r -> r.operation() == Operation.DOWNLOAD).hasSize(1);
        assertThat(sourceTrail.records()).filteredOn(r -> r.operation() == Operation.LIST)
                .extracting(AuditRecord::backupId).containsExactly(manifest.id());
    }

    @Test
    void aDamagedUploadIsRefusedAndNothingIsListed() throws Exception {
        MemoryAuditSink trail = new MemoryAuditSink();
        BackupService source = service("source", new MemoryAuditSink());
        BackupService target = service("target", trail);
        BackupManifest manifest = source.backup(root, BackupRequest.defaults());
        ByteArrayOutputStream sidecar = new ByteArrayOutputStream();
        ByteArrayOutputStream archive = new ByteArrayOutputStream();
        source.downloadSidecar(root, manifest.id(), sidecar);
        source.download(root, manifest.id(), archive);
        byte[] damaged = archive.toByteArray();
        damaged[damaged.length / 2] ^= 0x40;

        assertThatThrownBy(() -> target.importBackup(root, new ByteArrayInputStream(sidecar.toByteArray()),
                new ByteArrayInputStream(damaged))).isInstanceOf(io.backupkit.InvalidArchiveException.class);

        assertThat(target.list()).isEmpty();
        assertThat(trail.records()).filteredOn(r -> r.operation() == Operation.UPLOAD)
                .extracting(AuditRecord::outcome).containsExactly(AuditOutcome.INVALID);
    }

    @Test
    void aJobIsFoundForItsActorAndForSuperAdminsButNotForOthers() throws Exception {
        BackupService service = service("store", new MemoryAuditSink());
        Job<BackupManifest> job = service.startBackup(root, BackupRequest.defaults());
        assertThat(job.await(Duration.ofSeconds(30))).isTrue();

        assertThat(service.job(root, job.id())).containsSame(job);
        assertThat(service.job(otherRoot, job.id())).as("a super-admin may follow any backup job").containsSame(job);
        assertThat(service.job(manager, job.id())).as("someone else's job is not found").isEmpty();
        assertThat(service.job(root, "no-such-job")).isEmpty();
    }
}
