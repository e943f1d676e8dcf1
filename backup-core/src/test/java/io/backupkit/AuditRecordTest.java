package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AuditRecordTest {

    private static AuditRecord sample() {
        Actor actor = new Actor("root@démo.test", Set.of("super_admin", "admin"), "10.0.0.7", "settings page");
        return AuditRecord.unsealed(Instant.parse("2026-11-26T10:15:00.123Z"), actor, Operation.EXPORT,
                "20261126T101500123Z-k3f9a2", AuditOutcome.OK, null, 48213L, Duration.ofNanos(312_999_999));
    }

    /**
     * The canonical form is a stored format: old trails must keep verifying. The expected hash was
     * computed outside Java (a few lines of Python following the documented form), so this also
     * checks that the documentation is enough to verify a trail independently.
     */
    @Test
    void theHashFollowsTheDocumentedCanonicalForm() {
        AuditRecord sealed = sample().seal(1, AuditRecord.GENESIS);
        assertThat(sealed.hash()).isEqualTo("462cdb9d57a28469baeb09a01a13acfbd0a4db3a3e6519e3f3d96f2424d2ecd2");
        assertThat(sealed.duration()).isEqualTo(Duration.ofMillis(312));
        assertThat(sealed.roles()).containsExactly("admin", "super_admin");
        assertThat(sealed.hashValid()).isTrue();
    }

    @Test
    void everyFieldIsCovered() {
        AuditRecord a = sample().seal(1, AuditRecord.GENESIS);
        AuditRecord otherPrev = sample().seal(1, "1".repeat(64));
        AuditRecord otherSeq = sample().seal(2, AuditRecord.GENESIS);
        assertThat(otherPrev.hash()).isNotEqualTo(a.hash());
        assertThat(otherSeq.hash()).isNotEqualTo(a.hash());
        AuditRecord nullVsDash = AuditRecord.unsealed(a.time(), Actor.user("root@démo.test", Set.of("admin", "super_admin"),
                "10.0.0.7").withReason("settings page"), Operation.EXPORT, "20261126T101500123Z-k3f9a2", AuditOutcome.OK,
                "-", 48213L, Duration.ofMillis(312)).seal(1, AuditRecord.GENESIS);
        assertThat(nullVsDash.hash()).as("a detail of '-' is not an absent detail").isNotEqualTo(a.hash());
    }

    @Test
    void detailsAndReasonsAreOneLineAndBounded() {
        Actor actor = Actor.user("x", Set.of(), null).withReason("line one\nline two\r\u0000");
        AuditRecord r = AuditRecord.unsealed(Instant.EPOCH, actor, Operation.LIST, null, AuditOutcome.FAILED,
                "a\nb" + "c".repeat(5000), null, Duration.ZERO);
        assertThat(r.reason()).isEqualTo("line one line two  ");
        assertThat(r.detail()).startsWith("a b").hasSize(AuditRecord.MAX_DETAIL);
    }

    @Test
    void aRecordIsSealedOrNot() {
        AuditRecord r = sample();
        assertThat(r.hashValid()).isFalse();
        assertThatThrownBy(() -> r.seal(0, AuditRecord.GENESIS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new AuditRecord(3, r.time(), r.actorId(), r.roles(), r.remoteAddress(), r.reason(),
                r.operation(), r.backupId(), r.outcome(), r.detail(), r.bytes(), r.duration(), null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
