package io.backupkit.dialect.postgres;

import io.backupkit.spi.RowCursor;
import io.backupkit.spi.TableModel;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import org.postgresql.copy.CopyOut;

/**
 * Rows of one table read with {@code COPY ... TO STDOUT} (text format, one row per message), the
 * fastest way out of the server. Each field's text is turned into a SQL literal without parsing
 * the value: the server already wrote it in its exact text form.
 */
final class PgCopyCursor implements RowCursor {

    private final CopyOut copy;
    private final TableModel table;
    private final PgCatalog.ColumnKind[] kinds;
    private final int[] starts;
    private final int[] ends;
    private final ByteSink out = new ByteSink(1024);
    private byte[] row;

    PgCopyCursor(CopyOut copy, TableModel table, PgCatalog.ColumnKind[] kinds) {
        this.copy = copy;
        this.table = table;
        this.kinds = kinds;
        this.starts = new int[table.columns().size()];
        this.ends = new int[table.columns().size()];
    }

    @Override
    public boolean next() throws SQLException {
        row = copy.readFromCopy();
        if (row == null) {
            return false;
        }
        int end = row.length > 0 && row[row.length - 1] == '\n' ? row.length - 1 : row.length;
        int column = 0;
        int start = 0;
        for (int i = 0; i <= end; i++) {
            if (i == end || row[i] == '\t') {
                if (column >= starts.length) {
                    throw new SQLException("COPY of table '" + table.name() + "' returned more columns than expected");
                }
                starts[column] = start;
                ends[column] = i;
                column++;
                start = i + 1;
            }
        }
        if (column != starts.length) {
            throw new SQLException("COPY of table '" + table.name() + "' returned " + column + " columns, expected "
                    + starts.length);
        }
        return true;
    }

    @Override
    public byte[] literal(int column) {
        out.reset();
        PgLiterals.copyFieldToLiteral(row, starts[column], ends[column], kinds[column].integer(), out);
        return out.toByteArray();
    }

    @Override
    public byte[] literals(int from, int to) {
        out.reset();
        for (int c = from; c < to; c++) {
            if (c > from) {
                out.write(',');
            }
            PgLiterals.copyFieldToLiteral(row, starts[c], ends[c], kinds[c].integer(), out);
        }
        return out.toByteArray();
    }

    @Override
    public Object value(int column) {
        byte[] raw = PgLiterals.unescapeCopyField(row, starts[column], ends[column]);
        if (raw == null) {
            return null;
        }
        PgCatalog.ColumnKind kind = kinds[column];
        String text = new String(raw, StandardCharsets.UTF_8);
        if (kind.integer()) {
            BigInteger value = new BigInteger(text);
            return value.bitLength() < 64 ? (Object) value.longValue() : value;
        }
        if (kind.floating()) {
            return switch (text) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> Double.parseDouble(text);
            };
        }
        if (kind.bytea() && text.startsWith("\\x")) {
            byte[] bytes = new byte[(text.length() - 2) / 2];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) Integer.parseInt(text, 2 + 2 * i, 4 + 2 * i, 16);
            }
            return bytes;
        }
        return text;
    }

    @Override
    public void close() throws SQLException {
        if (copy.isActive()) {
            copy.cancelCopy();
        }
    }
}
