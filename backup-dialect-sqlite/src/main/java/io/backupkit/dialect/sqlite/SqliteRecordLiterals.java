package io.backupkit.dialect.sqlite;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * Renders one stored record (SQLite's record format: a header of serial types, then the values) as
 * comma-separated SQL literals, exactly as {@link SqliteSnapshot#runExpression} and
 * {@link QuotedRowFinisher} render the same row through SQL:
 * <ul>
 * <li>NULL as {@code NULL}, integers in decimal, BLOBs as {@code X'..'} in upper-case hex;
 * <li>TEXT as {@code '...'} with quotes doubled, or {@code CAST(X'..' AS TEXT)} when it holds NUL
 *     or CR, bytes kept as stored;
 * <li>REAL as {@link SqliteLiterals#quotedRealLiteral} gives it; -0.0 keeps its sign only in
 *     columns that can store it ({@link SqliteSnapshot#mayHoldNegativeZero(String)}), and an
 *     integer stored in a REAL column is read as a REAL, as SQLite reads it.
 * </ul>
 * Not thread-safe: one instance per scan.
 */
final class SqliteRecordLiterals {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL = "NULL".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CAST_OPEN = "CAST(X'".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CAST_CLOSE = "' AS TEXT)".getBytes(StandardCharsets.US_ASCII);

    private final int[] fields;
    private final boolean[] realAffinity;
    private final boolean[] keepsNegativeZero;
    private final boolean[] hasDefault;
    private final int needed;
    private long[] types = new long[16];
    private int[] offsets = new int[16];
    private byte[] out = new byte[1024];
    private int o;

    private final SqliteLiterals.SqliteQuote sqliteQuote;

    /**
     * @param sqliteQuote SQLite's {@code quote()}, for the few doubles whose 17 digits only SQLite's
     *     own conversion gives
     */
    SqliteRecordLiterals(SqliteTableLayout layout, SqliteLiterals.SqliteQuote sqliteQuote) {
        this.sqliteQuote = sqliteQuote;
        this.fields = layout.fields();
        this.realAffinity = layout.realAffinity();
        this.keepsNegativeZero = layout.keepsNegativeZero();
        this.hasDefault = layout.hasDefault();
        this.needed = layout.fieldsNeeded();
    }

    /**
     * A renderer of parsed values (see {@link #renderValues(Object[])}) for columns that keep -0.0
     * as flagged.
     */
    SqliteRecordLiterals(boolean[] keepsNegativeZero, SqliteLiterals.SqliteQuote sqliteQuote) {
        this.sqliteQuote = sqliteQuote;
        this.fields = new int[0];
        this.realAffinity = new boolean[0];
        this.keepsNegativeZero = keepsNegativeZero;
        this.hasDefault = new boolean[0];
        this.needed = 0;
    }

    /**
     * The literals of values parsed from an archive ({@link SqlEntryLexer#literal()} with TEXT as
     * bytes), one per column: exactly what {@link #render} gives for a record holding those values,
     * so a row of an archive and the same row read from a database compare byte for byte.
     */
    byte[] renderValues(Object[] values) throws SQLException {
        o = 0;
        for (int c = 0; c < values.length; c++) {
            if (c > 0) {
                put((byte) ',');
            }
            Object v = values[c];
            if (v == null) {
                putBytes(NULL, 0, NULL.length);
            } else if (v instanceof Long l) {
                putLong(l);
            } else if (v instanceof Double d) {
                putReal(d, c);
            } else if (v instanceof SqliteText t) {
                putText(t.bytes(), 0, t.bytes().length);
            } else if (v instanceof SqliteBlob b) {
                putBlob(b.bytes(), 0, b.bytes().length);
            } else if (v instanceof String text) {
                byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
                putText(bytes, 0, bytes.length);
            } else {
                throw new IllegalArgumentException("no literal for a parsed " + v.getClass().getName());
            }
        }
        return Arrays.copyOf(out, o);
    }

    /**
     * The literals of the record at {@code record[start..start+size)}, or null when the record lacks
     * a field whose default only SQL can give (the caller then reads the row through SQL).
     */
    byte[] render(byte[] record, int start, int size, long rowid) throws SQLException {
        int end = start + size;
        int p = start;
        // The header: its size, then one serial type per field.
        long headerSize = 0;
        int b;
        do {
            if (p >= end) {
                throw malformed(rowid, "its header size runs past the record");
            }
            b = record[p++];
            headerSize = (headerSize << 7) | (b & 0x7F);
        } while (b < 0);
        if (headerSize > size || headerSize < 1) {
            throw malformed(rowid, "its header claims " + headerSize + " bytes");
        }
        int headerEnd = start + (int) headerSize;
        int body = headerEnd;
        int count = 0;
        while (p < headerEnd && count < needed) {
            long type = 0;
            do {
                if (p >= headerEnd) {
                    throw malformed(rowid, "a serial type runs past its header");
                }
                b = record[p++];
                type = (type << 7) | (b & 0x7F);
            } while (b < 0);
            if (count == types.length) {
                types = Arrays.copyOf(types, count * 2);
                offsets = Arrays.copyOf(offsets, count * 2);
            }
            types[count] = type;
            offsets[count] = body;
            long length = contentLength(type);
            if (length > end - body) {
                throw malformed(rowid, "field " + count + " runs past the record");
            }
            body += (int) length;
            count++;
        }
        o = 0;
        for (int c = 0; c < fields.length; c++) {
            if (c > 0) {
                put((byte) ',');
            }
            int field = fields[c];
            if (field < 0) {
                putLong(rowid);
            } else if (field >= count) {
                if (hasDefault[c]) {
                    return null;
                }
                putBytes(NULL, 0, NULL.length);
            } else {
                putValue(record, types[field], offsets[field], c);
            }
        }
        return Arrays.copyOf(out, o);
    }

    private SQLException malformed(long rowid, String what) {
        return new SQLException("the record of rowid " + rowid + " is malformed: " + what);
    }

    private static long contentLength(long type) {
        if (type >= 12) {
            return (type - 12) / 2;
        }
        return switch ((int) type) {
            case 0, 8, 9, 10, 11 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            case 3 -> 3;
            case 4 -> 4;
            case 5 -> 6;
            case 6, 7 -> 8;
            default -> throw new IllegalStateException("serial type " + type);
        };
    }

    private void putValue(byte[] r, long type, int at, int column) throws SQLException {
        if (type >= 13 && (type & 1) == 1) {
            putText(r, at, (int) ((type - 13) / 2));
            return;
        }
        if (type >= 12) {
            putBlob(r, at, (int) ((type - 12) / 2));
            return;
        }
        long value;
        switch ((int) type) {
            case 0, 10, 11 -> {
                // 10 and 11 are reserved; SQLite reads them as NULL
                putBytes(NULL, 0, NULL.length);
                return;
            }
            case 1 -> value = r[at];
            case 2 -> value = (short) (((r[at] & 0xFF) << 8) | (r[at + 1] & 0xFF));
            case 3 -> value = ((r[at] << 16) | ((r[at + 1] & 0xFF) << 8) | (r[at + 2] & 0xFF));
            case 4 -> value = ((r[at] & 0xFF) << 24 | (r[at + 1] & 0xFF) << 16 | (r[at + 2] & 0xFF) << 8
                    | (r[at + 3] & 0xFF));
            case 5 -> value = ((long) r[at] << 40) | ((long) (r[at + 1] & 0xFF) << 32) | bigEndian(r, at + 2, 4);
            case 6 -> value = bigEndian(r, at, 8);
            case 7 -> {
                putReal(Double.longBitsToDouble(bigEndian(r, at, 8)), column);
                return;
            }
            case 8 -> value = 0;
            case 9 -> value = 1;
            default -> throw new IllegalStateException("serial type " + type);
        }
        if (realAffinity[column]) {
            putReal((double) value, column);
        } else {
            putLong(value);
        }
    }

    private static long bigEndian(byte[] r, int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v = (v << 8) | (r[at + i] & 0xFF);
        }
        return v;
    }

    private void putText(byte[] r, int at, int n) {
        int end = at + n;
        int quotes = 0;
        for (int i = at; i < end; i++) {
            byte x = r[i];
            if (x == '\'') {
                quotes++;
            } else if (x == 0 || x == '\r') {
                putCastAsText(r, at, n);
                return;
            }
        }
        ensure((int) Math.min(Integer.MAX_VALUE, (long) n + quotes + 2));
        byte[] a = out;
        int w = o;
        a[w++] = '\'';
        if (quotes == 0) {
            System.arraycopy(r, at, a, w, n);
            w += n;
        } else {
            for (int i = at; i < end; i++) {
                byte x = r[i];
                a[w++] = x;
                if (x == '\'') {
                    a[w++] = '\'';
                }
            }
        }
        a[w++] = '\'';
        o = w;
    }

    private void putCastAsText(byte[] r, int at, int n) {
        ensure((int) Math.min(Integer.MAX_VALUE, 2L * n + CAST_OPEN.length + CAST_CLOSE.length));
        putBytes(CAST_OPEN, 0, CAST_OPEN.length);
        putHex(r, at, n);
        putBytes(CAST_CLOSE, 0, CAST_CLOSE.length);
    }

    private void putBlob(byte[] r, int at, int n) {
        ensure((int) Math.min(Integer.MAX_VALUE, 2L * n + 3));
        out[o++] = 'X';
        out[o++] = '\'';
        putHex(r, at, n);
        out[o++] = '\'';
    }

    private void putHex(byte[] r, int at, int n) {
        ensure((int) Math.min(Integer.MAX_VALUE, 2L * n));
        byte[] a = out;
        int w = o;
        for (int i = at, end = at + n; i < end; i++) {
            int x = r[i];
            a[w++] = HEX[(x >> 4) & 0xF];
            a[w++] = HEX[x & 0xF];
        }
        o = w;
    }

    private void putReal(double d, int column) throws SQLException {
        byte[] literal;
        if (d == 0) {
            literal = Double.doubleToRawLongBits(d) < 0 && keepsNegativeZero[column]
                    ? SqliteLiterals.realLiteral(d) : SqliteLiterals.realLiteral(0.0);
        } else {
            literal = SqliteLiterals.quotedRealLiteral(d, sqliteQuote);
        }
        putBytes(literal, 0, literal.length);
    }

    private void putLong(long v) {
        ensure(20);
        if (v == Long.MIN_VALUE) {
            byte[] min = Long.toString(v).getBytes(StandardCharsets.US_ASCII);
            putBytes(min, 0, min.length);
            return;
        }
        byte[] a = out;
        if (v < 0) {
            a[o++] = '-';
            v = -v;
        }
        if (v < 10) {
            a[o++] = (byte) ('0' + v);
            return;
        }
        int digits = 1;
        for (long t = v; t >= 10; t /= 10) {
            digits++;
        }
        int w = o + digits;
        o = w;
        while (v > 0) {
            a[--w] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    private void put(byte x) {
        ensure(1);
        out[o++] = x;
    }

    private void putBytes(byte[] src, int from, int n) {
        ensure(n);
        System.arraycopy(src, from, out, o, n);
        o += n;
    }

    private void ensure(int more) {
        long needed = (long) o + more;
        if (needed > out.length) {
            if (needed > Integer.MAX_VALUE - 16 || more < 0) {
                throw new IllegalStateException("a row's literals would exceed 2 GiB");
            }
            out = Arrays.copyOf(out, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(2L * out.length, needed)));
        }
    }
}
