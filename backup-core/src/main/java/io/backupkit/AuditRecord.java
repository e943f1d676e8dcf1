package io.backupkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the audit trail: who did what, when, from where, with which outcome. Records are
 * hash-chained: {@link #hash()} is the SHA-256 of {@link #canonicalBytes()}, which include
 * {@link #prevHash()}, the hash of the record before (or {@link #GENESIS} for the first), so an
 * edited, inserted, removed or reordered record breaks the chain ({@link AuditVerification}).
 *
 * <pre>{@code
 * for (AuditRecord r : backups.auditRecords(actor, AuditSink.Order.NEWEST_FIRST, 20)) {
 *     System.out.printf("%d %s %s %s %s %s%n", r.seq(), r.time(), r.actorId(), r.operation(), r.backupId(), r.outcome());
 * }
 * }</pre>
 *
 * <p>Records never hold secrets or row values: no key, identity, password or SQL; the detail of a
 * failure is the exception's class and, for backupkit's own exceptions (whose messages are kept
 * free of secrets), its message.
 *
 * @param seq           position in the trail, from 1, without gaps; {@code 0} before the sink seals it
 * @param time          when the operation ended (the service's clock)
 * @param actorId       who ({@link Actor#id()})
 * @param roles         the actor's roles, sorted
 * @param remoteAddress where from ({@link Actor#remoteAddress()})
 * @param reason        why, as the host gave it ({@link Actor#reason()}), single line, cut like the detail; may be empty
 * @param operation     what
 * @param backupId      the backup concerned, or {@code null} when none (list, status, a failed backup)
 * @param outcome       how it ended
 * @param detail        the failure or a short note, single line, at most {@value #MAX_DETAIL} characters; or {@code null}
 * @param bytes         archive size (backup, download, restore) or bytes written (export); {@code null} when not known
 * @param duration      how long it ran, to the millisecond
 * @param prevHash      the previous record's hash (lower-case hex SHA-256); {@code null} before sealing
 * @param hash          this record's hash; {@code null} before sealing
 */
public record AuditRecord(long seq, Instant time, String actorId, List<String> roles, String remoteAddress,
                          String reason, Operation operation, String backupId, AuditOutcome outcome, String detail,
                          Long bytes, Duration duration, String prevHash, String hash) {

    /** The {@link #prevHash()} of the first record: 64 zeros. */
    public static final String GENESIS = "0".repeat(64);

    /** The longest detail kept; longer ones are cut. */
    public static final int MAX_DETAIL = 1000;

    public AuditRecord {
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative: " + seq);
        }
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(actorId, "actorId");
        roles = Objects.requireNonNull(roles, "roles").stream().sorted().toList();
        Objects.requireNonNull(remoteAddress, "remoteAddress");
        reason = reason == null ? "" : oneLine(reason);
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(outcome, "outcome");
        detail = detail == null ? null : oneLine(detail);
        Objects.requireNonNull(duration, "duration");
        duration = Duration.ofMillis(duration.toMillis());
        if ((prevHash == null) != (hash == null) || (seq == 0) != (hash == null)) {
            throw new IllegalArgumentException("a record is either unsealed (seq 0, no hashes) or sealed (seq, prevHash and hash)");
        }
    }

    /** A record not yet in a trail: an {@link io.backupkit.spi.AuditSink} seals it with {@link #seal}. */
    public static AuditRecord unsealed(Instant time, Actor actor, Operation operation, String backupId,
                                       AuditOutcome outcome, String detail, Long bytes, Duration duration) {
        return new AuditRecord(0, time, actor.id(), List.copyOf(actor.roles()), actor.remoteAddress(), actor.reason(),
                operation, backupId, outcome, detail, bytes, duration, null, null);
    }

    /** This record placed at {@code seq} after a record whose hash is {@code prevHash}, with its own hash computed. */
    public AuditRecord seal(long seq, String prevHash) {
        if (seq < 1) {
            throw new IllegalArgumentException("seq starts at 1: " + seq);
        }
        Objects.requireNonNull(prevHash, "prevHash");
        return new AuditRecord(seq, time, actorId, roles, remoteAddress, reason, operation, backupId,
                outcome, detail, bytes, duration, prevHash, sha256(canonicalBytes(seq, prevHash)));
    }

    /** Whether the record is sealed and its hash matches its content. */
    public boolean hashValid() {
        return hash != null && hash.equals(computeHash());
    }

    /** The SHA-256 (lower-case hex) of {@link #canonicalBytes()}. */
    public String computeHash() {
        return sha256(canonicalBytes());
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The bytes the hash covers: every field except {@code hash}, in a fixed order, each string
     * length-prefixed so no two records share a serialization. A third-party
     * {@link io.backupkit.spi.AuditSink} need not know it; it calls {@link #seal}.
     *
     * <pre>
     * backupkit-audit-v1
     * seq=12
     * time=2026-11-26T10:15:00.123Z
     * actor=14:root@demo.test
     * roles=1
     * role=11:super_admin
     * ... (from, reason, op, backup, outcome, detail, bytes, durationMs, prev) ...
     * </pre>
     *
     * Absent values are written as {@code -}.
     */
    public byte[] canonicalBytes() {
        return canonicalBytes(seq, prevHash);
    }

    private byte[] canonicalBytes(long seq, String prevHash) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        line(out, "backupkit-audit-v1");
        line(out, "seq=" + seq);
        line(out, "time=" + time);
        text(out, "actor", actorId);
        line(out, "roles=" + roles.size());
        for (String role : roles) {
            text(out, "role", role);
        }
        text(out, "from", remoteAddress);
        text(out, "reason", reason);
        line(out, "op=" + operation.name());
        text(out, "backup", backupId);
        line(out, "outcome=" + outcome.name());
        text(out, "detail", detail);
        line(out, "bytes=" + (bytes == null ? "-" : bytes.toString()));
        line(out, "durationMs=" + duration.toMillis());
        text(out, "prev", prevHash);
        return out.toByteArray();
    }

    private static void text(ByteArrayOutputStream out, String name, String value) {
        if (value == null) {
            line(out, name + "=-");
            return;
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeBytes((name + "=" + bytes.length + ":").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(bytes);
        out.write('\n');
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        out.write('\n');
    }

    /** Control characters (line breaks included) become spaces, so a record is one log line; cut to {@link #MAX_DETAIL}. */
    private static String oneLine(String text) {
        StringBuilder b = new StringBuilder(Math.min(text.length(), MAX_DETAIL));
        for (int i = 0; i < text.length() && b.length() < MAX_DETAIL; i++) {
            char c = text.charAt(i);
            b.append(Character.isISOControl(c) ? ' ' : c);
        }
        return b.toString();
    }
}
