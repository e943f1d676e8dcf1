package io.backupkit;

import java.util.Objects;

/**
 * One file inside an archive.
 *
 * @param name   the path inside the tar, for example {@code sql/000001-data-0001-users-000000.sql} or
 *               {@code media/uploads/photo.jpg}
 * @param kind   what the entry holds
 * @param table  the table whose rows a data entry holds; {@code null} for other kinds
 * @param rows   the rows a data entry holds; 0 for other kinds
 * @param size   the entry's size in bytes
 * @param sha256 the entry's SHA-256, lower-case hex
 */
public record ManifestEntry(String name, Kind kind, String table, long rows, long size, String sha256) {

    /** The kinds of entry, in the order a plain-SQL load runs them. */
    public enum Kind {
        /** Statements that create tables. */
        SCHEMA,
        /** INSERT statements for one table, possibly one chunk of many. */
        DATA,
        /** Indexes, views and triggers, created after the data. */
        POST_DATA,
        /** Counters and settings restored last. */
        FINISH,
        /**
         * A media file under {@code media/}, copied from the backup's
         * {@link io.backupkit.spi.MediaSource}; never part of a SQL load.
         */
        MEDIA
    }

    public ManifestEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(sha256, "sha256");
    }
}
