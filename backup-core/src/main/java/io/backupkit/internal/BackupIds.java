package io.backupkit.internal;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * Backup ids: the UTC start time to the millisecond, then a six-character suffix, for example
 * {@code 20261126T134655123Z-k3f9a2}. They sort by time as plain strings. Backups started in the
 * same millisecond by one process always get different ids; in two processes, they differ but for
 * a one-in-two-billion chance, and the store refuses to overwrite an existing name even then.
 */
public final class BackupIds {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern VALID = Pattern.compile("\\d{8}T\\d{9}Z-[a-z0-9]{6}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int SUFFIX_LENGTH = 6;
    private static final long SUFFIXES = 2_176_782_336L; // 36^6
    /**
     * Suffixes walk a full-period sequence from a random start: distinct for the next 36^6 ids of
     * this JVM, however many share a millisecond, while two processes still collide only by chance
     * (about one in two billion per pair of ids in the same millisecond). Independent random
     * suffixes would repeat within one JVM too: 10,000 ids in one millisecond collide with a
     * probability of about 2%.
     */
    private static final AtomicLong SEQUENCE = new AtomicLong(Math.floorMod(new SecureRandom().nextLong(), SUFFIXES));
    /** Coprime with 36^6 (odd, not a multiple of 3), so {@code i * STEP} visits every suffix once per period. */
    private static final long STEP = 1_402_197_211L;

    private BackupIds() {
    }

    /** A new id for a backup starting at {@code now}. */
    public static String newId(Instant now) {
        long position = SEQUENCE.getAndUpdate(p -> (p + 1) % SUFFIXES);
        long suffix = position * STEP % SUFFIXES; // < 36^6 * STEP < 2^63: no overflow
        char[] chars = new char[SUFFIX_LENGTH];
        for (int i = SUFFIX_LENGTH - 1; i >= 0; i--) {
            chars[i] = ALPHABET[(int) (suffix % ALPHABET.length)];
            suffix /= ALPHABET.length;
        }
        return FORMAT.format(now) + '-' + new String(chars);
    }

    /** Whether the text has the shape of an id; guards store object names built from user input. */
    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    /** Throws IllegalArgumentException unless the id is valid. */
    public static String requireValid(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("not a backup id: '" + id + "' (expected e.g. 20261126T134655123Z-k3f9a2)");
        }
        return id;
    }
}
