package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.Actor;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.AuditVerification;
import io.backupkit.AuditVerification.Problem;
import io.backupkit.Operation;
import io.backupkit.testing.MemoryAuditSink;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every single tampering of a valid trail is found, and named at the right record: an edit (with
 * or without re-hashing), a deletion, a swap, a copied record inserted anywhere, a truncation.
 */
class AuditChainProperties {

    enum Tamper { EDIT, REHASHED_EDIT, DELETE, SWAP, DUPLICATE, TRUNCATE }

    private static MemoryAuditSink trail(int n) {
        MemoryAuditSink sink = new MemoryAuditSink();
        Actor actor = Actor.user("u" + n, Set.of("super_admin", "admin"), "10.1.2.3");
        for (int i = 1; i <= n; i++) {
            sink.append(AuditRecord.unsealed(Instant.EPOCH.plusSeconds(i), actor, Operation.values()[i % Operation.values().length],
                    i % 2 == 0 ? null : "b" + i, AuditOutcome.values()[i % AuditOutcome.values().length],
                    i % 3 == 0 ? null : "d" + i, i % 4 == 0 ? null : (long) i, Duration.ofMillis(i)));
        }
        return sink;
    }

    private static AuditRecord withActor(AuditRecord r, String actor) {
        return new AuditRecord(r.seq(), r.time(), actor, r.roles(), r.remoteAddress(), r.reason(), r.operation(),
                r.backupId(), r.outcome(), r.detail(), r.bytes(), r.duration(), r.prevHash(), r.hash());
    }

    @Property(tries = 400)
    void anUntouchedTrailIsIntact(@ForAll @IntRange(min = 0, max = 30) int n) {
        AuditVerification check = AuditVerification.of(trail(n));
        assertThat(check.intact()).as(check.message()).isTrue();
        assertThat(check.recordsChecked()).isEqualTo(n);
    }

    @Property(tries = 1000)
    void everyTamperingIsFoundAtTheRightRecord(@ForAll @IntRange(min = 2, max = 30) int n, @ForAll Tamper tamper,
                                               @ForAll @IntRange(min = 0, max = 1000) int a,
                                               @ForAll @IntRange(min = 0, max = 1000) int b) {
        MemoryAuditSink sink = trail(n);
        List<AuditRecord> records = sink.records();
        int i = a % n;
        Problem expected;
        long seq = -1;
        long line = -1;
        switch (tamper) {
            case EDIT -> {
                records.set(i, withActor(records.get(i), "mallory"));
                expected = Problem.EDITED;
                seq = i + 1;
                line = i + 1;
            }
            case REHASHED_EDIT -> {
                AuditRecord r = records.get(i);
                records.set(i, new AuditRecord(0, r.time(), "mallory", r.roles(), r.remoteAddress(), r.reason(),
                        r.operation(), r.backupId(), r.outcome(), r.detail(), r.bytes(), r.duration(), null, null)
                        .seal(r.seq(), r.prevHash()));
                expected = Problem.EDITED;
                seq = i + 1;
            }
            case DELETE -> {
                records.remove(i);
                expected = i == n - 1 ? Problem.TRUNCATED : Problem.DELETED;
                seq = i + 1;
                line = i + 1;
            }
            case SWAP -> {
                int j = a % (n - 1);
                AuditRecord r = records.get(j);
                records.set(j, records.get(j + 1));
                records.set(j + 1, r);
                expected = Problem.REORDERED;
                line = j + 1;
            }
            case DUPLICATE -> {
                int p = i + 1 + b % (n - i);
                records.add(p, records.get(i));
                expected = Problem.INSERTED;
                line = p == i + 1 ? i + 1 : p + 1;
            }
            case TRUNCATE -> {
                int k = 1 + b % n;
                records.subList(n - k, n).clear();
                expected = Problem.TRUNCATED;
                seq = n - k + 1;
                line = n - k + 1;
            }
            default -> throw new IllegalStateException();
        }
        AuditVerification check = AuditVerification.of(sink);
        assertThat(check.intact()).isFalse();
        assertThat(check.problem()).as(check.message()).isEqualTo(expected);
        if (seq >= 0) {
            assertThat(check.firstBadSeq()).as(check.message()).isEqualTo(seq);
        }
        if (line >= 0) {
            assertThat(check.firstBadLine()).as(check.message()).isEqualTo(line);
        }
    }
}
