package io.backupkit.dialect.sqlite;

import io.backupkit.spi.RowCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * Reads rows whose literal columns SQLite has already rendered, one result column per run of
 * literal columns (see {@link SqliteSnapshot#runExpression(java.util.List)}), finished by
 * {@link QuotedRowFinisher}. Runs must be asked for
 * exactly as they were opened: the core always does. A null statement is the caller's to close.
 */
final class SqliteRowCursor implements RowCursor {

    private final String table;
    private final Statement statement;
    private final ResultSet rows;
    private final Map<Integer, Integer> runEnds;
    private final Map<Integer, Integer> resultIndex;
    private final Map<Integer, Integer> zeroSignIndex;

    SqliteRowCursor(String table, Statement statement, ResultSet rows, Map<Integer, Integer> runEnds,
                    Map<Integer, Integer> resultIndex, Map<Integer, Integer> zeroSignIndex) {
        this.table = table;
        this.statement = statement;
        this.rows = rows;
        this.runEnds = Map.copyOf(runEnds);
        this.resultIndex = Map.copyOf(resultIndex);
        this.zeroSignIndex = Map.copyOf(zeroSignIndex);
    }

    @Override
    public boolean next() throws SQLException {
        return rows.next();
    }

    @Override
    public byte[] literal(int column) throws SQLException {
        return literals(column, column + 1);
    }

    @Override
    public byte[] literals(int from, int to) throws SQLException {
        Integer end = runEnds.get(from);
        if (end == null || end != to) {
            throw new IllegalArgumentException("table " + table + ": columns " + from + " to " + to
                    + " were not opened as one run of literal columns");
        }
        return QuotedRowFinisher.finish(rows.getBytes(resultIndex.get(from)), column -> {
            Integer raw = zeroSignIndex.get(from + column);
            return raw != null && isNegativeZero(raw);
        });
    }

    private boolean isNegativeZero(int resultColumn) {
        try {
            return Double.doubleToRawLongBits(rows.getDouble(resultColumn)) == Long.MIN_VALUE;
        } catch (SQLException e) {
            throw new IllegalStateException("table " + table + ": reading a zero's sign failed", e);
        }
    }

    @Override
    public Object value(int column) throws SQLException {
        Integer index = resultIndex.get(column);
        if (index == null || runEnds.containsKey(column)) {
            throw new IllegalArgumentException("table " + table + ": column " + column + " was not opened as raw");
        }
        Object value = rows.getObject(index);
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }

    @Override
    public void close() throws SQLException {
        try {
            rows.close();
        } finally {
            if (statement != null) {
                statement.close();
            }
        }
    }
}
