package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.AccessDeniedException;
import io.backupkit.AccessPolicy;
import io.backupkit.Actor;
import io.backupkit.AgeIdentity;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.AuditVerification;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RestoreOptions;
import io.backupkit.SignatureException;
import io.backupkit.SigningKeys;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import io.backupkit.WrongKeyException;
import io.backupkit.spi.AuditSink;
import io.backupkit.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail, access policy and rate limits on a real SQLite database: every operation is
 * recorded, denials and rate-limit hits run nothing, key and signature failures are told apart,
 * and a restore of an old backup leaves the trail (a file outside the database) intact.
 */
class AuditTrailTest {

    private static final String EMAIL = "alice.secret@example.test";
    private static final String PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2VjcmV0c2FsdA$SECRETHASHVALUE";

    @TempDir
    Path dir;

    private Path db;
    private Path trail;
    private Path temp;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));

    private final Actor root = Actor.user("root@demo.test", Set.of(Actor.SUPER_ADMIN), "203.0.113.9")
            .withReason("settings page");
    private final Actor manager = Actor.user("manager@demo.test", Set.of("admin"), "203.0.113.10");

    @BeforeEach
    void createDatabase() throws Exception {
        db = dir.resolve("data/app.db");
        Files.createDirectories(db.getParent());
        trail = dir.resolve("logs/backup-audit.jsonl");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(db,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, password_hash TEXT NOT NULL)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT, reported_by INTEGER REFERENCES users(id))",
                "INSERT INTO users VALUES (1, '" + EMAIL + "', '" + PASSWORD_HASH + "')",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                        + "INSERT INTO tickets SELECT i, 'pump leak ' || i, 1 FROM n");
    }

    private BackupService.Builder builder() {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(dir.resolve("store")))
                .options(BackupOptions.builder().tempDirectory(temp).build())
                .clock(clock);
    }

    private BackupService service() {
        return builder().auditTrail(trail)
                .accessPolicy(AccessPolicy.superAdminOnly().allowing("admin", Operation.LIST, Operation.STATUS))
                .build();
    }

    private static List<AuditRecord> records(BackupService service) {
        return service.auditRecords(Actor.system("test"), AuditSink.Order.OLDEST_FIRST, Integer.MAX_VALUE);
    }

    private static AuditRecord last(List<AuditRecord> records, Operation op) {
        return records.stream().filter(r -> r.operation() == op).reduce((a, b) -> b).orElseThrow();
    }

    @Test
    void restoringAnOldBackupLeavesTheTrailIntact() throws Exception {
        BackupService service = service();
        BackupManifest backup = service.backup(root, BackupRequest.defaults());
        long size = service.info(root, backup.id()).sizeBytes();
        FaultTestKit.exec(db, "DELETE FROM tickets WHERE id > 10", "UPDATE users SET email = 'changed@example.test'");
        assertThat(service.list(root)).hasSize(1);
        byte[] before = Files.readAllBytes(trail);

        service.restore(root, backup.id(), RestoreOptions.builder().build());

        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(500);
        byte[] after = Files.readAllBytes(trail);
        assertThat(Arrays.copyOf(after, before.length)).as("the trail only grew").isEqualTo(before);
        AuditVerification check = service.verifyAudit(root);
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(4);

        List<AuditRecord> records = records(service);
        assertThat(records).extracting(AuditRecord::operation).containsExactly(Operation.BACKUP, Operation.LIST,
                Operation.LIST, Operation.RESTORE, Operation.AUDIT);
        AuditRecord backupRecord = records.get(0);
        assertThat(backupRecord.backupId()).isEqualTo(backup.id());
        assertThat(backupRecord.bytes()).isEqualTo(size);
        assertThat(backupRecord.outcome()).isEqualTo(AuditOutcome.OK);
        assertThat(backupRecord.actorId()).isEqualTo("root@demo.test");
        assertThat(backupRecord.remoteAddress()).isEqualTo("203.0.113.9");
        assertThat(backupRecord.reason()).isEqualTo("settings page");
        AuditRecord restore = records.get(3);
        assertThat(restore.outcome()).isEqualTo(AuditOutcome.OK);
        assertThat(restore.backupId()).isEqualTo(backup.id());
        assertThat(restore.bytes()).isEqualTo(size);
        assertThat(records.get(4).detail()).startsWith("verify: intact: 4 records");

        // a second service (a restarted application) continues the same chain
        BackupService restarted = service();
        restarted.undoLastRestore(root, RestoreOptions.builder().build());
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM tickets")).isEqualTo(10);
        assertThat(restarted.verifyAudit().intact()).isTrue();
        AuditRecord undo = last(records(restarted), Operation.UNDO);
        assertThat(undo.outcome()).isEqualTo(AuditOutcome.OK);
        assertThat(undo.backupId()).isNotEqualTo(backup.id()).isNotNull();   // the pre-restore backup

        String text = Files.readString(trail, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(EMAIL).doesNotContain("SECRETHASHVALUE").doesNotContain("pump leak");
    }

    @Test
    void deniedAttemptsRunNothingAndAreRecorded() throws Exception {
        BackupService service = service();
        BackupManifest backup = service.backup();
        String liveBefore = RestoreTestKit.sha256(db);

        assertThatThrownBy(() -> service.restore(manager, backup.id(), RestoreOptions.builder().build()))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessage("access denied: manager@demo.test may not restore");
        assertThatThrownBy(() -> service.exportSql(manager, backup.id(), new ByteArrayOutputStream()))
                .isInstanceOf(AccessDeniedException.class);
        ByteArrayOutputStream download = new ByteArrayOutputStream();
        assertThatThrownBy(() -> service.download(manager, backup.id(), download)).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> service.backup(manager, BackupRequest.defaults())).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> service.delete(manager, backup.id())).isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> service.verifyAudit(manager)).isInstanceOf(AccessDeniedException.class);
        assertThat(service.list(manager)).hasSize(1);
        assertThat(service.status(manager).backupsKept()).isEqualTo(1);

        assertThat(RestoreTestKit.sha256(db)).isEqualTo(liveBefore);
        assertThat(download.size()).isZero();
        assertThat(service.list()).hasSize(1);
        List<AuditRecord> records = records(service);
        assertThat(records.stream().filter(r -> r.actorId().equals("manager@demo.test")))
                .extracting(AuditRecord::operation, AuditRecord::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(Operation.RESTORE, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.EXPORT, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.DOWNLOAD, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.BACKUP, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.DELETE, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.AUDIT, AuditOutcome.DENIED),
                        org.assertj.core.groups.Tuple.tuple(Operation.LIST, AuditOutcome.OK),
                        org.assertj.core.groups.Tuple.tuple(Operation.STATUS, AuditOutcome.OK));
        assertThat(records.stream().filter(r -> r.outcome() == AuditOutcome.DENIED))
                .allSatisfy(r -> assertThat(r.remoteAddress()).isEqualTo("203.0.113.10"));
        assertThat(service.verifyAudit().intact()).isTrue();
    }

    @Test
    void rateLimitsFollowTheServiceClockAndHitsAreRecorded() {
        BackupService service = service();
        BackupManifest backup = service.backup();
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        service.exportSql(root, backup.id(), first);
        clock.advance(Duration.ofMinutes(59));
        assertThatThrownBy(() -> service.exportSql(root, backup.id(), new ByteArrayOutputStream()))
                .isInstanceOfSatisfying(RateLimitedException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(1)));
        ByteArrayOutputStream nightly = new ByteArrayOutputStream();
        service.exportSql(Actor.system("nightly"), backup.id(), nightly);                     // the system actor is exempt
        assertThat(nightly.size()).isPositive();
        clock.advance(Duration.ofMinutes(1));
        service.exportSql(root, backup.id(), new ByteArrayOutputStream());

        List<AuditRecord> exports = records(service).stream().filter(r -> r.operation() == Operation.EXPORT).toList();
        assertThat(exports).extracting(AuditRecord::outcome).containsExactly(AuditOutcome.OK, AuditOutcome.RATE_LIMITED,
                AuditOutcome.OK, AuditOutcome.OK);
        assertThat(exports.get(0).bytes()).isEqualTo((long) first.size());
        assertThat(exports.get(1).detail()).isEqualTo("limit 1 time per PT1H; retry after 60 s");
        assertThat(exports.get(1).time()).isEqualTo(Instant.parse("2026-11-26T10:59:00Z"));
        assertThat(exports.get(2).actorId()).isEqualTo("system");
        assertThat(exports.get(2).reason()).isEqualTo("nightly");
    }

    @Test
    void keyAndSignatureFailuresAreRecordedApart() throws Exception {
        AgeIdentity identity = AgeIdentity.generate();
        KeyPair signing = SigningKeys.generate();
        BackupService encrypting = builder().auditTrail(trail).encryptTo(identity.recipients())
                .signWith(signing.getPrivate()).trustedKeys(List.of(signing.getPublic())).build();
        BackupManifest backup = encrypting.backup(root, BackupRequest.defaults());

        assertThatThrownBy(() -> encrypting.exportSql(root, backup.id(), new ByteArrayOutputStream()))
                .isInstanceOf(WrongKeyException.class);
        assertThatThrownBy(() -> encrypting.withIdentity(AgeIdentity.generate())
                .restore(root, backup.id(), RestoreOptions.builder().build())).isInstanceOf(WrongKeyException.class);
        // the failed export sent nothing, so the hour is not spent: the right key works at once
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        encrypting.withIdentity(identity).exportSql(root, backup.id(), sql);
        assertThat(sql.toString(StandardCharsets.UTF_8)).contains("CREATE TABLE");

        // another instance trusting another key refuses the backup, and appends to the same trail
        BackupService foreignTrust = builder().auditTrail(trail)
                .trustedKeys(List.of(SigningKeys.generate().getPublic())).build().withIdentity(identity);
        String liveBefore = RestoreTestKit.sha256(db);
        assertThatThrownBy(() -> foreignTrust.restore(root, backup.id(), RestoreOptions.builder().build()))
                .isInstanceOf(SignatureException.class).hasMessageContaining("does not verify against any trusted key");
        assertThat(RestoreTestKit.sha256(db)).isEqualTo(liveBefore);
        VerificationResult verify = foreignTrust.verify(root, backup.id(), VerifyDepth.QUICK);
        assertThat(verify.ok()).isFalse();

        List<AuditRecord> records = records(encrypting);
        assertThat(records).extracting(AuditRecord::operation, AuditRecord::outcome).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Operation.BACKUP, AuditOutcome.OK),
                org.assertj.core.groups.Tuple.tuple(Operation.EXPORT, AuditOutcome.KEY_FAILURE),
                org.assertj.core.groups.Tuple.tuple(Operation.RESTORE, AuditOutcome.KEY_FAILURE),
                org.assertj.core.groups.Tuple.tuple(Operation.EXPORT, AuditOutcome.OK),
                org.assertj.core.groups.Tuple.tuple(Operation.RESTORE, AuditOutcome.SIGNATURE_FAILURE),
                org.assertj.core.groups.Tuple.tuple(Operation.VERIFY, AuditOutcome.SIGNATURE_FAILURE));
        assertThat(records.get(1).detail()).startsWith("WrongKeyException: backup " + backup.id() + " is encrypted");
        assertThat(records.get(1).bytes()).isZero();
        assertThat(records.get(2).detail()).contains("is not encrypted to the supplied age identity");
        assertThat(records.get(3).bytes()).isEqualTo((long) sql.size());
        assertThat(records.get(4).detail()).startsWith("SignatureException: backup " + backup.id());
        assertThat(encrypting.verifyAudit().intact()).isTrue();

        String text = Files.readString(trail, StandardCharsets.UTF_8);
        String secretKey = identity.toKeyFile().lines().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
        assertThat(text).doesNotContain(secretKey).doesNotContain(secretKey.toLowerCase(java.util.Locale.ROOT))
                .doesNotContain(Base64.getEncoder().encodeToString(signing.getPrivate().getEncoded()))
                .doesNotContain(EMAIL).doesNotContain("SECRETHASHVALUE");
    }

    @Test
    void theMethodsWithoutAnActorAreAuditedAsTheSystem() {
        BackupService service = service();
        BackupManifest backup = service.backup();
        service.list();
        service.status();
        service.info(backup.id());
        service.verify(backup.id());
        service.exportSql(backup.id(), new ByteArrayOutputStream());
        service.preview(backup.id());
        service.delete(backup.id());
        assertThatThrownBy(() -> service.verify(backup.id())).isInstanceOf(io.backupkit.BackupNotFoundException.class);

        List<AuditRecord> records = records(service);
        assertThat(records).extracting(AuditRecord::operation).containsExactly(Operation.BACKUP, Operation.LIST,
                Operation.STATUS, Operation.LIST, Operation.VERIFY, Operation.EXPORT, Operation.PREVIEW, Operation.DELETE,
                Operation.VERIFY);
        assertThat(records).allSatisfy(r -> {
            assertThat(r.actorId()).isEqualTo("system");
            assertThat(r.roles()).containsExactly(Actor.SYSTEM);
        });
        assertThat(records.get(records.size() - 1).outcome()).isEqualTo(AuditOutcome.FAILED);
        assertThat(records.get(records.size() - 1).detail()).startsWith("BackupNotFoundException: no backup " + backup.id());
        assertThat(records.get(7).backupId()).isEqualTo(backup.id());
        assertThat(service.auditRecords(root, AuditSink.Order.NEWEST_FIRST, 3)).extracting(AuditRecord::seq)
                .containsExactly(10L, 9L, 8L);
    }

    @Test
    void concurrentOperationsKeepOneValidChain() throws Exception {
        BackupService service = service();
        service.backup();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        List<java.util.concurrent.Future<?>> futures = new java.util.ArrayList<>();
        for (int t = 0; t < 6; t++) {
            Actor actor = t % 2 == 0 ? root : manager;
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    service.list(actor);
                    service.status(actor);
                }
                return null;
            }));
        }
        for (java.util.concurrent.Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        AuditVerification check = service.verifyAudit();
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(1 + 6 * 20 * 2);
    }

    @Test
    void scheduledBackupsAreAuditedAsTheSchedulerWithoutRateLimits() {
        BackupService service = service();
        try (io.backupkit.BackupScheduler scheduler = io.backupkit.BackupScheduler.builder().service(service)
                .every(Duration.ofHours(1)).build()) {
            for (int i = 0; i < 8; i++) {   // more than the default 6 backups per hour of a person
                scheduler.runNow();
            }
        }
        List<AuditRecord> backups = records(service).stream().filter(r -> r.operation() == Operation.BACKUP).toList();
        assertThat(backups).hasSize(8).allSatisfy(r -> {
            assertThat(r.outcome()).isEqualTo(AuditOutcome.OK);
            assertThat(r.actorId()).isEqualTo("system");
            assertThat(r.reason()).isEqualTo("scheduler");
        });
    }

    @Test
    void withoutATrailRecordsGoToTheLogOnlyAndCannotBeVerified() {
        BackupService service = builder().build();
        service.backup();
        AuditVerification check = service.verifyAudit();
        assertThat(check.intact()).isFalse();
        assertThat(check.problem()).isEqualTo(AuditVerification.Problem.NOT_CONFIGURED);
        assertThat(service.auditRecords(root, AuditSink.Order.NEWEST_FIRST, 10)).isEmpty();
        assertThat(Files.exists(trail)).isFalse();
    }

    @Test
    void backgroundJobsAreRefusedWhenStartedAndAuditedWhenTheyRun() throws Exception {
        BackupService service = service();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.startBackup(manager, io.backupkit.BackupRequest.defaults()))
                .isInstanceOf(io.backupkit.AccessDeniedException.class);
        io.backupkit.Job<io.backupkit.BackupManifest> job = service.startBackup(root, io.backupkit.BackupRequest.defaults());
        assertThat(job.await(java.time.Duration.ofSeconds(30))).isTrue();
        io.backupkit.BackupManifest manifest = job.result().orElseThrow();

        List<AuditRecord> records = records(service);
        AuditRecord denied = records.stream().filter(r -> r.actorId().equals(manager.id())).findFirst().orElseThrow();
        assertThat(denied.outcome()).isEqualTo(io.backupkit.AuditOutcome.DENIED);
        assertThat(denied.operation()).isEqualTo(Operation.BACKUP);
        AuditRecord done = last(records, Operation.BACKUP);
        assertThat(done.actorId()).isEqualTo(root.id());
        assertThat(done.outcome()).isEqualTo(io.backupkit.AuditOutcome.OK);
        assertThat(done.backupId()).isEqualTo(manifest.id());
        assertThat(service.verifyAudit().intact()).isTrue();
    }
}
