package io.backupkit.dialect.postgres;

import io.backupkit.SnapshotException;
import io.backupkit.spi.RowCursor;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotInfo;
import io.backupkit.spi.SnapshotOptions;
import io.backupkit.spi.TableModel;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * One {@code REPEATABLE READ, READ ONLY, DEFERRABLE} transaction on a connection borrowed from the
 * application's pool. Every table of the schema is locked {@code ACCESS SHARE} (as pg_dump does),
 * so no one can drop or alter it while the backup reads; writers are never blocked. Output settings
 * are fixed with {@code SET LOCAL}, so the pooled connection gets its own back when the
 * transaction ends.
 */
final class PgSnapshot implements Snapshot {

    /** Settings under which the server's text output is exact and reads back the same anywhere. */
    static final List<String> EXACT_OUTPUT = List.of(
            "SET LOCAL TimeZone = 'UTC'",
            "SET LOCAL DateStyle = 'ISO, YMD'",
            "SET LOCAL IntervalStyle = 'iso_8601'",
            "SET LOCAL extra_float_digits = 3",
            "SET LOCAL bytea_output = 'hex'",
            "SET LOCAL client_encoding = 'UTF8'");

    private final Connection connection;
    private final String schema;
    private final SnapshotInfo info;
    private final SchemaModel model;
    private final Map<String, PgCatalog.ColumnKind[]> kinds;
    private final boolean autoCommit;

    private PgSnapshot(Connection connection, String schema, SnapshotOptions options) throws SQLException {
        this.connection = connection;
        this.schema = schema;
        this.autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        Instant at;
        String version;
        try (Statement s = connection.createStatement()) {
            s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY, DEFERRABLE");
            for (String setting : EXACT_OUTPUT) {
                s.execute(setting);
            }
            s.execute("SET LOCAL search_path = " + PgLiterals.ident(schema) + ", pg_temp");
            s.execute("SET LOCAL lock_timeout = " + Math.max(1, options.lockTimeout().toMillis()));
            try (ResultSet rs = s.executeQuery("SELECT transaction_timestamp(), current_setting('server_version')")) {
                rs.next();
                at = rs.getTimestamp(1).toInstant();
                version = rs.getString(2);
            }
            lockTables(s);
        }
        PgCatalog catalog = new PgCatalog(connection, schema);
        this.model = catalog.read();
        refuseWhatRestoreWouldRefuse(model);
        this.kinds = catalog.columnKinds();
        this.info = new SnapshotInfo(version, at, Map.of("schema", schema, "server_version", version),
                catalog.warnings());
    }

    static PgSnapshot open(DataSource dataSource, String schema, SnapshotOptions options) throws SQLException {
        Connection connection = dataSource.getConnection();
        try {
            connection.unwrap(PGConnection.class);
            return new PgSnapshot(connection, schema, options);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            connection.close();
            if ("55P03".equals(e instanceof SQLException sql ? sql.getSQLState() : null)) {
                throw new SnapshotException("a table of schema '" + schema + "' stayed locked by another session"
                        + " for longer than the lock timeout of " + options.lockTimeout().toMillis() + " ms", e);
            }
            throw e;
        }
    }

    /**
     * Runs the restore's own checks on the schema now, so that a backup that could never be
     * restored fails at once, naming the object, instead of on the day it is needed.
     */
    private static void refuseWhatRestoreWouldRefuse(SchemaModel model) {
        java.util.Set<String> tables = new java.util.HashSet<>();
        model.tables().forEach(t -> tables.add(t.name()));
        PgSchemaValidator validator = new PgSchemaValidator(tables, "the database's schema");
        for (var phase : List.of(
                Map.entry(io.backupkit.ManifestEntry.Kind.SCHEMA, model.preData()),
                Map.entry(io.backupkit.ManifestEntry.Kind.POST_DATA, model.postData()),
                Map.entry(io.backupkit.ManifestEntry.Kind.FINISH, model.finish()))) {
            for (var s : phase.getValue()) {
                try {
                    validator.validate(new io.backupkit.SchemaObject(phase.getKey(), s.type(), s.name(), s.table(),
                            s.sql()));
                } catch (io.backupkit.InvalidArchiveException e) {
                    throw new io.backupkit.UnsupportedDatabaseException(e.getMessage()
                            + "; a restore would refuse this backup, so it is not taken");
                }
            }
        }
    }

    private void lockTables(Statement s) throws SQLException {
        StringBuilder lock = new StringBuilder();
        try (ResultSet rs = s.executeQuery("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v') ORDER BY c.relname""")) {
            while (rs.next()) {
                lock.append(lock.length() == 0 ? "" : ", ").append(PgLiterals.ident(schema)).append('.')
                        .append(PgLiterals.ident(rs.getString(1)));
            }
        }
        if (lock.length() > 0) {
            s.execute("LOCK TABLE " + lock + " IN ACCESS SHARE MODE");
        }
    }

    @Override
    public SnapshotInfo info() {
        return info;
    }

    @Override
    public SchemaModel schema() {
        return model;
    }

    @Override
    public long countRows(TableModel table) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM ONLY " + qualified(table))) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public RowCursor openRows(TableModel table, Set<Integer> rawColumns) throws SQLException {
        StringBuilder sql = new StringBuilder("COPY ").append(qualified(table)).append(" (");
        for (int i = 0; i < table.columns().size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(PgLiterals.ident(table.columns().get(i).name()));
        }
        sql.append(") TO STDOUT");
        return new PgCopyCursor(connection.unwrap(PGConnection.class).getCopyAPI().copyOut(sql.toString()),
                table, kinds.get(table.name()));
    }

    private String qualified(TableModel table) {
        return PgLiterals.ident(schema) + "." + PgLiterals.ident(table.name());
    }

    @Override
    public void close() throws SQLException {
        try {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        } finally {
            connection.close();
        }
    }
}
