package io.backupkit.internal;

import io.backupkit.AuditRecord;
import io.backupkit.spi.AuditSink;
import java.util.stream.Stream;

/**
 * The sink used when none is configured: records are chained in memory (so the log lines carry
 * sequence numbers and hashes within one run) and written only to the log by the guard; nothing
 * can be read back or verified.
 */
public final class LogOnlyAuditSink implements AuditSink {

    private long lastSeq;
    private String lastHash = AuditRecord.GENESIS;

    @Override
    public synchronized AuditRecord append(AuditRecord record) {
        AuditRecord sealed = record.seal(lastSeq + 1, lastHash);
        lastSeq = sealed.seq();
        lastHash = sealed.hash();
        return sealed;
    }

    @Override
    public Stream<AuditRecord> read(Order order) {
        return Stream.empty();
    }

    @Override
    public String description() {
        return "the log only (logger " + OperationGuard.AUDIT_LOGGER + "; no audit trail configured)";
    }
}
