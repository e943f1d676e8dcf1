package io.backupkit.spi;

import java.io.IOException;
import java.sql.SQLException;
import java.util.Set;

/**
 * One consistent, read-only point in time of a database, open until closed.
 *
 * <p>Everything a backup reads, schema, counts and rows, comes from the same snapshot, so the
 * backup is consistent even while the application keeps writing.
 */
public interface Snapshot extends AutoCloseable {

    /** Facts recorded in the manifest. */
    SnapshotInfo info();

    /** The schema as of the snapshot. */
    SchemaModel schema();

    /** The number of rows the table holds in this snapshot. */
    long countRows(TableModel table) throws Exception;

    /**
     * Opens a cursor over a table's rows in a stable order (the storage order or the primary key).
     *
     * @param rawColumns indexes of columns to read with {@link RowCursor#value(int)}; the others are read as literals
     */
    RowCursor openRows(TableModel table, Set<Integer> rawColumns) throws Exception;

    /**
     * An estimate of how many bytes the snapshot's data holds, used to refuse a backup over
     * {@code SizeLimits.maxBackupBytes} before it starts; empty when the dialect cannot tell
     * cheaply. SQLite answers {@code (page_count - freelist_count) * page_size}: the pages in
     * use, indexes included, so the estimate errs on the high side.
     */
    default java.util.OptionalLong estimatedBytes() throws Exception {
        return java.util.OptionalLong.empty();
    }

    /** Ends the read transaction and frees anything the snapshot held, such as a temporary copy. */
    @Override
    void close() throws SQLException, IOException;
}
