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
 */
public record TableSummary(String name, long rows, int entries, List<String> columns, List<String> primaryKey) {
    public TableSummary {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
    }
}
