package io.backupkit;

import java.util.Objects;

/**
 * What restoring a backup would do to one table.
 *
 * @param table       the table
 * @param backupRows  rows in the backup
 * @param liveRows    rows in the live database (0 when the table does not exist live)
 * @param lostRows    live rows whose key is absent from the backup: restoring removes them
 * @param changedRows rows whose key is in both but whose values differ: restoring reverts them
 * @param addedRows   rows only in the backup: restoring brings them back
 */
public record TablePreview(String table, long backupRows, long liveRows, long lostRows, long changedRows,
                           long addedRows) {
    public TablePreview {
        Objects.requireNonNull(table, "table");
    }

    /** Whether restoring changes anything in this table. */
    public boolean changes() {
        return lostRows > 0 || changedRows > 0 || addedRows > 0;
    }
}
