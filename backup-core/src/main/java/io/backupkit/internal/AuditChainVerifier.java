package io.backupkit.internal;

import io.backupkit.AuditRecord;
import io.backupkit.AuditTrailException;
import io.backupkit.AuditVerification;
import io.backupkit.AuditVerification.Problem;
import io.backupkit.spi.AuditSink;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Walks a trail oldest first with one record of look-ahead and reports the first break of the hash
 * chain, telling an edit from an insertion, a deletion and a swap where the records allow it.
 */
public final class AuditChainVerifier {

    private AuditChainVerifier() {
    }

    /** Verifies the sink's trail; see {@link AuditVerification#of}. */
    public static AuditVerification verify(AuditSink sink) {
        String trail = sink.description();
        long checked = 0;
        long line = 0;
        long prevSeq = 0;
        String prevHash = AuditRecord.GENESIS;
        Optional<AuditSink.Anchor> anchor = sink.anchor();
        String hashAtAnchor = null;
        try (Stream<AuditRecord> records = sink.read(AuditSink.Order.OLDEST_FIRST)) {
            Iterator<AuditRecord> it = records.iterator();
            String prevPrevHash = null;
            while (it.hasNext()) {
                AuditRecord r = it.next();
                line++;
                long expected = prevSeq + 1;
                if (!r.hashValid()) {
                    return broken(trail, checked, Problem.EDITED, r.seq(), line, "record " + r.seq() + " (line " + line
                            + ") was edited: its hash does not match its content");
                }
                if (r.seq() == expected && r.prevHash().equals(prevHash)) {
                    checked++;
                    prevSeq = r.seq();
                    prevPrevHash = prevHash;
                    prevHash = r.hash();
                    if (anchor.isPresent() && anchor.get().seq() == r.seq()) {
                        hashAtAnchor = r.hash();
                    }
                    continue;
                }
                if (prevSeq > 0 && r.seq() == prevSeq && r.prevHash().equals(prevPrevHash)) {
                    return broken(trail, checked - 1, Problem.INSERTED, r.seq(), line - 1, "lines " + (line - 1)
                            + " and " + line + " both claim to be record " + r.seq() + " after the same record: one of "
                            + "them was inserted");
                }
                // look ahead only now, so that a malformed line is reported with the records before it checked
                AuditRecord next = it.hasNext() ? it.next() : null;
                boolean nextChainsHere = next != null && next.seq() == expected && next.prevHash().equals(prevHash);
                if (r.seq() == expected) {
                    if (nextChainsHere) {
                        return broken(trail, checked, Problem.INSERTED, r.seq(), line, "line " + line
                                + " was inserted: it claims to be record " + r.seq() + " but the next line is the real one");
                    }
                    if (prevSeq == 0) {
                        return broken(trail, checked, Problem.EDITED, r.seq(), line, "record " + r.seq() + " (line "
                                + line + ") does not start the chain: it was edited, or records before it were removed");
                    }
                    return broken(trail, checked - 1, Problem.EDITED, prevSeq, line - 1, "record " + prevSeq + " (line "
                            + (line - 1) + ") was edited and re-hashed: record " + r.seq() + " does not chain to it");
                }
                if (r.seq() > expected) {
                    if (next != null && next.seq() == expected) {
                        return broken(trail, checked, Problem.REORDERED, r.seq(), line, "record " + r.seq()
                                + " (line " + line + ") comes before record " + expected);
                    }
                    long moved = findLater(next, it, expected);
                    if (moved > 0) {
                        return broken(trail, checked, Problem.REORDERED, r.seq(), line, "record " + expected
                                + " was moved from before line " + line + " to line " + (line + moved));
                    }
                    return broken(trail, checked, Problem.DELETED, expected, line, (r.seq() - 1 == expected
                            ? "record " + expected + " is" : "records " + expected + " to " + (r.seq() - 1) + " are")
                            + " missing before line " + line);
                }
                if (nextChainsHere) {
                    return broken(trail, checked, Problem.INSERTED, r.seq(), line, "line " + line + " (record "
                            + r.seq() + ") was inserted: the records around it chain without it");
                }
                return broken(trail, checked, Problem.INSERTED, r.seq(), line, "line " + line + " holds record "
                        + r.seq() + " where record " + expected + " belongs: a record was inserted, copied or moved");
            }
        } catch (AuditTrailException e) {
            long at = e.line() > 0 ? e.line() : line + 1;
            return broken(trail, checked, Problem.MALFORMED, 0, at, e.getMessage());
        }
        if (anchor.isEmpty()) {
            if (checked > 0) {
                return broken(trail, checked, Problem.ANCHOR_MISSING, 0, 0, "the anchor of " + trail
                        + " is missing or unreadable: records removed from the end could not be noticed");
            }
            return new AuditVerification(trail, true, 0, Problem.NONE, 0, 0, "empty trail " + trail);
        }
        AuditSink.Anchor a = anchor.get();
        if (a.seq() > prevSeq) {
            return broken(trail, checked, Problem.TRUNCATED, prevSeq + 1, line + 1, "the trail ends at record " + prevSeq
                    + " but its anchor names record " + a.seq() + ": " + (a.seq() == prevSeq + 1 ? "record "
                    + a.seq() + " was" : "records " + (prevSeq + 1) + " to " + a.seq() + " were") + " removed from the end");
        }
        if (!a.hash().equals(hashAtAnchor)) {
            return broken(trail, checked, Problem.EDITED, a.seq(), a.seq(), "record " + a.seq()
                    + " does not match the hash its anchor recorded: it was edited and re-hashed");
        }
        return new AuditVerification(trail, true, checked, Problem.NONE, 0, 0,
                "intact: " + checked + " records, the last is " + prevSeq);
    }

    /** How many lines after {@code next} (1 = next itself) the record {@code seq} appears; 0 when it does not. */
    private static long findLater(AuditRecord next, Iterator<AuditRecord> it, long seq) {
        long offset = 1;
        AuditRecord r = next;
        while (r != null) {
            if (r.seq() == seq) {
                return offset;
            }
            r = it.hasNext() ? it.next() : null;
            offset++;
        }
        return 0;
    }

    private static AuditVerification broken(String trail, long checked, Problem problem, long seq, long line,
                                            String message) {
        return new AuditVerification(trail, false, Math.max(checked, 0), problem, seq, line, message);
    }
}
