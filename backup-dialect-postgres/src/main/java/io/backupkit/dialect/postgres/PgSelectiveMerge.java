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
 * Merges whole tables from the staging schema into the live schema, inside the staging
 * transaction: a table is emptied and refilled from the backup ({@code OVERRIDING SYSTEM VALUE}, so
 * identity columns keep the backed-up values). Live foreign keys are checked as usual, so a merge
 * that would orphan live rows fails and changes nothing.
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
        if (!selection.rows().isEmpty()) {
            throw new BackupException("the PostgreSQL dialect restores whole tables only (Selection.tables(...)); "
                    + "selecting rows by key is not supported yet");
        }
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
}
