package io.backupkit.dialect.sqlite;

import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.Selection;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.SelectiveRestoreResult.Action;
import io.backupkit.SelectiveRestoreResult.RowOutcome;
import io.backupkit.TableSummary;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Merges part of a staged database into the live one, in one {@code BEGIN IMMEDIATE} transaction on
 * a connection from the application's pool (writers wait on the lock as for any write). Only
 * statements written here run; the staged file is attached read-only as {@code stage}.
 *
 * <p>Chosen rows bring their descendants (rows whose single-column foreign keys point at them,
 * recursively), and their ancestors where those are missing live. Ancestors that exist live are
 * never changed. Triggers of the live tables fire as for any insert or update.
 */
final class SqliteSelectiveMerge {

    private record Fk(String child, String column, String parent, String parentColumn) {
    }

    private final BackupManifest manifest;
    private final Path staged;
    private final Map<String, String> selectionTables = new LinkedHashMap<>();
    private final List<RowOutcome> outcomes = new ArrayList<>();

    SqliteSelectiveMerge(BackupManifest manifest, Path staged) {
        this.manifest = manifest;
        this.staged = staged;
    }

    SelectiveRestoreResult merge(DataSource live, Selection selection) throws SQLException {
        try (Connection c = live.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(true);
            try (PreparedStatement attach = c.prepareStatement("ATTACH DATABASE ? AS stage")) {
                attach.setString(1, "file:" + staged + "?mode=ro");
                attach.execute();
            }
            try {
                execute(c, "BEGIN IMMEDIATE");
                try {
                    for (String table : selection.tables()) {
                        replaceTable(c, table);
                    }
                    if (!selection.rows().isEmpty()) {
                        mergeRows(c, selection);
                    }
                    checkForeignKeys(c, selection);
                    execute(c, "COMMIT");
                } catch (SQLException | RuntimeException e) {
                    execute(c, "ROLLBACK");
                    throw e;
                } finally {
                    for (String temp : selectionTables.values()) {
                        execute(c, "DROP TABLE IF EXISTS temp." + temp);
                    }
                }
            } finally {
                execute(c, "DETACH DATABASE stage");
                c.setAutoCommit(autoCommit);
            }
        }
        return new SelectiveRestoreResult(manifest.id(), outcomes);
    }

    private void replaceTable(Connection c, String table) throws SQLException {
        TableSummary summary = summary(table);
        String cols = summary.columns().stream().map(SqliteSnapshot::quote).collect(Collectors.joining(", "));
        String q = SqliteSnapshot.quote(table);
        execute(c, "DELETE FROM main." + q);
        int rows;
        try (Statement s = c.createStatement()) {
            rows = s.executeUpdate("INSERT INTO main." + q + " (" + cols + ") SELECT " + cols + " FROM stage." + q);
        }
        outcomes.add(new RowOutcome(table, rows + " rows", Action.TABLE_REPLACED));
    }

    private void mergeRows(Connection c, Selection selection) throws SQLException {
        List<Fk> fks = foreignKeys(c);
        int n = 0;
        for (TableSummary t : manifest.tables()) {
            String temp = "bk_sel_" + n++;
            selectionTables.put(t.name(), temp);
            execute(c, "CREATE TEMP TABLE " + temp + " (rid INTEGER PRIMARY KEY, ancestor INTEGER NOT NULL)");
        }
        for (Map.Entry<String, List<Object>> e : selection.rows().entrySet()) {
            String table = e.getKey();
            String key = keyColumn(c, table);
            try (PreparedStatement seed = c.prepareStatement("INSERT OR IGNORE INTO temp." + selectionTables.get(table)
                    + " (rid, ancestor) SELECT rowid, 0 FROM stage." + SqliteSnapshot.quote(table) + " WHERE "
                    + SqliteSnapshot.quote(key) + " = ?")) {
                for (Object value : e.getValue()) {
                    seed.setObject(1, value);
                    if (seed.executeUpdate() == 0) {
                        throw new BackupException("backup " + manifest.id() + " has no row of '" + table + "' with "
                                + key + " = " + value);
                    }
                }
            }
        }
        // Descendants of the chosen rows, then ancestors of everything chosen (ancestors do not pull
        // in their other children: restoring a comment must not bring back every comment of its ticket).
        grow(c, fks, true);
        grow(c, fks, false);
        for (String table : manifest.plan().tableOrder()) {
            if (selectionTables.containsKey(table) && countSelected(c, table) > 0) {
                applyRows(c, table, selection.conflict());
            }
        }
    }

