package io.backupkit.spi;

import java.util.List;
import java.util.Objects;

/**
 * A table whose rows a backup writes.
 *
 * @param name        the table name as the database spells it
 * @param columns     the columns written to INSERT statements, in order
 * @param primaryKey  primary-key column names in key order; empty when the table has none
 * @param foreignKeys outgoing foreign keys, used by the planner to put parents first
 * @param kind        what sort of table this is
 */
public record TableModel(String name, List<ColumnModel> columns, List<String> primaryKey,
                         List<ForeignKey> foreignKeys, Kind kind) {

    /** The sorts of table a dialect reports. */
    public enum Kind {
        /** An ordinary table. */
        TABLE,
        /** A virtual table (for example SQLite FTS5) whose rows are written, not its shadow tables. */
        VIRTUAL
    }

    public TableModel {
        Objects.requireNonNull(name, "name");
        columns = List.copyOf(columns);
        primaryKey = List.copyOf(primaryKey);
        foreignKeys = List.copyOf(foreignKeys);
        Objects.requireNonNull(kind, "kind");
    }

    /** The index of the named column in {@link #columns()}, or -1. */
    public int columnIndex(String column) {
        for (int i = 0; i < columns.size(); i++) {
            if (columns.get(i).name().equals(column)) {
                return i;
            }
        }
        return -1;
    }
}
