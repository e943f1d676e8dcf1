package io.backupkit.dialect.sqlite;

import io.backupkit.spi.RowCursor;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** Reads rows whose literal columns SQLite has already rendered with {@code quote()}. */
final class SqliteRowCursor implements RowCursor {

    private final Statement statement;
    private final ResultSet rows;

    SqliteRowCursor(Statement statement, ResultSet rows) {
        this.statement = statement;
        this.rows = rows;
    }

    @Override
    public boolean next() throws SQLException {
        return rows.next();
    }

    @Override
    public byte[] literal(int column) throws SQLException {
        byte[] quoted = rows.getBytes(column + 1);
        byte first = quoted[0];
        // TEXT, BLOB, NULL and the CAST(X'..' AS TEXT) form for TEXT holding NUL pass as they are.
        if (first == '\'' || first == 'X' || first == 'N' || first == 'C') {
            return quoted;
        }
        // quote() prints REAL with 15 or 20 significant digits; we write the shortest exact form.
        return SqliteLiterals.isRealLiteral(quoted) ? SqliteLiterals.normalizeQuotedReal(quoted) : quoted;
    }

    @Override
    public Object value(int column) throws SQLException {
        Object value = rows.getObject(column + 1);
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
            statement.close();
        }
    }
}
