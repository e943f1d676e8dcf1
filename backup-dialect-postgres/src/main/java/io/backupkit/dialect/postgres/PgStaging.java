package io.backupkit.dialect.postgres;

import io.backupkit.AfterRestore;
import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.Selection;
import io.backupkit.TablePreview;
import io.backupkit.TableSummary;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.Staging;
import io.backupkit.spi.WriteGate;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL backup rebuilt in a scratch schema, all inside one transaction on one connection
 * borrowed from the application's pool. Nothing is committed until the swap, which renames the
 * live schema away, renames the scratch schema to the live name and drops the old one, in the
 * same transaction: readers see the old or the new schema, never a mix, and a failure or a killed
 * process anywhere before the commit leaves the live schema exactly as it was and nothing behind.
 */
final class PgStaging implements Staging {

    private static final Logger LOG = LoggerFactory.getLogger(PgStaging.class);
    private static final int MAX_SCHEMA_ENTRY_BYTES = 64 << 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Connection connection;
    private final boolean autoCommit;
    private final String liveSchema;
    private final String scratch;
    private final BackupManifest manifest;
    private final Map<String, List<String>> columns = new LinkedHashMap<>();
    private final Map<String, Long> loaded = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final PgSchemaValidator validator;
    private boolean finished;

    private PgStaging(Connection connection, String liveSchema, BackupManifest manifest) throws SQLException {
        this.connection = connection;
        this.autoCommit = connection.getAutoCommit();
        this.liveSchema = liveSchema;
        this.manifest = manifest;
        this.scratch = "backupkit_staging_" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        this.validator = new PgSchemaValidator(PgRestorer.tables(manifest), "manifest.json");
        for (TableSummary t : manifest.tables()) {
            columns.put(t.name(), t.columns());
        }
        connection.setAutoCommit(false);
        try (Statement s = connection.createStatement()) {
            s.execute("CREATE SCHEMA " + PgLiterals.ident(scratch));
            for (String setting : PgSnapshot.EXACT_OUTPUT) {
                s.execute(setting);
            }
            // Unqualified names in the backup's statements resolve to the scratch schema and pg_catalog only.
            s.execute("SET LOCAL search_path = " + PgLiterals.ident(scratch) + ", pg_temp");
            s.execute("SET LOCAL check_function_bodies = false");
        }
    }

    static PgStaging open(DataSource live, String schema, BackupManifest manifest) throws SQLException {
        Connection connection = live.getConnection();
        try {
            connection.unwrap(PGConnection.class);
            return new PgStaging(connection, schema, manifest);
        } catch (SQLException | RuntimeException e) {
            try {
                connection.rollback();
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            connection.close();
            throw e;
        }
    }

    @Override
    public void load(ManifestEntry entry, InputStream content) throws Exception {
        switch (entry.kind()) {
            case SCHEMA, POST_DATA -> executeSchema(entry, content);
            case DATA -> loadData(entry, content);
            case FINISH -> finish(entry, content);
            default -> throw new InvalidArchiveException("entry '" + entry.name() + "' has unknown kind " + entry.kind());
        }
    }

    private List<SchemaObject> sameAsManifest(ManifestEntry entry, InputStream content) throws Exception {
        if (entry.size() > MAX_SCHEMA_ENTRY_BYTES) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' is larger than 64 MiB");
        }
        List<SchemaObject> objects = manifest.schema().stream().filter(o -> o.phase() == entry.kind()).toList();
        String expected = objects.stream().map(o -> o.sql() + ";\n").collect(Collectors.joining());
        byte[] actual = content.readNBytes(MAX_SCHEMA_ENTRY_BYTES + 1);
        if (!Arrays.equals(actual, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' differs from the schema statements "
                    + "recorded in manifest.json");
        }
        return objects;
    }

