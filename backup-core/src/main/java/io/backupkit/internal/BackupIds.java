package io.backupkit.internal;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Backup ids: the UTC start time to the millisecond, then a random suffix, for example
 * {@code 20261126T134655123Z-k3f9a2}. They sort by time as plain strings, and two backups started
 * in the same millisecond, even in two processes, still get different ids.
 */
public final class BackupIds {

    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern VALID = Pattern.compile("\\d{8}T\\d{9}Z-[a-z0-9]{6}");
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private BackupIds() {
    }

    /** A new id for a backup starting at {@code now}. */
    public static String newId(Instant now) {
        StringBuilder id = new StringBuilder(FORMAT.format(now)).append('-');
        for (int i = 0; i < 6; i++) {
            id.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return id.toString();
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
