package io.backupkit.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * One file of a {@link MediaSource}, as listed.
 *
 * @param name     the path relative to the source, with {@code /} separators, for example
 *                 {@code uploads/2026/photo 1.jpg}; never absolute, never with empty, {@code .} or
 *                 {@code ..} segments, never with a backslash or NUL
 * @param size     the size in bytes when listed
 * @param modified the last modification time when listed, or {@code null} when the source does not know it
 */
public record MediaObject(String name, long size, Instant modified) {

    public MediaObject {
        Objects.requireNonNull(name, "name");
        if (!isValidName(name)) {
            throw new IllegalArgumentException("not a relative media name: '" + name + "'");
        }
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for '" + name + "'");
        }
    }

    /** Whether a name is relative, uses {@code /} separators and has no empty, {@code .} or {@code ..} segment. */
    public static boolean isValidName(String name) {
        if (name.isEmpty() || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
