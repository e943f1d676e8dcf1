package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupScheduler;
import io.backupkit.BackupService;
import io.backupkit.BackupStatus;
import io.backupkit.BackupVerification;
import io.backupkit.LocalFolderStore;
import io.backupkit.StorageException;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import io.backupkit.spi.Store;
import io.backupkit.testing.FailingStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verifications recorded in the sidecar (atomically, signature intact, their own signature), what
 * {@code list} and {@code status} then show, and the incidents the status reports: a failed deep
 * verify, a full store, an expired lease taken over, the next scheduled run.
 */
class VerificationStatusTest {

    @TempDir
    Path work;
    Path db;
    Path storeDir;

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

    private JobsTest.MutableClock clock = new JobsTest.MutableClock(Instant.parse("2026-11-26T10:00:00Z"));

    private BackupService.Builder builder() {
        return BackupService.builder().dataSource(FaultTestKit.dataSource(db)).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeDir)).clock(clock);
    }

    private String sidecar(String id) throws Exception {
        return Files.readString(storeDir.resolve(id + ".json"));
    }

    private List<String> storeFiles() throws Exception {
        try (Stream<Path> files = Files.list(storeDir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aVerificationIsRecordedInTheSidecarAndTheSignatureStillHolds() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        BackupService service = builder().signWith(keys.getPrivate()).trustedKeys(List.of(keys.getPublic())).build();
        BackupManifest manifest = service.backup();
        BackupInfo before = service.info(manifest.id());
        assertThat(before.verification()).isNull();
        assertThat(before.verified()).isFalse();
        assertThat(before.duration()).isNotNull();
        String sidecarBefore = sidecar(manifest.id());

        clock.advance(Duration.ofMinutes(5));
        VerificationResult deep = service.verify(manifest.id(), VerifyDepth.DEEP);
        assertThat(deep.ok()).isTrue();

        BackupInfo after = service.info(manifest.id());
        assertThat(after.verification()).isEqualTo(
                new BackupVerification(Instant.parse("2026-11-26T10:05:00Z"), VerifyDepth.DEEP, true, ""));
        assertThat(after.verified()).isTrue();
        assertThat(service.list()).singleElement().satisfies(b -> assertThat(b.verified()).isTrue());
        // Only the record changed; the sidecar's signed fields are the same, and the backup still verifies
        // against the trusted key (a broken signature would fail here).
        assertThat(after.withVerification(null)).isEqualTo(before);
        assertThat(sidecar(manifest.id())).isNotEqualTo(sidecarBefore).contains("\"verificationSignature\"");
        assertThat(service.verify(manifest.id()).problems()).isEmpty();
        assertThat(storeFiles()).as("replaced in place; no temporary file left")
                .containsExactly(manifest.id() + ".json", manifest.id() + ".tar.zst");
        // The latest verification replaces the earlier record.
        clock.advance(Duration.ofMinutes(1));
        service.verify(manifest.id(), VerifyDepth.QUICK);
        assertThat(service.info(manifest.id()).verification().depth()).isEqualTo(VerifyDepth.QUICK);
        assertThat(service.info(manifest.id()).verification().at()).isEqualTo("2026-11-26T10:06:00Z");
    }

    @Test
    void aForgedRecordIsIgnoredWhenKeysAreTrustedAndRecordingCanBeTurnedOff() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        BackupService plain = builder().recordVerifications(false).build();
        BackupManifest manifest = plain.backup();
        plain.verify(manifest.id(), VerifyDepth.DEEP);
        assertThat(plain.info(manifest.id()).verification()).as("recording off").isNull();

        // Someone with write access to the store records "verified" without the signing key.
        plain.catalog().recordVerification(manifest.id(),
                new BackupVerification(Instant.parse("2026-11-26T11:00:00Z"), VerifyDepth.DEEP, true, ""), null);
        assertThat(plain.info(manifest.id()).verified()).as("no trusted keys: shown as recorded").isTrue();
        BackupService trusting = builder().trustedKeys(List.of(keys.getPublic())).allowUnsigned(true).build();
        assertThat(trusting.info(manifest.id()).verification()).as("unsigned record, trusted keys").isNull();
        assertThat(trusting.status().lastBackupVerified()).isFalse();
    }

    @Test
    void statusShowsTheLastBackupItsVerificationAndAFailedDeepVerify() throws Exception {
        BackupService service = builder().build();
        assertThat(service.status().incidents()).isEmpty();
        BackupManifest good = service.backup();
        service.verify(good.id(), VerifyDepth.DEEP);
        BackupStatus ok = service.status();
        assertThat(ok.lastBackup().id()).isEqualTo(good.id());
        assertThat(ok.lastBackupVerified()).isTrue();
        assertThat(ok.lastBackupSize()).isEqualTo(Files.size(storeDir.resolve(good.id() + ".tar.zst")));
        assertThat(ok.lastBackupDuration()).isNotNull().isPositive();
        assertThat(ok.lastFailure()).isNull();
        assertThat(ok.nextRun()).isNull();

        // The application runs with foreign keys off and leaves an orphan: every checksum is right,
        // but the deep verification (as the scheduler runs it) fails, and the status says so.
        FaultTestKit.exec(db, "INSERT INTO child VALUES (2, 42)");
        clock.advance(Duration.ofMinutes(1));
        BackupScheduler scheduler = BackupScheduler.builder().service(service).every(Duration.ofDays(1))
                .deepVerify(true).clock(clock).leaseSettleTime(Duration.ZERO).build();
        BackupManifest orphaned = scheduler.runNow();
        clock.advance(Duration.ofMinutes(1));
        BackupStatus failed = service.status();
        assertThat(failed.lastBackup().id()).isEqualTo(orphaned.id());
        assertThat(failed.lastBackupVerified()).isFalse();
        assertThat(failed.lastBackup().verification().ok()).isFalse();
        assertThat(failed.lastBackup().verification().problem()).contains("foreign_key_check");
        assertThat(failed.lastFailure()).contains("backup " + orphaned.id() + " failed deep verification")
                .contains("foreign_key_check");
        assertThat(failed.incidents()).extracting(BackupStatus.Incident::kind)
                .containsExactly(BackupStatus.Incident.Kind.VERIFY_FAILED);
        // list shows it too, from the sidecar, in a fresh service (another process, after a restart).
        assertThat(builder().build().list()).extracting(BackupInfo::verified).containsExactly(true, false);
        scheduler.close();
    }

    @Test
    void aFullStoreAndAnExpiredLeaseAreIncidentsAndTheNextRunIsShown() throws Exception {
        BackupService full = BackupService.builder().dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect()).store(new FailingStore(LocalFolderStore.at(storeDir), 100)).clock(clock)
                .build();
        assertThatThrownBy(full::backup).isInstanceOf(StorageException.class);
        BackupStatus afterFull = full.status();
        assertThat(afterFull.lastFailure()).contains("No space left");
        assertThat(afterFull.incidents()).singleElement().satisfies(i -> {
            assertThat(i.kind()).isEqualTo(BackupStatus.Incident.Kind.STORE_FULL);
            assertThat(i.at()).isEqualTo(clock.instant());
        });

        BackupService service = builder().build();
        Store store = service.store();
        String json = "{\"holder\":\"ghost@old-host\",\"token\":\"t-ghost\",\"acquiredAt\":\"2026-11-26T09:00:00Z\","
                + "\"expiresAt\":\"2026-11-26T09:05:00Z\"}";
        try (Store.Upload upload = store.upload(BackupScheduler.LEASE_NAME)) {
            upload.stream().write(json.getBytes(StandardCharsets.UTF_8));
            upload.commit();
        }
        BackupScheduler scheduler = BackupScheduler.builder().service(service).every(Duration.ofHours(6))
                .clock(clock).holder("me@this-host").leaseSettleTime(Duration.ZERO).build();
        scheduler.runNow();
        assertThat(service.status().incidents()).singleElement().satisfies(i -> {
            assertThat(i.kind()).isEqualTo(BackupStatus.Incident.Kind.LEASE_TAKEN_OVER);
            assertThat(i.message()).contains("ghost@old-host").contains("me@this-host");
        });
        assertThat(service.status().lastFailure()).as("a takeover is no failure").isNull();

        assertThat(service.status().nextRun()).as("not started").isNull();
        scheduler.start();
        assertThat(service.status().nextRun()).isEqualTo(scheduler.nextRun().orElseThrow())
                .isEqualTo(Instant.parse("2026-11-26T12:00:00Z"));
        scheduler.close();
        assertThat(service.status().nextRun()).as("closed").isNull();
        try (InputStream in = store.open(BackupScheduler.LEASE_NAME)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).contains("me@this-host");
        }
    }
}
