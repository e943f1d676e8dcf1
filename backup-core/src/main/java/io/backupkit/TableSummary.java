package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * A table in a backup, with what a restore needs to check the data entries against: the exact
 * column list written to every INSERT and the primary key.
 *
 * @param name       the table name
 * @param rows       rows written
 * @param entries    number of data entries (chunks) holding them
 * @param columns    the columns each INSERT names, in order
 * @param primaryKey the primary-key columns, in key order; empty when the table has none
 * @param contentChecksum a checksum of the table's rows as the dialect rendered them, in the
 *                   snapshot's row order ({@code crc32c:} and 8 hex digits), which a restore
 *                   recomputes on the staged database; {@code null} when the table cannot be
 *                   compared that way (values redacted, a virtual table) or the backup predates it
 */
public record TableSummary(String name, long rows, int entries, List<String> columns, List<String> primaryKey,
                           String contentChecksum) {
    public TableSummary {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }

    /** A summary without a content checksum. */
    public TableSummary(String name, long rows, int entries, List<String> columns, List<String> primaryKey) {
        this(name, rows, entries, columns, primaryKey, null);
    }
}
