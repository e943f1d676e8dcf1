package io.backupkit.testing;

import io.backupkit.AuditRecord;
import io.backupkit.spi.AuditSink;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * An {@link AuditSink} over a list, for tests: appends chain like a real sink; {@link #records()}
 * and {@link #anchor(AuditSink.Anchor)} let a test tamper with the trail.
 */
public final class MemoryAuditSink implements AuditSink {

    private final List<AuditRecord> records = new ArrayList<>();
    private AuditSink.Anchor anchor;

    @Override
    public synchronized AuditRecord append(AuditRecord record) {
        long seq = anchor == null ? 0 : anchor.seq();
        String prev = anchor == null ? AuditRecord.GENESIS : anchor.hash();
        AuditRecord sealed = record.seal(seq + 1, prev);
        records.add(sealed);
        anchor = new AuditSink.Anchor(sealed.seq(), sealed.hash());
        return sealed;
    }

    @Override
    public synchronized Stream<AuditRecord> read(Order order) {
        List<AuditRecord> copy = new ArrayList<>(records);
        if (order == Order.NEWEST_FIRST) {
            java.util.Collections.reverse(copy);
        }
        return copy.stream();
    }

    @Override
    public synchronized Optional<AuditSink.Anchor> anchor() {
        return Optional.ofNullable(anchor);
    }

    /** The live list, to tamper with. */
    public synchronized List<AuditRecord> records() {
        return records;
    }

    /** Replaces the anchor (null removes it). */
    public synchronized void anchor(AuditSink.Anchor newAnchor) {
        this.anchor = newAnchor;
    }

    @Override
    public String description() {
        return "memory";
    }
}
