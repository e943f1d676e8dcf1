package io.backupkit.dialect.postgres;

import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.SchemaObject;
import io.backupkit.TableSummary;
import io.backupkit.spi.Restorer;
import io.backupkit.spi.Staging;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import javax.sql.DataSource;

/**
 * Restores PostgreSQL backups: every schema statement passes {@link PgSchemaValidator} before
 * anything runs, rows go through {@link PgInsertParser} into {@code COPY}, and the whole rebuild
 * happens in one transaction in a scratch schema ({@link PgStaging}).
 */
final class PgRestorer implements Restorer {

    private final String schema;

    PgRestorer(String schema) {
        this.schema = schema;
    }

    @Override
    public void validateSchema(BackupManifest manifest) {
        PgSchemaValidator validator = new PgSchemaValidator(tables(manifest), "manifest.json");
        for (SchemaObject object : manifest.schema()) {
            validator.validate(object);
        }
        for (TableSummary table : manifest.tables()) {
            if (table.columns().isEmpty()) {
                throw new InvalidArchiveException("manifest.json: table '" + PgSchemaValidator.printable(table.name())
                        + "' lists no columns");
            }
            if (manifest.schema().stream().noneMatch(o -> o.type() == io.backupkit.spi.SchemaStatement.Type.TABLE
                    && o.name().equals(table.name()))) {
                throw new InvalidArchiveException("manifest.json: table '" + PgSchemaValidator.printable(table.name())
                        + "' has rows but no CREATE TABLE statement");
            }
        }
    }

    static Set<String> tables(BackupManifest manifest) {
        Set<String> tables = new HashSet<>();
        manifest.schema().stream().filter(o -> o.type() == io.backupkit.spi.SchemaStatement.Type.TABLE)
                .forEach(o -> tables.add(o.name()));
        return tables;
    }

    @Override
    public Staging openStaging(DataSource live, BackupManifest manifest, boolean besideLive, Path tempDirectory)
            throws Exception {
        if (live == null) {
            throw new io.backupkit.BackupException("a PostgreSQL backup is rebuilt inside a PostgreSQL database: "
                    + "verify it deeply with BackupService.verify(id, VerifyDepth.DEEP), which has one");
        }
        return PgStaging.open(live, schema, manifest);
    }

    /**
     * A staging schema lives inside one transaction and is renamed or dropped before that
     * transaction commits, so no other session ever sees one in use: any {@code backupkit_staging_*}
     * or {@code backupkit_old_*} schema that is visible was committed by accident (an after-restore
     * callback that committed, then a crash) and is dropped.
     */
    @Override
    public int cleanUpAbandonedStaging(DataSource live) throws java.sql.SQLException {
        java.util.List<String> abandoned = new java.util.ArrayList<>();
        try (java.sql.Connection c = live.getConnection(); java.sql.Statement s = c.createStatement()) {
            try (java.sql.ResultSet rs = s.executeQuery("SELECT nspname FROM pg_namespace WHERE nspname ~ "
                    + "'^backupkit_(staging|old)_[0-9a-z]+$'")) {
                while (rs.next()) {
                    abandoned.add(rs.getString(1));
                }
            }
            for (String schema : abandoned) {
                s.execute("DROP SCHEMA IF EXISTS " + PgLiterals.ident(schema) + " CASCADE");
            }
            if (!c.getAutoCommit()) {
                c.commit();
            }
        }
        return abandoned.size();
    }
}
