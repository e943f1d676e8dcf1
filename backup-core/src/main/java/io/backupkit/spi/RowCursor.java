package io.backupkit.spi;

import java.sql.SQLException;

/**
 * Forward-only access to one table's rows inside a snapshot.
 *
 * <p>Columns are indexed as in {@link TableModel#columns()}. A column is read either as a
 * ready-made SQL literal (the fast path, rendered by the dialect) or, for columns that a redaction
 * rule rewrites, as a Java value: {@code null}, {@link Long}, {@link Double}, {@link String} or
 * {@code byte[]}.
 */
public interface RowCursor extends AutoCloseable {

    /** Advances to the next row; false at the end. */
    boolean next() throws SQLException;

    /** The current row's value of a literal column, as SQL literal bytes in UTF-8. */
    byte[] literal(int column) throws SQLException;

    /** The current row's value of a raw column as a Java value. */
    Object value(int column) throws SQLException;

    @Override
    void close() throws SQLException;
}
