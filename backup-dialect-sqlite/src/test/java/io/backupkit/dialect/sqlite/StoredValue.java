package io.backupkit.dialect.sqlite;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One value as SQLite stores it: the storage class and the exact content (raw double bits, exact
 * TEXT bytes), so that tests compare what the shell loaded with what JDBC binding stores.
 *
 * @param type {@code typeof()}: null, integer, real, text or blob
 * @param value {@code null}, a {@link Long}, a {@link Double}, or the bytes of a TEXT or BLOB
 */
record StoredValue(String type, Object value) {

    /** A TEXT value given as raw bytes, possibly invalid UTF-8 or containing NUL. */
    record TextBytes(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof TextBytes && Arrays.equals(bytes, ((TextBytes) o).bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "TextBytes[" + HexFormat.of().formatHex(bytes) + "]";
        }
    }

    /** The literal for a test value: {@link TextBytes} through textLiteral, all else literal. */
    static byte[] literalOf(Object javaValue) {
        return javaValue instanceof TextBytes
                ? SqliteLiterals.textLiteral(((TextBytes) javaValue).bytes())
                : SqliteLiterals.literal(javaValue);
    }

    /** What SQLite should hold for a Java value, independently of any SQLite code. */
    static StoredValue expected(Object javaValue) {
        if (javaValue == null) {
            return new StoredValue("null", null);
        }
        if (javaValue instanceof Long || javaValue instanceof Integer || javaValue instanceof Short
                || javaValue instanceof Byte) {
            return new StoredValue("integer", ((Number) javaValue).longValue());
        }
        if (javaValue instanceof Double || javaValue instanceof Float) {
            double d = ((Number) javaValue).doubleValue();
            return Double.isNaN(d) ? new StoredValue("null", null) : new StoredValue("real", d);
        }
        if (javaValue instanceof String) {
            return new StoredValue("text", ((String) javaValue).getBytes(StandardCharsets.UTF_8));
        }
        if (javaValue instanceof TextBytes) {
            return new StoredValue("text", ((TextBytes) javaValue).bytes());
        }
        if (javaValue instanceof byte[]) {
            return new StoredValue("blob", javaValue);
        }
        throw new IllegalArgumentException(javaValue.getClass().getName());
    }

    /** An SQL script creating {@code t(i, v)} and inserting the literals as rows 0, 1, ... */
    static byte[] insertScript(List<byte[]> literals) {
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        sql.writeBytes(ascii("CREATE TABLE t(i INTEGER PRIMARY KEY, v);\n"));
        if (!literals.isEmpty()) {
            sql.writeBytes(ascii("INSERT INTO t(i, v) VALUES\n"));
            for (int i = 0; i < literals.size(); i++) {
                sql.writeBytes(ascii((i == 0 ? "" : ",\n") + "(" + i + ", "));
                sql.writeBytes(literals.get(i));
                sql.writeBytes(ascii(")"));
            }
            sql.writeBytes(ascii(";\n"));
        }
        return sql.toByteArray();
    }

    /** Loads the literals into a new database file with the sqlite3 shell. */
    static void loadWithCli(Path db, List<byte[]> literals) {
        SqliteCli.run(db, insertScript(literals));
    }

    /** Reads table {@code t} of a database file, in row order. */
    static List<StoredValue> readAll(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            return readAll(c);
        }
    }

    static List<StoredValue> readAll(Connection c) throws SQLException {
        List<StoredValue> rows = new ArrayList<>();
        try (Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT typeof(v), v, CAST(v AS BLOB) FROM t ORDER BY i")) {
            while (rs.next()) {
                String type = rs.getString(1);
                Object value;
                switch (type) {
                    case "null":
                        value = null;
                        break;
                    case "integer":
                        value = rs.getLong(2);
                        break;
                    case "real":
                        value = rs.getDouble(2);
                        break;
                    default:
                        // CAST(... AS BLOB) hands over a TEXT's bytes untouched, NULs included.
                        byte[] bytes = rs.getBytes(3);
                        value = bytes == null ? new byte[0] : bytes;
                        break;
                }
                rows.add(new StoredValue(type, value));
            }
        }
        return rows;
    }

    /** Stores the values by binding them through sqlite-jdbc, the reference for the shell path. */
    static List<StoredValue> bindWithJdbc(List<Object> values) throws SQLException {
        try (Connection c = bound(values)) {
            return readAll(c);
        }
    }

    /** {@code hex(v)} of a value bound through sqlite-jdbc, computed by SQLite. */
    static String boundHex(Object value) throws SQLException {
        try (Connection c = bound(Arrays.asList(value));
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT hex(v) FROM t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** An in-memory database whose table {@code t(i, v)} holds the values, bound one by one. */
    private static Connection bound(List<Object> values) throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite::memory:");
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t(i INTEGER PRIMARY KEY, v)");
        }
        try (PreparedStatement plain = c.prepareStatement("INSERT INTO t(i, v) VALUES(?, ?)");
                PreparedStatement text = c.prepareStatement(
                        "INSERT INTO t(i, v) VALUES(?, CAST(? AS TEXT))")) {
            for (int i = 0; i < values.size(); i++) {
                Object v = values.get(i);
                PreparedStatement ps = v instanceof TextBytes ? text : plain;
                ps.setInt(1, i);
                if (v == null) {
                    ps.setNull(2, Types.NULL);
                } else if (v instanceof TextBytes) {
                    // Raw bytes cast to TEXT keep NULs and invalid UTF-8 exactly.
                    ps.setBytes(2, ((TextBytes) v).bytes());
                } else if (v instanceof Float) {
                    ps.setFloat(2, (Float) v);
                } else if (v instanceof Double) {
                    ps.setDouble(2, (Double) v);
                } else if (v instanceof Number) {
                    ps.setLong(2, ((Number) v).longValue());
                } else if (v instanceof String) {
                    ps.setString(2, (String) v);
                } else {
                    ps.setBytes(2, (byte[]) v);
                }
                ps.executeUpdate();
            }
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Same storage class and same content; doubles by raw bits, bytes by content. */
    boolean sameAs(StoredValue other) {
        if (!type.equals(other.type)) {
            return false;
        }
        if (value instanceof Double && other.value instanceof Double) {
            return Double.doubleToRawLongBits((Double) value)
                    == Double.doubleToRawLongBits((Double) other.value);
        }
        if (value instanceof byte[] && other.value instanceof byte[]) {
            return Arrays.equals((byte[]) value, (byte[]) other.value);
        }
        return Objects.equals(value, other.value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StoredValue && sameAs((StoredValue) o);
    }

    @Override
    public int hashCode() {
        return type.hashCode();
    }

    @Override
    public String toString() {
        if (value instanceof byte[]) {
            return type + ":" + HexFormat.of().withUpperCase().formatHex((byte[]) value);
        }
        if (value instanceof Double) {
            double d = (Double) value;
            return type + ":" + d + " (bits " + Long.toHexString(Double.doubleToRawLongBits(d))
                    + ")";
        }
        return type + ":" + value;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
