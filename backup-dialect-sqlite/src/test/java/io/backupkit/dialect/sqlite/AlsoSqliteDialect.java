package io.backupkit.dialect.sqlite;

import io.backupkit.spi.DatabaseInfo;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotOptions;
import javax.sql.DataSource;

/**
 * A second dialect that also claims SQLite, registered only through a test's class loader, so that
 * discovery meets two matching plugins and must refuse to pick one.
 */
public final class AlsoSqliteDialect implements Dialect {

    private final SqliteDialect delegate = new SqliteDialect();

    /** For ServiceLoader. */
    public AlsoSqliteDialect() {
    }

    @Override
    public String name() {
        return "also-sqlite";
    }

    @Override
    public boolean supports(DatabaseInfo database) {
        return database.productName().equalsIgnoreCase("SQLite");
    }

    @Override
    public Snapshot openSnapshot(DataSource dataSource, SnapshotOptions options) throws Exception {
        return delegate.openSnapshot(dataSource, options);
    }

    @Override
    public byte[] literal(Object value) {
        return delegate.literal(value);
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return delegate.quoteIdentifier(identifier);
    }
}
