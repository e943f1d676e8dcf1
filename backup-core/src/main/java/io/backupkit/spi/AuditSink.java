package io.backupkit.spi;

import io.backupkit.AuditRecord;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where audit records go: an append-only, hash-chained trail kept apart from the database, so a
 * restore can never erase it. {@link io.backupkit.JsonLinesAuditSink} is the implementation that
 * ships; others might write to a separate database or a write-once bucket.
 *
 * <pre>{@code
 * BackupService backups = BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(store)
 *     .auditSink(JsonLinesAuditSink.at(Path.of("/var/log/app/backup-audit.jsonl")))
 *     .build();
 * }</pre>
 *
 * <p>Implementations must be thread-safe. The service appends one record per operation, after the
 * operation ended, and logs it too (logger {@code io.backupkit.audit}).
 */
public interface AuditSink {

    /** The order in which {@link #read} returns records. */
    enum Order {
        /** The trail as written, from record 1; what verification reads. */
        OLDEST_FIRST,
        /** The most recent record first, as an administration page shows them. */
        NEWEST_FIRST
    }

    /**
     * The last record's position and hash, kept apart from the records (for example in a small
     * file beside them), so that verification notices records removed from the end of the trail,
     * which the chain alone cannot show.
     *
     * @param seq  the sequence number of the last record appended
     * @param hash its hash
     */
    record Anchor(long seq, String hash) {
    }

    /**
     * Appends a record durably and returns it sealed. The sink places it after the last record:
     * {@code record.seal(last.seq() + 1, last.hash())}, or {@code record.seal(1, AuditRecord.GENESIS)}
     * in an empty trail, under a lock that makes concurrent appends (from several threads, and
     * ideally several processes) form one chain. Returns once the record is on stable storage.
     *
     * @param record an unsealed record ({@link AuditRecord#unsealed})
     * @throws io.backupkit.AuditTrailException the trail cannot be written
     */
    AuditRecord append(AuditRecord record);

    /**
     * The records in the given order, read lazily; close the stream. A record that cannot be read
     * ends the stream with an {@link io.backupkit.AuditTrailException} naming its line.
     */
    Stream<AuditRecord> read(Order order);

    /** The anchor of the last append, when the sink keeps one; empty when it keeps none or the trail is new. */
    default Optional<Anchor> anchor() {
        return Optional.empty();
    }

    /** Where the trail is kept, for messages (no credentials). */
    String description();
}
