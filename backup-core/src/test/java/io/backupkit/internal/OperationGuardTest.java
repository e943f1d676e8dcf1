package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.AccessDeniedException;
import io.backupkit.AccessPolicy;
import io.backupkit.Actor;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.InvalidArchiveException;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import io.backupkit.SignatureException;
import io.backupkit.VerificationResult;
import io.backupkit.WrongKeyException;
import io.backupkit.testing.MemoryAuditSink;
import io.backupkit.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class OperationGuardTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final MemoryAuditSink sink = new MemoryAuditSink();
    private final OperationGuard guard = new OperationGuard(
            AccessPolicy.superAdminOnly().allowing("admin", Operation.LIST), RateLimits.defaults(), sink, clock);
    private final Actor root = Actor.user("root@demo.test", Set.of(Actor.SUPER_ADMIN), "10.0.0.7").withReason("monthly copy");
    private final Actor admin = Actor.user("manager@demo.test", Set.of("admin"), "10.0.0.8");

    private AuditRecord last() {
        List<AuditRecord> records = sink.records();
        return records.get(records.size() - 1);
    }

    @Test
    void anAllowedOperationRunsAndIsRecordedWithWhoWhatWhenAndHowMuch() {
        String result = guard.run(root, Operation.EXPORT, "20261126T101500123Z-k3f9a2", note -> {
            clock.advance(Duration.ofSeconds(2));
            try (OutputStream out = note.counting(new ByteArrayOutputStream())) {
                out.write(new byte[1234]);
                out.write(7);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return "done";
        });
        assertThat(result).isEqualTo("done");
        AuditRecord r = last();
        assertThat(r.seq()).isEqualTo(1);
        assertThat(r.time()).isEqualTo(Instant.parse("2026-11-26T10:00:02Z"));
        assertThat(r.actorId()).isEqualTo("root@demo.test");
        assertThat(r.roles()).containsExactly(Actor.SUPER_ADMIN);
        assertThat(r.remoteAddress()).isEqualTo("10.0.0.7");
        assertThat(r.reason()).isEqualTo("monthly copy");
        assertThat(r.operation()).isEqualTo(Operation.EXPORT);
        assertThat(r.backupId()).isEqualTo("20261126T101500123Z-k3f9a2");
        assertThat(r.outcome()).isEqualTo(AuditOutcome.OK);
        assertThat(r.bytes()).isEqualTo(1235L);
        assertThat(r.detail()).isNull();
        assertThat(r.hashValid()).isTrue();
    }

    @Test
    void aDenialThrowsRunsNothingAndIsRecorded() {
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> guard.run(admin, Operation.EXPORT, "id-1", note -> ran.incrementAndGet()))
                .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
                    assertThat(e.actorId()).isEqualTo("manager@demo.test");
                    assertThat(e.operation()).isEqualTo(Operation.EXPORT);
                });
        assertThat(ran).hasValue(0);
        assertThat(last().outcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(last().actorId()).isEqualTo("manager@demo.test");
        assertThat(last().backupId()).isEqualTo("id-1");
        Integer listed = guard.run(admin, Operation.LIST, null, note -> 42);
        assertThat(listed).isEqualTo(42);
        assertThat(last().outcome()).isEqualTo(AuditOutcome.OK);
    }

    @Test
    void aPolicyThatThrowsDenies() {
        OperationGuard broken = new OperationGuard((actor, op) -> {
            throw new IllegalStateException("directory down");
        }, RateLimits.defaults(), sink, clock);
        assertThatThrownBy(() -> broken.run(root, Operation.BACKUP, null, note -> 1))
                .isInstanceOf(AccessDeniedException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
        assertThat(last().outcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(last().detail()).isEqualTo("the access policy threw java.lang.IllegalStateException; denied");
    }

    @Test
    void aRateLimitHitThrowsRunsNothingAndIsRecorded() {
        guard.run(root, Operation.DOWNLOAD, "a", note -> {
            note.bytes(10);
            return null;
        });
        clock.advance(Duration.ofMinutes(15));
        AtomicInteger ran = new AtomicInteger();
        assertThatThrownBy(() -> guard.run(root, Operation.DOWNLOAD, "b", note -> ran.incrementAndGet()))
                .isInstanceOfSatisfying(RateLimitedException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(45)));
        assertThat(ran).hasValue(0);
        AuditRecord r = last();
        assertThat(r.outcome()).isEqualTo(AuditOutcome.RATE_LIMITED);
        assertThat(r.backupId()).isEqualTo("b");
        assertThat(r.detail()).isEqualTo("limit 1 time per PT1H; retry after 2700 s");
        // denied attempts do not count: an admin's denied exports leave the admin's quota alone
        assertThatThrownBy(() -> guard.run(admin, Operation.LIST, null, note -> {
            throw new IllegalStateException();
        })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void failuresAreClassifiedAndOnlyBackupkitMessagesAreRecorded() {
        record Case(RuntimeException thrown, AuditOutcome outcome, String detail) {
        }
        List<Case> cases = List.of(
                new Case(new WrongKeyException("backup X is encrypted: supply the age identity"), AuditOutcome.KEY_FAILURE,
                        "WrongKeyException: backup X is encrypted: supply the age identity"),
                new Case(new SignatureException("backup X failed verification: backup X is not signed"),
                        AuditOutcome.SIGNATURE_FAILURE, "SignatureException: backup X failed verification: backup X is not signed"),
                new Case(new InvalidArchiveException("entry 'sql/1' has 3 bytes;\nthe manifest records 4"), AuditOutcome.INVALID,
                        "InvalidArchiveException: entry 'sql/1' has 3 bytes; the manifest records 4"),
                new Case(new IllegalStateException("duplicate key (email)=(alice@secret.test) password=hunter2"),
                        AuditOutcome.FAILED, "java.lang.IllegalStateException (message not recorded)"),
                new Case(new io.backupkit.StorageException("reading backup X failed: cancelled",
                        new java.io.InterruptedIOException("cancelled")), AuditOutcome.CANCELLED,
                        "StorageException: reading backup X failed: cancelled"),
                new Case(new io.backupkit.StorageException("reading backup X failed: Read timed out",
                        new java.net.SocketTimeoutException("Read timed out")), AuditOutcome.FAILED,
                        "StorageException: reading backup X failed: Read timed out"));
        for (Case c : cases) {
            assertThatThrownBy(() -> guard.run(root, Operation.RESTORE, "id", note -> {
                throw c.thrown();
            })).isSameAs(c.thrown());
            assertThat(last().outcome()).isEqualTo(c.outcome());
            assertThat(last().detail()).isEqualTo(c.detail());
            clock.advance(Duration.ofHours(1));
        }
        assertThat(sink.records()).noneMatch(r -> new String(r.canonicalBytes(), StandardCharsets.UTF_8).contains("hunter2"));
    }

    @Test
    void aFailedExportThatSentNothingDoesNotCostTheHourButOneThatSentBytesDoes() {
        assertThatThrownBy(() -> guard.run(root, Operation.EXPORT, "a", note -> {
            note.counting(new ByteArrayOutputStream());
            throw new WrongKeyException("backup a is encrypted");
        })).isInstanceOf(WrongKeyException.class);
        assertThat(last().bytes()).isEqualTo(0L);
        assertThatThrownBy(() -> guard.run(root, Operation.EXPORT, "a", note -> {
            try {
                note.counting(new ByteArrayOutputStream()).write(new byte[100]);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            throw new InvalidArchiveException("backup a changed while it was exported");
        })).isInstanceOf(InvalidArchiveException.class);
        assertThat(last().bytes()).isEqualTo(100L);
        assertThatThrownBy(() -> guard.run(root, Operation.EXPORT, "a", note -> 1))
                .isInstanceOf(RateLimitedException.class);
    }

    @Test
    void aFailedVerificationIsRecordedAsInvalidOrAsASignatureFailure() {
        guard.run(root, Operation.VERIFY, "a", note -> {
            note.verification(new VerificationResult("a", false, List.of("entry 'sql/1' has SHA-256 x; the manifest records y"), 3));
            return null;
        });
        assertThat(last().outcome()).isEqualTo(AuditOutcome.INVALID);
        assertThat(last().detail()).isEqualTo("1 problem(s): entry 'sql/1' has SHA-256 x; the manifest records y");
        guard.run(root, Operation.VERIFY, "b", note -> {
            note.verification(new VerificationResult("b", false, List.of("backup b is not signed" + Signatures.REFUSAL), 3));
            return null;
        });
        assertThat(last().outcome()).isEqualTo(AuditOutcome.SIGNATURE_FAILURE);
        guard.run(root, Operation.VERIFY, "c", note -> {
            note.verification(new VerificationResult("c", true, List.of(), 3));
            return null;
        });
        assertThat(last().outcome()).isEqualTo(AuditOutcome.OK);
    }

    @Test
    void everyRecordIsAlsoOneLogLineOnTheAuditLogger() {
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            guard.run(root, Operation.BACKUP, null, note -> {
                note.backupId("20261126T101500123Z-k3f9a2");
                note.bytes(5000);
                return null;
            });
            assertThatThrownBy(() -> guard.run(admin, Operation.RESTORE, "x", note -> 1))
                    .isInstanceOf(AccessDeniedException.class);
        } finally {
            System.setErr(original);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(log).contains("INFO " + OperationGuard.AUDIT_LOGGER + " - audit seq=1 op=BACKUP outcome=OK "
                + "actor=\"root@demo.test\" roles=[super_admin] from=\"10.0.0.7\" backup=20261126T101500123Z-k3f9a2 "
                + "bytes=5000 durationMs=");
        assertThat(log).contains("reason=\"monthly copy\" hash=" + sink.records().get(0).hash());
        assertThat(log).contains("WARN " + OperationGuard.AUDIT_LOGGER + " - audit seq=2 op=RESTORE outcome=DENIED "
                + "actor=\"manager@demo.test\"");
        assertThat(log.lines().filter(l -> l.contains(" - audit seq=")).count()).isEqualTo(2);
    }

    @Test
    void aSinkThatFailsDoesNotChangeTheOutcomeAndTheRecordStillReachesTheLog() {
        OperationGuard failing = new OperationGuard(AccessPolicy.superAdminOnly(), RateLimits.defaults(),
                new io.backupkit.spi.AuditSink() {
                    @Override
                    public AuditRecord append(AuditRecord record) {
                        throw new io.backupkit.AuditTrailException("disk full", 0);
                    }

                    @Override
                    public java.util.stream.Stream<AuditRecord> read(Order order) {
                        return java.util.stream.Stream.empty();
                    }

                    @Override
                    public String description() {
                        return "memory";
                    }
                }, clock);
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            String listed = failing.run(root, Operation.LIST, null, note -> "listed");
            assertThat(listed).isEqualTo("listed");
        } finally {
            System.setErr(original);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8))
                .contains("ERROR " + OperationGuard.AUDIT_LOGGER + " - audit record NOT written to memory "
                        + "(AuditTrailException: disk full): audit seq=0 op=LIST outcome=OK actor=\"root@demo.test\"");
    }
}
