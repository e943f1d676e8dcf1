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
     * Nothing to clean: the staging schema lives inside one transaction that is never committed
     * unless it is swapped in, so a killed restore leaves nothing behind.
     */
    @Override
    public int cleanUpAbandonedStaging(DataSource live) {
        return 0;
    }
}