    private long countSelected(Connection c, String table) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM temp." + selectionTables.get(table))) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static boolean withoutRowid(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT wr FROM pragma_table_list WHERE schema = 'stage' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) != 0;
            }
        }
    }

    private void grow(Connection c, List<Fk> fks, boolean down) throws SQLException {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (Fk fk : fks) {
                String child = SqliteSnapshot.quote(fk.child());
                String parent = SqliteSnapshot.quote(fk.parent());
                String join = "stage." + child + " c JOIN stage." + parent + " p ON c." + SqliteSnapshot.quote(fk.column())
                        + " = p." + SqliteSnapshot.quote(fk.parentColumn());
                String sql = down
                        ? "INSERT OR IGNORE INTO temp." + selectionTables.get(fk.child()) + " (rid, ancestor) SELECT c.rowid, 0 FROM "
                        + join + " WHERE p.rowid IN (SELECT rid FROM temp." + selectionTables.get(fk.parent())
                        + " WHERE ancestor = 0)"
                        : "INSERT OR IGNORE INTO temp." + selectionTables.get(fk.parent()) + " (rid, ancestor) SELECT p.rowid, 1 FROM "
                        + join + " WHERE c.rowid IN (SELECT rid FROM temp." + selectionTables.get(fk.child()) + ")";
                try (Statement s = c.createStatement()) {
                    if (s.executeUpdate(sql) > 0) {
                        changed = true;
                    }
                }
            }
        }
    }

    private void applyRows(Connection c, String table, Selection.Conflict policy) throws SQLException {
        String q = SqliteSnapshot.quote(table);
        String key = SqliteSnapshot.quote(keyColumn(c, table));
        List<String> columns = realColumns(c, table);
        String cols = columns.stream().map(SqliteSnapshot::quote).collect(Collectors.joining(", "));
        String differs = columns.stream().map(col -> "m." + SqliteSnapshot.quote(col) + " IS NOT s." + SqliteSnapshot.quote(col))
                .collect(Collectors.joining(" OR "));
        String temp = selectionTables.get(table);
        List<Object[]> rows = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT t.rid, t.ancestor, s." + key
                + ", (SELECT count(*) FROM main." + q + " m WHERE m." + key + " = s." + key + "), (SELECT count(*) FROM main."
                + q + " m WHERE m." + key + " = s." + key + " AND (" + differs + ")) FROM temp." + temp + " t JOIN stage."
                + q + " s ON s.rowid = t.rid ORDER BY t.rid")) {
            while (rs.next()) {
                rows.add(new Object[] {rs.getLong(1), rs.getInt(2) == 1, String.valueOf(rs.getObject(3)),
                        rs.getLong(4) > 0, rs.getLong(5) > 0});
            }
        }
        try (PreparedStatement insert = c.prepareStatement("INSERT INTO main." + q + " (" + cols + ") SELECT " + cols
                + " FROM stage." + q + " WHERE rowid = ?");
             PreparedStatement update = c.prepareStatement("UPDATE main." + q + " SET (" + cols + ") = (SELECT " + cols
                     + " FROM stage." + q + " WHERE rowid = ?) WHERE " + key + " = (SELECT " + key + " FROM stage." + q
                     + " WHERE rowid = ?)")) {
            for (Object[] row : rows) {
                long rid = (Long) row[0];
                boolean ancestor = (Boolean) row[1];
                String keyText = (String) row[2];
                boolean exists = (Boolean) row[3];
                boolean differ = (Boolean) row[4];
                Action action;
                if (!exists) {
                    insert.setLong(1, rid);
                    insert.executeUpdate();
                    action = Action.INSERTED;
                } else if (!differ) {
                    action = Action.UNCHANGED;
                } else if (ancestor || policy == Selection.Conflict.SKIP) {
                    action = Action.SKIPPED;
                } else if (policy == Selection.Conflict.OVERWRITE) {
                    update.setLong(1, rid);
                    update.setLong(2, rid);
                    update.executeUpdate();
                    action = Action.OVERWRITTEN;
                } else {
                    throw new BackupException("row " + keyText + " of '" + table + "' exists live with other values "
                            + "(conflict policy FAIL); nothing was changed");
                }
                outcomes.add(new RowOutcome(table, keyText, action));
            }
        }
    }

    /** Checks the tables the merge wrote to; violations elsewhere in the live database are not its doing. */
    private void checkForeignKeys(Connection c, Selection selection) throws SQLException {
        java.util.Set<String> touched = new java.util.LinkedHashSet<>(selection.tables());
        outcomes.stream().filter(o -> o.action() != Action.UNCHANGED && o.action() != Action.SKIPPED)
                .forEach(o -> touched.add(o.table()));
        for (String table : touched) {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM pragma_foreign_key_check(?, 'main')")) {
                ps.setString(1, table);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new BackupException("the merge would leave a row of '" + rs.getString(1) + "' (rowid "
                                + rs.getString(2) + ") referencing a missing row of '" + rs.getString(3)
                                + "'; nothing was changed");
                    }
                }
            }
        }
    }

    private List<Fk> foreignKeys(Connection c) throws SQLException {
        List<Fk> fks = new ArrayList<>();
        for (TableSummary t : manifest.tables()) {
            Map<Integer, List<String[]>> byId = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?, 'stage') ORDER BY id, seq")) {
                ps.setString(1, t.name());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byId.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
                                .add(new String[] {rs.getString(2), rs.getString(3), rs.getString(4)});
                    }
                }
            }
            if (withoutRowid(c, t.name())) {
                continue; // rows are tracked by rowid
            }
            for (List<String[]> parts : byId.values()) {
                if (parts.size() != 1) {
                    continue; // composite keys are not followed
                }
                String parent = canonical(parts.get(0)[0]);
                if (parent == null || withoutRowid(c, parent)) {
                    continue;
                }
                String parentColumn = parts.get(0)[2] != null ? parts.get(0)[2] : keyColumn(c, parent);
                fks.add(new Fk(t.name(), parts.get(0)[1], parent, parentColumn));
            }
        }
        return fks;
    }

    private String canonical(String table) {
        return manifest.tables().stream().map(TableSummary::name).filter(n -> n.equalsIgnoreCase(table)).findFirst()
                .orElse(null);
    }

    /** The single-column primary key, or the rowid for tables without one. */
    private String keyColumn(Connection c, String table) throws SQLException {
        TableSummary summary = summary(table);
        if (withoutRowid(c, table)) {
            throw new BackupException("selective restore of rows does not support the WITHOUT ROWID table '"
                    + table + "'; restore the whole table instead");
        }
        if (summary.primaryKey().size() == 1) {
            return summary.primaryKey().get(0);
        }
        if (summary.primaryKey().isEmpty()) {
            return "rowid";
        }
        throw new BackupException("selective restore of rows needs a single-column primary key; '" + table
                + "' has " + summary.primaryKey());
    }

    private static List<String> realColumns(Connection c, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM pragma_table_xinfo(?, 'stage') WHERE hidden = 0 ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.add(rs.getString(1));
                }
            }
        }
        return columns;
    }

    private TableSummary summary(String table) {
        return manifest.tables().stream().filter(t -> t.name().equals(table)).findFirst()
                .orElseThrow(() -> new BackupException("backup " + manifest.id() + " has no table '" + table + "'"));
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
