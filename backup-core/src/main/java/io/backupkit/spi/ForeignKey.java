package io.backupkit.spi;

import java.util.List;
import java.util.Objects;

/**
 * A foreign key from a table's columns to another (or the same) table.
 *
 * @param columns           referencing columns, in key order; more than one for a composite key
 * @param referencedTable   the parent table
 * @param referencedColumns referenced columns, in key order; empty when the key targets the parent's primary key implicitly
 */
public record ForeignKey(List<String> columns, String referencedTable, List<String> referencedColumns) {
    public ForeignKey {
        columns = List.copyOf(columns);
        Objects.requireNonNull(referencedTable, "referencedTable");
        referencedColumns = List.copyOf(referencedColumns);
        if (columns.isEmpty()) {
            throw new IllegalArgumentException("a foreign key needs at least one column");
        }
    }
}
