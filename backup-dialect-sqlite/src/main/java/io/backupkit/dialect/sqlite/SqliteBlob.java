package io.backupkit.dialect.sqlite;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A BLOB value parsed from an archive ({@code X'...'}); the empty BLOB {@code X''} has no bytes and
 * is distinct from NULL and from empty TEXT.
 *
 * <p>A record rather than a bare {@code byte[]} so that parsed rows compare by content, and so that
 * a BLOB can never be mistaken for TEXT bytes ({@link SqliteText}). The array is not copied: whoever
 * builds the value hands it over and nobody changes it afterwards (only this package builds them).
 *
 * @param bytes the BLOB's bytes
 */
record SqliteBlob(byte[] bytes) {

    @Override
    public boolean equals(Object other) {
        return other instanceof SqliteBlob that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SqliteBlob[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
