package io.backupkit;

import io.backupkit.internal.AuditChainVerifier;
import io.backupkit.spi.AuditSink;
import java.util.Objects;

/**
 * The result of checking an audit trail's hash chain: intact, or the first record that was
 * edited, inserted, deleted or moved, by sequence number and line.
 *
 * <pre>{@code
 * AuditVerification check = backups.verifyAudit();
 * if (!check.intact()) {
 *     alert(check.message());   // "record 17 (line 17) was edited: its hash does not match its content"
 * }
 * }</pre>
 *
 * <p>What the chain shows: a record whose content changed, a record inserted or removed anywhere
 * but at the end, records out of order. Removing records from the end leaves a valid shorter chain;
 * the sink's {@link AuditSink.Anchor anchor} (the last sequence number and hash, kept in a separate
 * file by {@link JsonLinesAuditSink}) shows that. Someone who can rewrite both the trail and its
 * anchor can forge a consistent history; against that, ship the {@code io.backupkit.audit} log
 * lines to another machine as they are written.
 *
 * @param trail          where the trail is ({@link AuditSink#description()})
 * @param intact         true when every record chains to the one before and the anchor matches
 * @param recordsChecked how many records were read before the first problem (all of them when intact)
 * @param problem        what is wrong; {@link Problem#NONE} when intact
 * @param firstBadSeq    the sequence number of the first record concerned (for a deletion, the first
 *                       missing one); {@code 0} when intact or unknown
 * @param firstBadLine   its 1-based line in the trail (for a truncation, the line after the last);
 *                       {@code 0} when intact or unknown
 * @param message        one human line
 */
public record AuditVerification(String trail, boolean intact, long recordsChecked, Problem problem,
                                long firstBadSeq, long firstBadLine, String message) {

    /** What broke the chain. */
    public enum Problem {
        /** Nothing: the chain is intact. */
        NONE,
        /** A record's content was changed (its hash does not match, or the next record does not chain to it). */
        EDITED,
        /** A record that does not belong to the chain was added. */
        INSERTED,
        /** Records are missing from the middle (or the start) of the trail. */
        DELETED,
        /** Records are out of order. */
        REORDERED,
        /** Records are missing from the end: the anchor names a later record than the trail holds. */
        TRUNCATED,
        /** A line is not a valid record. */
        MALFORMED,
        /** The trail holds records but its anchor is missing or unreadable, so truncation cannot be ruled out. */
        ANCHOR_MISSING,
        /** No verifiable trail is configured: records go to the log only. */
        NOT_CONFIGURED
    }

    public AuditVerification {
        Objects.requireNonNull(trail, "trail");
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(message, "message");
        if (intact != (problem == Problem.NONE)) {
            throw new IllegalArgumentException("intact must be true exactly when problem is NONE");
        }
    }

    /**
     * Reads the whole trail, oldest first, and checks every record's hash, its sequence number and
     * its link to the record before, then the sink's anchor.
     *
     * <pre>{@code
     * AuditVerification check = AuditVerification.of(JsonLinesAuditSink.at(Path.of("audit.jsonl")));
     * }</pre>
     */
    public static AuditVerification of(AuditSink sink) {
        return AuditChainVerifier.verify(sink);
    }
}
