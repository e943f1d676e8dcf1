package io.backupkit.dialect.sqlite;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A TEXT value as its exact bytes, as parsed from an archive: for bytes that are not valid UTF-8,
 * and, when the staging load asks for it, for every TEXT value (it binds bytes and never compares
 * values, so the decode into a {@code String} and the encode back would be wasted).
 *
 * <p>SQLite stores whatever bytes it is handed as TEXT, so a database can hold TEXT that no Java
 * {@link String} represents. Valid UTF-8 TEXT is always parsed to a {@code String} instead, however
 * the literal spelled it ({@code 'abc'} and {@code CAST(X'616263' AS TEXT)} are both {@code "abc"}),
 * so two parsed values are equal exactly when SQLite would store the same TEXT.
 *
 * <p>A record for {@code equals}/{@code hashCode}/{@code toString} over the content, which a bare
 * array would compare by identity. The array is not copied: whoever builds the value hands it over
 * and nobody changes it afterwards (only this package builds them).
 *
 * @param bytes the exact TEXT bytes (outside strict UTF-8, unless parsed for the staging load)
 */
record SqliteText(byte[] bytes) {

    @Override
    public boolean equals(Object other) {
        return other instanceof SqliteText that && Arrays.equals(bytes, that.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "SqliteText[" + HexFormat.of().formatHex(bytes) + "]";
    }
}
