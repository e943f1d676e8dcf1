package io.backupkit.spi;

import java.io.ByteArrayOutputStream;
import java.sql.SQLException;

/**
 * Forward-only access to one table's rows inside a snapshot.
 *
 * <p>Columns are indexed as in {@link TableModel#columns()}. Columns are read either as ready-made
 * SQL literals (the fast path, rendered by the dialect, possibly by the database itself) or, for
 * columns that a redaction rule rewrites, as Java values: {@code null}, {@link Long},
 * {@link Double}, {@link String} or {@code byte[]}.
 */
public interface RowCursor extends AutoCloseable {

    /** Advances to the next row; false at the end. */
    boolean next() throws SQLException;

    /** The current row's value of one literal column, as SQL literal bytes in UTF-8. */
    byte[] literal(int column) throws SQLException;

    /**
     * The literals of the columns {@code from} (inclusive) to {@code to} (exclusive), separated by
     * commas. The core asks for each run of literal columns between raw columns; a dialect can
     * render a whole run in one call, which is what makes wide tables fast.
     */
    default byte[] literals(int from, int to) throws SQLException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int c = from; c < to; c++) {
            if (c > from) {
                out.write(',');
            }
            out.writeBytes(literal(c));
        }
        return out.toByteArray();
    }

    /** The current row's value of a raw column as a Java value. */
    Object value(int column) throws SQLException;

    @Override
    void close() throws SQLException;
}
