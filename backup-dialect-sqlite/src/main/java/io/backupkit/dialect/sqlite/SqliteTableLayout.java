package io.backupkit.dialect.sqlite;

import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.TableModel;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where each column of a rowid table lives on disk, as SQLite itself compiles a full scan of the
 * table: the table's root page, and for each column either the rowid or a field of the stored
 * record, whether SQLite turns a stored integer back into a REAL on reading (REAL affinity), and
 * whether the column has a default that records written before an {@code ALTER TABLE ADD COLUMN}
 * lack.
 *
 * <p>The layout is read from {@code EXPLAIN SELECT ... FROM t NOT INDEXED} rather than worked out
 * from the schema, so rowid aliases ({@code INTEGER PRIMARY KEY}, but not {@code ... DESC}),
 * generated columns (virtual ones are not stored) and affinities are exactly SQLite's. Anything
 * in the program that is not a plain scan means "no layout", and the caller reads through SQL.
 *
 * @param rootPage the table's b-tree root page
 * @param fields for each column, its record field, or -1 for the rowid
 * @param realAffinity for each column, whether a stored integer is read as a REAL
 * @param keepsNegativeZero for each column, whether a stored -0.0 is written with its sign
 * @param hasDefault for each column, whether short records take a default for it
 */
record SqliteTableLayout(int rootPage, int[] fields, boolean[] realAffinity, boolean[] keepsNegativeZero,
                         boolean[] hasDefault) {

    /** Reads the layout of a table; empty if its scan is not the plain one this reader understands. */
    static Optional<SqliteTableLayout> of(Connection connection, TableModel table) throws SQLException {
        List<ColumnModel> columns = table.columns();
        if (columns.isEmpty()) {
            return Optional.empty();
        }
        List<String> select = new ArrayList<>();
        for (ColumnModel column : columns) {
            select.add(SqliteSnapshot.quote(column.name()));
        }
        String sql = "EXPLAIN SELECT " + String.join(", ", select) + " FROM "
                + SqliteSnapshot.quote(table.name()) + " NOT INDEXED";
        int n = columns.size();
        int[] fields = new int[n];
        boolean[] real = new boolean[n];
        boolean[] negativeZero = new boolean[n];
        boolean[] defaults = new boolean[n];
        Map<Integer, Integer> columnOfRegister = new HashMap<>();
        int rootPage = -1;
        int cursor = -1;
        boolean inLoop = false;
        boolean done = false;
        int next = 0;
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next() && !done) {
                String opcode = rs.getString(2);
                int p1 = rs.getInt(3);
                int p2 = rs.getInt(4);
                int p3 = rs.getInt(5);
                String p4 = rs.getString(6);
                switch (opcode) {
                    case "Init", "Transaction", "Goto", "Halt" -> {
                        // the program's frame
                    }
                    case "OpenRead" -> {
                        if (rootPage >= 0 || p3 != 0) {
                            return Optional.empty();
                        }
                        rootPage = p2;
                        cursor = p1;
                    }
                    case "Rewind" -> inLoop = true;
                    case "Rowid", "Column" -> {
                        if (!inLoop || p1 != cursor || next >= n) {
                            return Optional.empty();
                        }
                        int register = opcode.equals("Rowid") ? p2 : p3;
                        fields[next] = opcode.equals("Rowid") ? -1 : p2;
                        defaults[next] = opcode.equals("Column") && p4 != null;
                        columnOfRegister.put(register, next);
                        next++;
                    }
                    case "RealAffinity" -> {
                        Integer column = columnOfRegister.get(p1);
                        if (column == null) {
                            return Optional.empty();
                        }
                        real[column] = true;
                    }
                    case "ResultRow" -> {
                        // The result registers must be the columns, in order.
                        if (p2 != n || next != n) {
                            return Optional.empty();
                        }
                        for (int i = 0; i < n; i++) {
                            Integer column = columnOfRegister.get(p1 + i);
                            if (column == null || column != i) {
                                return Optional.empty();
                            }
                        }
                        done = true;
                    }
                    default -> {
                        return Optional.empty();
                    }
                }
            }
        }
        if (!done || rootPage <= 0) {
            return Optional.empty();
        }
        for (int i = 0; i < n; i++) {
            negativeZero[i] = SqliteSnapshot.mayHoldNegativeZero(columns.get(i).declaredType());
        }
        return Optional.of(new SqliteTableLayout(rootPage, fields, real, negativeZero, defaults));
    }

    /** How many record fields a row needs for every column to be read from it. */
    int fieldsNeeded() {
        int max = 0;
        for (int f : fields) {
            max = Math.max(max, f + 1);
        }
        return max;
    }
}