    /** Runs the manifest's validated statements, after checking the entry says exactly the same. */
    private void executeSchema(ManifestEntry entry, InputStream content) throws Exception {
        List<SchemaObject> objects = sameAsManifest(entry, content);
        try (Statement s = connection.createStatement()) {
            for (SchemaObject object : objects) {
                validator.validate(object);
                boolean foreignKey = object.type() == SchemaStatement.Type.CONSTRAINT
                        && object.sql().contains(" FOREIGN KEY ");
                String referenced = foreignKey ? PgSchemaValidator.referencedTable(object.sql()) : null;
                if (referenced != null && !columns.containsKey(referenced)) {
                    LOG.warn("foreign key '{}' of table '{}' is not restored: it references table '{}', which the "
                                    + "backup left out", PgSchemaValidator.printable(object.name()),
                            PgSchemaValidator.printable(String.valueOf(object.table())),
                            PgSchemaValidator.printable(referenced));
                    continue;
                }
                boolean viewOverExcluded = (object.type() == SchemaStatement.Type.VIEW
                        || object.type() == SchemaStatement.Type.COMMENT) && manifest.redactions().stream()
                        .anyMatch(r -> r.column() == null && "exclude-table".equals(r.action()));
                Savepoint savepoint = foreignKey || viewOverExcluded ? connection.setSavepoint() : null;
                try {
                    s.execute(object.sql());
                    if (savepoint != null) {
                        connection.releaseSavepoint(savepoint);
                    }
                } catch (SQLException e) {
                    if (viewOverExcluded && "42P01".equals(e.getSQLState())) {
                        connection.rollback(savepoint);
                        LOG.warn("{} '{}' is not restored: it needs a table that the backup left out",
                                object.type().name().toLowerCase(Locale.ROOT), PgSchemaValidator.printable(object.name()));
                        continue;
                    }
                    if (foreignKey && "23503".equals(e.getSQLState())) {
                        // Orphans, as an application running without this key could leave: reported as a
                        // foreign-key problem (tolerated on request) and the key kept, unvalidated.
                        connection.rollback(savepoint);
                        problems.add("foreign_key_check: table '" + PgSchemaValidator.printable(object.table())
                                + "' has rows that break foreign key '" + PgSchemaValidator.printable(object.name())
                                + "'");
                        s.execute(object.sql() + " NOT VALID");
                        continue;
                    }
                    throw new InvalidArchiveException("entry '" + entry.name() + "': creating "
                            + object.type().name().toLowerCase(Locale.ROOT) + " '"
                            + PgSchemaValidator.printable(object.name()) + "' failed: " + describe(e), e);
                }
            }
        }
    }

