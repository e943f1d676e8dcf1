package io.backupkit.dialect.postgres;

import io.backupkit.spi.DatabaseInfo;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.Restorer;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotOptions;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * The PostgreSQL dialect: backs up and restores one schema of a PostgreSQL database (12 or newer),
 * {@code public} unless told otherwise.
 *
 * <p>A backup reads inside one {@code REPEATABLE READ, READ ONLY, DEFERRABLE} transaction on a
 * connection borrowed from the application's pool: writers are never blocked and every table is
 * read at the same point in time. The schema comes from {@code pg_catalog}; rows come out with
 * {@code COPY} and are written as multi-row {@code INSERT}s that {@code psql -v ON_ERROR_STOP=1}
 * loads. A restore rebuilds the backup in a scratch schema inside one transaction and renames it
 * over the live schema in that same transaction.
 *
 * <pre>{@code
 * BackupService service = BackupService.builder()
 *     .dataSource(dataSource)
 *     .dialect(PostgresDialect.forSchema("app"))   // or new PostgresDialect() for "public"
 *     .store(LocalFolderStore.at(Path.of("backups")))
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class PostgresDialect implements Dialect {

    private final String schema;

    /** The dialect for the {@code public} schema; this is what discovery finds. */
    public PostgresDialect() {
        this("public");
    }

    private PostgresDialect(String schema) {
        this.schema = schema;
    }

    /**
     * The dialect for one named schema.
     *
     * @throws IllegalArgumentException when the name is empty, longer than PostgreSQL's 63 bytes, or holds a NUL
     */
    public static PostgresDialect forSchema(String schema) {
        Objects.requireNonNull(schema, "schema");
        if (schema.isEmpty() || schema.indexOf('\0') >= 0
                || schema.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 63) {
            throw new IllegalArgumentException("not a PostgreSQL schema name: it must be 1 to 63 bytes without NUL");
        }
        return new PostgresDialect(schema);
    }

    /** The schema this dialect backs up and restores. */
    public String schema() {
        return schema;
    }

    @Override
    public String name() {
        return "postgresql";
    }

    /** PostgreSQL 12 or newer (the catalog columns for generated columns appeared in 12). */
    @Override
    public boolean supports(DatabaseInfo database) {
        boolean postgres = database.productName().equalsIgnoreCase("PostgreSQL")
                || database.url().startsWith("jdbc:postgresql:");
        java.util.regex.Matcher major = java.util.regex.Pattern.compile("^(\\d+)").matcher(database.productVersion());
        return postgres && (!major.find() || Integer.parseInt(major.group(1)) >= 12);
    }

    @Override
    public Snapshot openSnapshot(DataSource dataSource, SnapshotOptions options) throws Exception {
        return PgSnapshot.open(dataSource, schema, options);
    }

    @Override
    public byte[] literal(Object value) {
        return PgLiterals.literal(value);
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return PgLiterals.ident(identifier);
    }

    @Override
    public Optional<Restorer> restorer() {
        return Optional.of(new PgRestorer(schema));
    }

    /**
     * Fixes the settings the script's literals rely on and loads everything in one transaction,
     * into the session's current schema ({@code public} unless {@code search_path} says otherwise).
     */
    @Override
    public String scriptPrologue() {
        return "SET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n"
                + "SET check_function_bodies = false;\nBEGIN;\n";
    }

    @Override
    public String scriptEpilogue() {
        return "COMMIT;\n";
    }

    @Override
    public String toString() {
        return "PostgresDialect[" + schema + "]";
    }
}
