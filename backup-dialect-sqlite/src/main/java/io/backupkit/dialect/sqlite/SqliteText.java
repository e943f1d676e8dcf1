package io.backupkit.dialect.sqlite;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A TEXT value whose bytes are not valid UTF-8, as parsed from an archive.
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
 * @param bytes the exact TEXT bytes, at least one of them outside strict UTF-8
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