    private void loadData(ManifestEntry entry, InputStream content) throws Exception {
        PgInsertParser parser = new PgInsertParser(columns, entry.name());
        CopyIn[] copy = new CopyIn[1];
        long[] copied = new long[1];
        try {
            long rows = parser.parse(content, new PgInsertParser.Sink() {
                @Override
                public void start(String table) throws SQLException {
                    if (!table.equals(entry.table())) {
                        throw new InvalidArchiveException("entry '" + entry.name() + "' holds rows of table '"
                                + PgSchemaValidator.printable(table) + "' but the manifest says it belongs to '"
                                + PgSchemaValidator.printable(String.valueOf(entry.table())) + "'");
                    }
                    if (copy[0] == null) {
                        copy[0] = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql(table));
                    }
                }

                @Override
                public void rows(byte[] buffer, int length) throws SQLException {
                    copy[0].writeToCopy(buffer, 0, length);
                }
            });
            if (copy[0] != null) {
                copied[0] = copy[0].endCopy();
                copy[0] = null;
            }
            if (rows != entry.rows() || copied[0] != rows) {
                throw new InvalidArchiveException("entry '" + entry.name() + "' holds " + rows
                        + " rows; the manifest says " + entry.rows());
            }
            loaded.merge(entry.table(), rows, Long::sum);
        } catch (SQLException e) {
            throw new InvalidArchiveException("entry '" + entry.name() + "': loading table '"
                    + PgSchemaValidator.printable(String.valueOf(entry.table())) + "' failed: " + describe(e), e);
        } finally {
            if (copy[0] != null && copy[0].isActive()) {
                try {
                    copy[0].cancelCopy();
                } catch (SQLException ignored) {
                    // the transaction is rolled back anyway
                }
            }
        }
    }

    private String copySql(String table) {
        StringBuilder sql = new StringBuilder("COPY ").append(PgLiterals.ident(scratch)).append('.')
                .append(PgLiterals.ident(table)).append(" (");
        List<String> names = columns.get(table);
        for (int i = 0; i < names.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(PgLiterals.ident(names.get(i)));
        }
        return sql.append(") FROM STDIN").toString();
    }

    /** Sequence values, parsed into a name and numbers; never run as text. */
    private void finish(ManifestEntry entry, InputStream content) throws Exception {
        List<SchemaObject> objects = sameAsManifest(entry, content);
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT pg_catalog.setval(pg_catalog.quote_ident(?)::regclass, ?, ?)")) {
            for (SchemaObject object : objects) {
                PgSchemaValidator.Setval setval;
                try {
                    setval = validator.setval(object.sql());
                } catch (PgSql.Rejected e) {
                    throw new InvalidArchiveException("entry '" + entry.name() + "': " + e.getMessage());
                }
                ps.setString(1, setval.sequence());
                ps.setLong(2, setval.value());
                ps.setBoolean(3, setval.called());
                try {
                    ps.executeQuery().close();
                } catch (SQLException e) {
                    throw new InvalidArchiveException("entry '" + entry.name() + "': setting sequence '"
                            + PgSchemaValidator.printable(setval.sequence()) + "' failed: " + describe(e), e);
                }
            }
        }
        finished = true;
    }

    /**
     * A server error without row values: the primary message (which for data errors can quote the
     * value, so only its kind is kept) plus the COPY line and column the server reports.
     */
    static String describe(SQLException e) {
        String state = e.getSQLState() == null ? "?" : e.getSQLState();
        ServerErrorMessage server = e instanceof PSQLException p ? p.getServerErrorMessage() : null;
        String where = "";
        if (server != null && server.getWhere() != null) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("COPY [^,]+, line (\\d+)(?:, column ([^:]+))?")
                    .matcher(server.getWhere());
            if (m.find()) {
                where = " at row " + m.group(1) + (m.group(2) == null ? "" : " of the entry, column '"
                        + PgSchemaValidator.printable(m.group(2)) + "'");
            }
        }
        if (state.startsWith("22") || state.startsWith("23")) {
            return "the server rejected a value (SQLSTATE " + state + (state.startsWith("23")
                    ? ", " + constraintOf(server) : "") + ")" + where;
        }
        String message = server != null && server.getMessage() != null ? server.getMessage() : e.getMessage();
        return PgSchemaValidator.printable(message == null ? state : message) + " (SQLSTATE " + state + ")" + where;
    }

    private static String constraintOf(ServerErrorMessage server) {
        return server == null || server.getConstraint() == null ? "a constraint"
                : "constraint '" + PgSchemaValidator.printable(server.getConstraint()) + "'";
    }

    @Override
    public List<String> complete() throws Exception {
        List<String> out = new ArrayList<>(problems);
        if (!finished && manifest.schema().stream().anyMatch(o -> o.phase() == ManifestEntry.Kind.FINISH)) {
            out.add("the finish entry (sequence values) was not loaded");
        }
        for (TableSummary table : manifest.tables()) {
            long rows = loaded.getOrDefault(table.name(), 0L);
            if (rows != table.rows()) {
                out.add("table '" + PgSchemaValidator.printable(table.name()) + "' has " + rows
                        + " rows; the manifest says " + table.rows());
            }
        }
        return out;
    }

    @Override
    public List<String> runOnStaged(AfterRestore callback, BackupManifest manifest) throws Exception {
        long transaction = transactionId();
        Savepoint before = connection.setSavepoint();
        try {
            callback.apply(connection, manifest);
        } catch (Exception | Error e) {
            if (transactionId() == transaction) {
                connection.rollback(before);
            }
            throw e;
        }
        if (transactionId() != transaction) {
            // the staging schema was committed: it must not stay visible
            try (Statement s = connection.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + PgLiterals.ident(scratch) + " CASCADE");
                connection.commit();
            }
            throw new BackupException("the after-restore callback committed the restore's transaction; it must "
                    + "leave committing to the restore. Nothing was restored");
        }
        connection.releaseSavepoint(before);
        if (connection.getAutoCommit()) {
            throw new BackupException("the after-restore callback switched the staging connection to auto-commit; "
                    + "it must leave the transaction to the restore");
        }
        try (Statement s = connection.createStatement()) {
            s.execute("SET LOCAL search_path = " + PgLiterals.ident(scratch) + ", pg_temp");
        }
        return List.of();
    }

    private long transactionId() throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT txid_current()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public SelectiveRestoreResult mergeIntoLive(DataSource live, Selection selection) throws Exception {
        SelectiveRestoreResult result = new PgSelectiveMerge(connection, scratch, liveSchema, manifest)
                .merge(selection);
        try (Statement s = connection.createStatement()) {
            s.execute("DROP SCHEMA " + PgLiterals.ident(scratch) + " CASCADE");
        }
        connection.commit();
        finishConnection();
        return result;
    }

    @Override
    public List<TablePreview> compareWithLive() throws Exception {
        Map<String, List<String>> live = liveSchema();
        List<TablePreview> previews = new ArrayList<>();
        for (TableSummary table : manifest.tables()) {
            List<String> liveColumns = live.get(table.name());
            String staged = PgLiterals.ident(scratch) + "." + PgLiterals.ident(table.name());
            if (liveColumns == null) {
                previews.add(new TablePreview(table.name(), table.rows(), 0, 0, 0, table.rows()));
                continue;
            }
            String current = PgLiterals.ident(liveSchema) + "." + PgLiterals.ident(table.name());
            List<String> common = table.columns().stream().filter(liveColumns::contains).toList();
            String row = common.isEmpty() ? "''" : "ROW(" + common.stream().map(PgLiterals::ident)
                    .collect(Collectors.joining(", ")) + ")::text";
            List<String> key = table.primaryKey();
            String sql;
            if (!key.isEmpty() && liveColumns.containsAll(key)) {
                String keys = key.stream().map(PgLiterals::ident).collect(Collectors.joining(", "));
                String on = key.stream().map(k -> "s." + PgLiterals.ident(k) + " = l." + PgLiterals.ident(k))
                        .collect(Collectors.joining(" AND "));
                sql = "SELECT count(*) FILTER (WHERE s.k_ AND l.k_ IS NULL), count(*) FILTER (WHERE l.k_ AND s.k_ IS NULL), "
                        + "count(*) FILTER (WHERE s.k_ AND l.k_ AND s.r_ IS DISTINCT FROM l.r_), "
                        + "count(*) FILTER (WHERE l.k_) FROM (SELECT true AS k_, " + keys + ", " + row + " AS r_ FROM "
                        + staged + ") s FULL JOIN (SELECT true AS k_, " + keys + ", " + row + " AS r_ FROM " + current
                        + ") l ON " + on;
            } else {
                sql = "SELECT (SELECT count(*) FROM (SELECT " + row + " FROM " + staged + " EXCEPT ALL SELECT " + row
                        + " FROM " + current + ") a), (SELECT count(*) FROM (SELECT " + row + " FROM " + current
                        + " EXCEPT ALL SELECT " + row + " FROM " + staged + ") b), 0, (SELECT count(*) FROM " + current
                        + ")";
            }
            try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                rs.next();
                previews.add(new TablePreview(table.name(), table.rows(), rs.getLong(4), rs.getLong(2), rs.getLong(3),
                        rs.getLong(1)));
            }
        }
        return previews;
    }

    @Override
    public Map<String, List<String>> liveSchema() throws SQLException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum""")) {
            ps.setString(1, liveSchema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        }
        return out;
    }

    /** "0" when the live schema exists (PostgreSQL has no {@code user_version}), null when it does not. */
    @Override
    public String liveSchemaVersion() throws SQLException {
        return liveNamespace() ? "0" : null;
    }

    private boolean liveNamespace() throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
            ps.setString(1, liveSchema);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /**
     * Objects in the live schema that the backup cannot carry and that the swap would drop with
     * the old schema: the restore refuses rather than lose them.
     */
    private List<String> liveObjectsTheSwapWouldLose() throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                 WHERE n.nspname = ? AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
                UNION ALL
                SELECT 'extension ' || e.extname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
                 WHERE n.nspname = ?
                UNION ALL
                SELECT 'materialized view ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                 WHERE n.nspname = ? AND c.relkind IN ('m', 'p', 'f')
                UNION ALL
                SELECT DISTINCT 'dependent object ' || pg_describe_object(d.classid, d.objid, 0)
                  FROM pg_depend d JOIN pg_class r ON r.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
                  JOIN pg_namespace n ON n.oid = r.relnamespace
                  LEFT JOIN pg_rewrite w ON d.classid = 'pg_rewrite'::regclass AND w.oid = d.objid
                  LEFT JOIN pg_class v ON v.oid = w.ev_class
                 WHERE n.nspname = ? AND v.relnamespace IS NOT NULL AND v.relnamespace <> n.oid
                ORDER BY 1 LIMIT 20""")) {
            for (int i = 1; i <= 4; i++) {
                ps.setString(i, liveSchema);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Swaps in one transaction: lock every live table (writers queue behind the lock for at most
     * {@code maxPause}, then resolve their table names again and land in the restored tables),
     * rename the live schema away, rename the staging schema to the live name, drop the old
     * schema, commit.
     *
     * <p>The write gate is not closed: the swap itself holds writers through PostgreSQL's locks,
     * and closing a pool's gate would wait for this restore's own pooled connection.
     */
    @Override
    public Duration swapIntoLive(WriteGate gate, Duration maxPause) throws Exception {
        boolean exists = liveNamespace();
        if (exists) {
            List<String> lost = liveObjectsTheSwapWouldLose();
            if (!lost.isEmpty()) {
                throw new BackupException("the live schema '" + PgSchemaValidator.printable(liveSchema)
                        + "' holds objects that a PostgreSQL backup does not carry and that replacing the schema "
                        + "would drop: " + lost + "; restore table by table with restoreSelected instead");
            }
        }
        String old = "backupkit_old_" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        long started = System.nanoTime();
        try (Statement s = connection.createStatement()) {
            long deadline = started + maxPause.toNanos();
            if (exists) {
                List<String> tables = new ArrayList<>(liveSchema().keySet());
                if (!tables.isEmpty()) {
                    lockAll(s, tables, deadline);
                }
                s.execute("SET LOCAL lock_timeout = " + Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                s.execute("ALTER SCHEMA " + PgLiterals.ident(liveSchema) + " RENAME TO " + PgLiterals.ident(old));
            }
            if (exists) {
                keepSchemaCommentAndPrivileges(s, old);
            }
            s.execute("ALTER SCHEMA " + PgLiterals.ident(scratch) + " RENAME TO " + PgLiterals.ident(liveSchema));
            if (exists) {
                s.execute("DROP SCHEMA " + PgLiterals.ident(old) + " CASCADE");
            }
            connection.commit();
        } catch (SQLException e) {
            if ("55P03".equals(e.getSQLState()) || "40P01".equals(e.getSQLState())) {
                throw new BackupException("the live tables stayed in use for longer than maxWritePause ("
                        + maxPause.toMillis() + " ms); nothing was changed", e);
            }
            throw e;
        }
        Duration held = Duration.ofNanos(System.nanoTime() - started);
        finishConnection();
        LOG.info("schema '{}' replaced; live tables were locked for {} ms", liveSchema, held.toMillis());
        return held;
    }

    /**
     * Locks every live table {@code ACCESS EXCLUSIVE}. Writers in the middle of a transaction may
     * hold one table and want another: waiting for all of them at once could deadlock with such a
     * writer, so each try waits briefly, and on a timeout or deadlock gives every lock back (which
     * lets the writer finish) and tries again, until {@code deadline}.
     */
    private void lockAll(Statement s, List<String> tables, long deadline) throws SQLException {
        String lock = "LOCK TABLE " + tables.stream().map(t -> PgLiterals.ident(liveSchema) + "." + PgLiterals.ident(t))
                .collect(Collectors.joining(", ")) + " IN ACCESS EXCLUSIVE MODE";
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            s.execute("SET LOCAL lock_timeout = " + Math.max(1, Math.min(50, left)));
            Savepoint attempt = connection.setSavepoint();
            try {
                s.execute(lock);
                connection.releaseSavepoint(attempt);
                return;
            } catch (SQLException e) {
                connection.rollback(attempt);
                boolean retry = "55P03".equals(e.getSQLState()) || "40P01".equals(e.getSQLState());
                if (!retry || System.nanoTime() >= deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(1 + RANDOM.nextInt(10));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new BackupException("the restore was interrupted while waiting for the live tables; "
                            + "nothing was changed", interrupted);
                }
            }
        }
    }

    /** The schema itself is not part of the backup: its comment and privileges stay as they were live. */
    private void keepSchemaCommentAndPrivileges(Statement s, String old) throws SQLException {
        List<String> statements = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT obj_description(n.oid, 'pg_namespace') FROM pg_namespace n WHERE n.nspname = ?""")) {
            ps.setString(1, old);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next() && rs.getString(1) != null) {
                    statements.add("COMMENT ON SCHEMA " + PgLiterals.ident(scratch) + " IS "
                            + PgLiterals.quoteString(rs.getString(1)));
                }
            }
        }
        try (PreparedStatement ps = connection.prepareStatement("""
                SELECT a.privilege_type, CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END,
                       a.is_grantable
                FROM pg_namespace n CROSS JOIN LATERAL aclexplode(n.nspacl) a
                LEFT JOIN pg_roles r ON r.oid = a.grantee
                WHERE n.nspname = ? AND a.grantee <> n.nspowner""")) {
            ps.setString(1, old);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    statements.add("GRANT " + rs.getString(1) + " ON SCHEMA " + PgLiterals.ident(scratch) + " TO "
                            + rs.getString(2) + (rs.getBoolean(3) ? " WITH GRANT OPTION" : ""));
                }
            }
        }
        for (String statement : statements) {
            s.execute(statement);
        }
    }

    private boolean closed;

    private void finishConnection() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            connection.rollback();
            connection.setAutoCommit(autoCommit);
        } finally {
            connection.close();
        }
    }

    /** Rolls back everything not swapped in: the staging schema never existed for anyone else. */
    @Override
    public void close() throws SQLException {
        finishConnection();
    }
}
