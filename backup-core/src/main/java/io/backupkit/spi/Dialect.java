package io.backupkit.spi;

import javax.sql.DataSource;

/**
 * Everything database-specific: recognising a database, opening a consistent snapshot, and
 * writing SQL that the database's own command-line client loads.
 *
 * <p>Register a dialect explicitly with {@code BackupService.builder().dialect(...)}, or let the
 * builder discover it through {@link java.util.ServiceLoader} from {@code
 * META-INF/services/io.backupkit.spi.Dialect}. Discovery fails when none or several dialects
 * claim a database.
 *
 * <pre>{@code
 * BackupService service = BackupService.builder()
 *     .dataSource(dataSource)
 *     .dialect(new SqliteDialect())
 *     .store(LocalFolderStore.at(Path.of("backups")))
 *     .build();
 * }</pre>
 */
public interface Dialect {

    /** A short stable name recorded in manifests, for example {@code sqlite}. */
    String name();

    /** Whether this dialect handles the database a connection reports. */
    boolean supports(DatabaseInfo database);

    /**
     * Opens a consistent read snapshot. The snapshot may keep a connection from the data source
     * until it is closed.
     *
     * @param options the lock timeout and where a temporary copy may go
     */
    Snapshot openSnapshot(DataSource dataSource, SnapshotOptions options) throws Exception;

    /** Renders a Java value ({@code null}, {@link Number}, {@link String}, {@code byte[]}) as a SQL literal in UTF-8. */
    byte[] literal(Object value);

    /** Quotes an identifier so that any name, with quotes, spaces or reserved words, is safe in SQL. */
    String quoteIdentifier(String identifier);

    /** Restore support; empty when this dialect can only back up. */
    default java.util.Optional<Restorer> restorer() {
        return java.util.Optional.empty();
    }

    /** What an exported plain-SQL script starts with, for example {@code BEGIN TRANSACTION;}. */
    default String scriptPrologue() {
        return "BEGIN;\n";
    }

    /** What an exported plain-SQL script ends with. */
    default String scriptEpilogue() {
        return "COMMIT;\n";
    }
}
