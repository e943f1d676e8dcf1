package io.backupkit.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.backupkit.AuditOutcome;
import io.backupkit.AuditRecord;
import io.backupkit.AuditTrailException;
import io.backupkit.Operation;
import io.backupkit.spi.AuditSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The JSON Lines form of audit records and of the anchor. Parsing is strict (unknown or missing
 * fields, a wrong version, a bad enum value are errors), because a trail is evidence. The hash
 * never depends on this form: it covers {@link AuditRecord#canonicalBytes()}.
 */
public final class AuditLines {

    /** The longest line read; a record is well under 4 KiB unless a host puts novels in the reason. */
    public static final int MAX_LINE_BYTES = 1 << 20;

    private static final int VERSION = 1;

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private AuditLines() {
    }

    /** One line of the trail (as written; field names short because there are many lines). */
    record Line(int v, long seq, String time, String actor, List<String> roles, String from, String reason, String op,
                String backupId, String outcome, String detail, Long bytes, long durationMs, String prevHash,
                String hash) {
    }

    record AnchorLine(long seq, String hash) {
    }

    /** The record as one JSON line, without the newline. */
    public static String write(AuditRecord r) {
        Line line = new Line(VERSION, r.seq(), r.time().toString(), r.actorId(), r.roles(), r.remoteAddress(), r.reason(),
                r.operation().name(), r.backupId(), r.outcome().name(), r.detail(), r.bytes(), r.duration().toMillis(),
                r.prevHash(), r.hash());
        try {
            return MAPPER.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an audit record cannot be written as JSON", e);
        }
    }

    /**
     * Parses one line into a sealed record.
     *
     * @param lineNumber for the message (1-based), 0 when unknown
     * @throws AuditTrailException the line is not a valid sealed record
     */
    public static AuditRecord read(String text, long lineNumber, Path file) {
        String where = (lineNumber > 0 ? "line " + lineNumber : "a line") + " of " + file;
        if (text.isBlank()) {
            throw new AuditTrailException(where + " is empty", lineNumber);
        }
        Line line;
        try {
            line = MAPPER.readValue(text, Line.class);
        } catch (JsonProcessingException e) {
            throw new AuditTrailException(where + " is not a valid audit record: " + e.getOriginalMessage(), lineNumber);
        }
        if (line.v() != VERSION) {
            throw new AuditTrailException(where + " has version " + line.v() + "; this library reads " + VERSION,
                    lineNumber);
        }
        try {
            if (line.seq() < 1 || line.prevHash() == null || line.hash() == null) {
                throw new IllegalArgumentException("it is not sealed (seq, prevHash, hash)");
            }
            return new AuditRecord(line.seq(), Instant.parse(line.time()), line.actor(), line.roles(), line.from(),
                    line.reason(), Operation.valueOf(line.op()), line.backupId(), AuditOutcome.valueOf(line.outcome()),
                    line.detail(), line.bytes(), Duration.ofMillis(line.durationMs()), line.prevHash(), line.hash());
        } catch (RuntimeException e) {
            throw new AuditTrailException(where + " is not a valid audit record: " + e.getMessage(), lineNumber);
        }
    }

    /** The anchor file's content. */
    public static String writeAnchor(AuditSink.Anchor anchor) {
        try {
            return MAPPER.writeValueAsString(new AnchorLine(anchor.seq(), anchor.hash())) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an anchor cannot be written as JSON", e);
        }
    }

    /** The anchor, or empty when the text is not a valid one. */
    public static Optional<AuditSink.Anchor> readAnchor(String text) {
        try {
            AnchorLine a = MAPPER.readValue(text, AnchorLine.class);
            if (a.seq() < 1 || a.hash() == null || !a.hash().matches("[0-9a-f]{64}")) {
                return Optional.empty();
            }
            return Optional.of(new AuditSink.Anchor(a.seq(), a.hash()));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
