package io.backupkit.dialect.postgres;

import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.SelectiveRestoreResult.Action;
import io.backupkit.SelectiveRestoreResult.RowOutcome;
import io.backupkit.Selection;
import io.backupkit.TableSummary;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Merges part of the staging schema into the live schema, inside the staging transaction, so that
 * the merge commits whole or not at all.
 *
 * <p>A whole table is emptied and refilled from the backup ({@code OVERRIDING SYSTEM VALUE}, so
 * identity columns keep the backed-up values). Chosen rows (by a single-column primary key) bring
 * their descendants (rows whose single-column foreign keys point at them, recursively) and their
 * ancestors where those are missing live; ancestors that exist live are never changed. A row that
 * exists live with other values is skipped, overwritten or fails the merge. Live foreign keys and
 * triggers work as for any insert.
 */
final class PgSelectiveMerge {

    private final Connection connection;
    private final String scratch;
    private final String live;
    private final BackupManifest manifest;

    PgSelectiveMerge(Connection connection, String scratch, String live, BackupManifest manifest) {
        this.connection = connection;
        this.scratch = scratch;
        this.live = live;
        this.manifest = manifest;
    }

    SelectiveRestoreResult merge(Selection selection) throws SQLException {
        List<RowOutcome> outcomes = new ArrayList<>();
        try (Statement s = connection.createStatement()) {
            s.execute("SET CONSTRAINTS ALL DEFERRED");
            for (String name : selection.tables()) {
                TableSummary table = manifest.tables().stream().filter(t -> t.name().equals(name)).findFirst()
                        .orElseThrow(() -> new BackupException("backup " + manifest.id() + " has no table '" + name
                                + "'"));
                String cols = table.columns().stream().map(PgLiterals::ident).collect(Collectors.joining(", "));
                String target = PgLiterals.ident(live) + "." + PgLiterals.ident(name);
                try {
                    s.execute("DELETE FROM " + target);
                    long rows = s.executeUpdate("INSERT INTO " + target + " (" + cols + ") OVERRIDING SYSTEM VALUE "
                            + "SELECT " + cols + " FROM " + PgLiterals.ident(scratch) + "." + PgLiterals.ident(name));
                    outcomes.add(new RowOutcome(name, Long.toString(rows), Action.TABLE_REPLACED));
                } catch (SQLException e) {
                    throw new BackupException("replacing table '" + PgSchemaValidator.printable(name)
                            + "' failed; nothing was changed: " + PgStaging.describe(e), e);
                }
            }
            if (!selection.rows().isEmpty()) {
                mergeRows(selection, outcomes);
            }
            try {
                s.execute("SET CONSTRAINTS ALL IMMEDIATE");
            } catch (SQLException e) {
                throw new BackupException("the restored tables break a live foreign key; nothing was changed: "
                        + PgStaging.describe(e), e);
            }
            try (ResultSet rs = s.executeQuery("SELECT 1")) {
                rs.next();
            }
        }
        return new SelectiveRestoreResult(manifest.id(), outcomes);
    }

    private record Fk(String child, String column, String parent, String parentColumn) {
    }

    private String staged(String table) {
        return PgLiterals.ident(scratch) + "." + PgLiterals.ident(table);
    }

    private String liveTable(String table) {
        return PgLiterals.ident(live) + "." + PgLiterals.ident(table);
    }

    private TableSummary summary(String name) {
        return manifest.tables().stream().filter(t -> t.name().equals(name)).findFirst()
                .orElseThrow(() -> new BackupException("backup " + manifest.id() + " has no table '" + name + "'"));
    }

    /** The single primary-key column of a table, or null. */
    private String key(String table) {
        List<String> pk = summary(table).primaryKey();
        return pk.size() == 1 ? pk.get(0) : null;
    }

