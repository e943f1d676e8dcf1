package io.backupkit;

import java.util.Objects;

/**
 * A table in a backup.
 *
 * @param name    the table name
 * @param rows    rows written
 * @param entries number of data entries (chunks) holding them
 */
public record TableSummary(String name, long rows, int entries) {
    public TableSummary {
        Objects.requireNonNull(name, "name");
    }
}