    /** Single-column foreign keys between tables of the backup, read from the staging schema. */
    private List<Fk> foreignKeys() throws SQLException {
        List<Fk> fks = new ArrayList<>();
        try (java.sql.PreparedStatement ps = connection.prepareStatement("""
                SELECT c.relname, a.attname, p.relname, pa.attname FROM pg_constraint k
                JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
                JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
                JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = k.confkey[1]
                WHERE k.contype = 'f' AND n.nspname = ? AND array_length(k.conkey, 1) = 1""")) {
            ps.setString(1, scratch);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    fks.add(new Fk(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return fks;
    }

    private void mergeRows(Selection selection, List<RowOutcome> outcomes) throws SQLException {
        java.util.Map<String, java.util.Set<String>> chosen = new java.util.LinkedHashMap<>();
        for (var entry : selection.rows().entrySet()) {
            String table = entry.getKey();
            if (key(table) == null) {
                throw new BackupException("table '" + PgSchemaValidator.printable(table) + "' has no single-column "
                        + "primary key; select it whole with Selection.tables(...)");
            }
            java.util.Set<String> keys = chosen.computeIfAbsent(table, t -> new java.util.LinkedHashSet<>());
            for (Object value : entry.getValue()) {
                String text = String.valueOf(value);
                if (select(table, key(table), List.of(text)).isEmpty()) {
                    throw new BackupException("backup " + manifest.id() + " has no row of table '"
                            + PgSchemaValidator.printable(table) + "' with key " + PgSchemaValidator.printable(text));
                }
                keys.add(text);
            }
        }
        // rows whose descendants come along: the chosen rows and their descendants, never ancestors
        java.util.Map<String, java.util.Set<String>> followed = new java.util.LinkedHashMap<>();
        chosen.forEach((t, keys) -> followed.put(t, new java.util.LinkedHashSet<>(keys)));
        List<Fk> fks = foreignKeys();
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Fk fk : fks) {
                String childKey = key(fk.child());
                String parentKey = key(fk.parent());
                java.util.Set<String> parents = followed.get(fk.parent());
                if (parents != null && childKey != null && !parents.isEmpty()) {
                    // descendants: staged children pointing at chosen parents
                    List<String> children = query("SELECT c." + PgLiterals.ident(childKey) + "::text FROM "
                            + staged(fk.child()) + " c JOIN " + staged(fk.parent()) + " p ON c."
                            + PgLiterals.ident(fk.column()) + " = p." + PgLiterals.ident(fk.parentColumn())
                            + " WHERE p." + PgLiterals.ident(parentKey) + "::text = ANY(?)", parents);
                    for (String child : children) {
                        if (followed.computeIfAbsent(fk.child(), t -> new java.util.LinkedHashSet<>()).add(child)) {
                            chosen.computeIfAbsent(fk.child(), t -> new java.util.LinkedHashSet<>()).add(child);
                            grew = true;
                        }
                    }
                }
                java.util.Set<String> kids = chosen.get(fk.child());
                if (kids != null && childKey != null && parentKey != null && !kids.isEmpty()) {
                    // ancestors missing live
                    List<String> missing = query("SELECT p." + PgLiterals.ident(parentKey) + "::text FROM "
                            + staged(fk.parent()) + " p JOIN " + staged(fk.child()) + " c ON c."
                            + PgLiterals.ident(fk.column()) + " = p." + PgLiterals.ident(fk.parentColumn())
                            + " WHERE c." + PgLiterals.ident(childKey) + "::text = ANY(?) AND NOT EXISTS (SELECT 1 FROM "
                            + liveTable(fk.parent()) + " l WHERE l." + PgLiterals.ident(fk.parentColumn()) + " = p."
                            + PgLiterals.ident(fk.parentColumn()) + ")", kids);
                    for (String parent : missing) {
                        java.util.Set<String> set = chosen.computeIfAbsent(fk.parent(),
                                t -> new java.util.LinkedHashSet<>());
                        if (set.add(parent)) {
                            grew = true;
                        }
                    }
                }
            }
        }
        List<String> order = new ArrayList<>(manifest.plan().tableOrder());
        order.retainAll(chosen.keySet());
        for (String table : order) {
            for (String keyText : chosen.get(table)) {
                outcomes.add(new RowOutcome(table, keyText, mergeRow(table, keyText, selection.conflict())));
            }
        }
    }

    private Action mergeRow(String table, String keyText, Selection.Conflict conflict) throws SQLException {
        TableSummary t = summary(table);
        String key = PgLiterals.ident(key(table));
        String cols = t.columns().stream().map(PgLiterals::ident).collect(Collectors.joining(", "));
        String row = "ROW(" + cols + ")::text";
        // the key is equal on both sides; leaving it out also keeps GENERATED ALWAYS identity keys legal
        String updated = t.columns().stream().filter(c -> !c.equals(key(table))).map(PgLiterals::ident)
                .collect(Collectors.joining(", "));
        List<String> stagedRow = select("SELECT " + row + " FROM " + staged(table) + " WHERE " + key + "::text = ?",
                keyText);
        List<String> liveRow = select("SELECT " + row + " FROM " + liveTable(table) + " WHERE " + key + "::text = ?",
                keyText);
        try (java.sql.PreparedStatement ps = connection.prepareStatement(liveRow.isEmpty()
                ? "INSERT INTO " + liveTable(table) + " (" + cols + ") OVERRIDING SYSTEM VALUE SELECT " + cols + " FROM "
                        + staged(table) + " WHERE " + key + "::text = ?"
                : "UPDATE " + liveTable(table) + " l SET (" + updated + ") = (SELECT " + updated + " FROM "
                        + staged(table)
                        + " s WHERE s." + key + "::text = ?) WHERE l." + key + "::text = ?")) {
            if (liveRow.isEmpty()) {
                ps.setString(1, keyText);
                ps.executeUpdate();
                return Action.INSERTED;
            }
            if (liveRow.equals(stagedRow)) {
                return Action.UNCHANGED;
            }
            switch (conflict) {
                case SKIP -> {
                    return Action.SKIPPED;
                }
                case FAIL -> throw new BackupException("row " + PgSchemaValidator.printable(keyText) + " of table '"
                        + PgSchemaValidator.printable(table) + "' exists live with other values; nothing was changed "
                        + "(choose Selection.Conflict.SKIP or OVERWRITE)");
                default -> {
                    ps.setString(1, keyText);
                    ps.setString(2, keyText);
                    ps.executeUpdate();
                    return Action.OVERWRITTEN;
                }
            }
        } catch (SQLException e) {
            throw new BackupException("merging row " + PgSchemaValidator.printable(keyText) + " of table '"
                    + PgSchemaValidator.printable(table) + "' failed; nothing was changed: " + PgStaging.describe(e), e);
        }
    }

    private List<String> select(String sql, String parameter) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setString(1, parameter);
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }

    private List<String> select(String table, String keyColumn, List<String> keys) throws SQLException {
        return query("SELECT " + PgLiterals.ident(keyColumn) + "::text FROM " + staged(table) + " WHERE "
                + PgLiterals.ident(keyColumn) + "::text = ANY(?)", keys);
    }

    private List<String> query(String sql, java.util.Collection<String> keys) throws SQLException {
        try (java.sql.PreparedStatement ps = connection.prepareStatement(sql)) {
            ps.setArray(1, connection.createArrayOf("text", keys.toArray()));
            List<String> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        }
    }
}
