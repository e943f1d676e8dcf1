package io.backupkit.dialect.postgres;

import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.TableSummary;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moving from SQLite to PostgreSQL: loads the rows of a SQLite backup into a PostgreSQL schema that
 * the host already created (with its own migrations), in one transaction.
 *
 * <pre>{@code
 * SqliteToPostgres.Result result = SqliteToPostgres.into(postgresDataSource, "public")
 *     .migrate(BackupCatalog.of(LocalFolderStore.at(Path.of("backups"))), sqliteBackupId);
 * result.rows();   // {users=120, tickets=48000, ...}
 * }</pre>
 *
 * <p>Tables and columns are matched by name: exactly, else ignoring case and underscores
 * ({@code InvoiceLine.InvoiceLineId} finds {@code invoice_line.invoice_line_id}); an ambiguous or
 * missing match is an error, a {@code rowid} column without a target is dropped, and target
 * columns the backup lacks take their defaults. Every target table must be empty. Rows go in
 * parents first through {@code COPY}; afterwards each serial or identity sequence is set past the
 * largest value loaded. Values are mapped by the target column's type: integers must fit the
 * integer type, a REAL goes into an integer column only when it is integral, 0 and 1 become
 * booleans, {@code 9e999} becomes {@code Infinity}, BLOBs go only into {@code bytea}, text may not
 * hold NUL or invalid UTF-8, and anything else is left to the column type's input function. A value
 * that does not fit stops everything, naming the table, row and column (never the value), and
 * nothing is written.
 *
 * <p>Immutable and thread-safe.
 */
public final class SqliteToPostgres {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteToPostgres.class);

    /**
     * What was loaded.
     *
     * @param backupId the SQLite backup
     * @param rows     rows loaded per target table, in load order
     */
    public record Result(String backupId, Map<String, Long> rows) {
        public Result {
            Objects.requireNonNull(backupId, "backupId");
            rows = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rows));
        }
    }

    private final DataSource target;
    private final String schema;

    private SqliteToPostgres(DataSource target, String schema) {
        this.target = target;
        this.schema = schema;
    }

    /** Loads into the tables of {@code schema} in the database behind {@code target}. */
    public static SqliteToPostgres into(DataSource target, String schema) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(schema, "schema");
        PostgresDialect.forSchema(schema); // validates the name
        return new SqliteToPostgres(target, schema);
    }

    /** A target column: its name and how values are mapped into it. */
    private record Column(String name, String type, String base) {
    }

    /** A backup table and where its rows go. */
    private record Mapping(String table, List<String> source, String target, List<Column> columns, int[] positions) {
    }

    /**
     * Verifies the backup, checks the target schema and loads every row, all or nothing.
     *
     * @throws BackupException naming what does not match or fit
     */
    public Result migrate(BackupCatalog catalog, String backupId) {
        BackupManifest manifest = catalog.manifest(backupId);
        if (!manifest.source().dialect().equals("sqlite")) {
            throw new BackupException("backup " + backupId + " is a " + manifest.source().dialect()
                    + " backup, not a SQLite one");
        }
        try (Connection c = target.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                Map<String, Mapping> mappings = map(c, manifest);
                Map<String, Long> loaded = new LinkedHashMap<>();
                for (String table : manifest.plan().tableOrder()) {
                    loaded.put(mappings.get(table).target(), 0L);
                }
                catalog.forEachEntry(backupId, manifest, (entry, content) -> {
                    if (entry.kind() != ManifestEntry.Kind.DATA) {
                        return; // the target's own schema stays; SQLite counters have no meaning here
                    }
                    Mapping mapping = mappings.get(entry.table());
                    if (mapping == null) {
                        throw new InvalidArchiveException("entry '" + entry.name() + "' belongs to no table of the backup");
                    }
                    long rows = load(c, entry, content, mapping);
                    loaded.merge(mapping.target(), rows, Long::sum);
                });
                setSequences(c, mappings);
                c.commit();
                LOG.info("moved backup {} into PostgreSQL schema '{}': {}", backupId, schema, loaded);
                return new Result(backupId, loaded);
            } catch (Exception | Error e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (BackupException e) {
            throw e;
        } catch (SQLException e) {
            throw new BackupException("moving backup " + backupId + " into PostgreSQL failed; nothing was written: "
                    + PgStaging.describe(e), e);
        }
    }

    private Map<String, Mapping> map(Connection c, BackupManifest manifest) throws SQLException {
        Map<String, List<String>> targetTables = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = ? AND c.relkind IN ('r', 'p') ORDER BY 1""")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    targetTables.computeIfAbsent(normal(rs.getString(1)), k -> new ArrayList<>()).add(rs.getString(1));
                }
            }
        }
        Map<String, Mapping> mappings = new HashMap<>();
        for (TableSummary table : manifest.tables()) {
            String name = match(targetTables, table.name(), "table", "schema '" + schema + "'");
            List<Column> targetColumns = columns(c, name);
            Map<String, List<String>> byNormal = new LinkedHashMap<>();
            targetColumns.forEach(col -> byNormal.computeIfAbsent(normal(col.name()), k -> new ArrayList<>())
                    .add(col.name()));
            List<Column> columns = new ArrayList<>();
            List<Integer> positions = new ArrayList<>();
            for (int i = 0; i < table.columns().size(); i++) {
                String column = table.columns().get(i);
                if (column.equals("rowid") && !byNormal.containsKey("rowid")) {
                    continue;
                }
                String targetName = match(byNormal, column, "column", "table '" + name + "'");
                columns.add(targetColumns.stream().filter(t -> t.name().equals(targetName)).findFirst().orElseThrow());
                positions.add(i);
            }
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT EXISTS (SELECT 1 FROM "
                    + qualified(name) + ")")) {
                rs.next();
                if (rs.getBoolean(1)) {
                    throw new BackupException("table '" + PgSchemaValidator.printable(name) + "' already holds rows; "
                            + "moving a SQLite backup needs empty tables");
                }
            }
            mappings.put(table.name(), new Mapping(table.name(), table.columns(), name, columns,
                    positions.stream().mapToInt(Integer::intValue).toArray()));
        }
        return mappings;
    }

    private static String match(Map<String, List<String>> candidates, String name, String what, String where) {
        for (List<String> names : candidates.values()) {
            if (names.contains(name)) {
                return name;
            }
        }
        List<String> found = candidates.getOrDefault(normal(name), List.of());
        if (found.size() == 1) {
            return found.get(0);
        }
        throw new BackupException((found.isEmpty() ? "no " + what : "several " + what + "s " + found) + " in " + where
                + " matches '" + PgSchemaValidator.printable(name) + "' of the SQLite backup");
    }

    private static String normal(String name) {
        return name.replace("_", "").toLowerCase(Locale.ROOT);
    }

    private List<Column> columns(Connection c, String table) throws SQLException {
        List<Column> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT a.attname, format_type(a.atttypid, a.atttypmod), coalesce(bt.typname, t.typname), t.typcategory
                FROM pg_attribute a JOIN pg_class r ON r.oid = a.attrelid JOIN pg_namespace n ON n.oid = r.relnamespace
                JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type bt ON t.typtype = 'd' AND bt.oid = t.typbasetype
                WHERE n.nspname = ? AND r.relname = ? AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attgenerated = '' ORDER BY a.attnum""")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Column(rs.getString(1), rs.getString(2),
                            "A".equals(rs.getString(4)) ? "array" : rs.getString(3)));
                }
            }
        }
        return out;
    }

    private String qualified(String table) {
        return PgLiterals.ident(schema) + "." + PgLiterals.ident(table);
    }

    private long load(Connection c, ManifestEntry entry, java.io.InputStream content, Mapping mapping)
            throws Exception {
        StringBuilder sql = new StringBuilder("COPY ").append(qualified(mapping.target())).append(" (");
        for (int i = 0; i < mapping.columns().size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(PgLiterals.ident(mapping.columns().get(i).name()));
        }
        CopyIn copy = c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql.append(") FROM STDIN").toString());
        ByteSink line = new ByteSink(1 << 16);
        try {
            long rows = new SqliteRowParser(content, entry.name()).parse((table, names, values, row) -> {
                if (!table.equals(mapping.table()) || !names.equals(mapping.source())) {
                    throw new InvalidArchiveException("entry '" + entry.name() + "' holds rows of another table or "
                            + "columns than its manifest says");
                }
                for (int i = 0; i < mapping.positions().length; i++) {
                    if (i > 0) {
                        line.write('\t');
                    }
                    Column column = mapping.columns().get(i);
                    try {
                        field(values[mapping.positions()[i]], column, line);
                    } catch (IllegalArgumentException e) {
                        throw new BackupException("table '" + PgSchemaValidator.printable(mapping.table()) + "', row "
                                + row + " of entry '" + entry.name() + "', column '"
                                + PgSchemaValidator.printable(names.get(mapping.positions()[i])) + "': " + e.getMessage()
                                + " (target column '" + PgSchemaValidator.printable(column.name()) + "' "
                                + column.type() + ")");
                    }
                }
                line.write('\n');
                if (line.size() > (1 << 18)) {
                    copy.writeToCopy(line.array(), 0, line.size());
                    line.reset();
                }
            });
            copy.writeToCopy(line.array(), 0, line.size());
            copy.endCopy();
            return rows;
        } catch (SQLException e) {
            throw new BackupException("entry '" + entry.name() + "': loading table '"
                    + PgSchemaValidator.printable(mapping.target()) + "' failed: " + PgStaging.describe(e), e);
        } finally {
            if (copy.isActive()) {
                copy.cancelCopy();
            }
        }
    }

    /** One value as a COPY text field for the target column, or an error saying why it does not fit. */
    static void field(SqliteRowParser.Value value, Column column, ByteSink out) {
        String base = column.base();
        boolean integer = base.equals("int2") || base.equals("int4") || base.equals("int8");
        switch (value.kind()) {
            case NULL -> {
                out.write('\\');
                out.write('N');
            }
            case INTEGER -> {
                long n = Long.parseLong(value.text());
                if (base.equals("bool")) {
                    if (n != 0 && n != 1) {
                        throw new IllegalArgumentException("the integer is neither 0 nor 1, so it is not a boolean");
                    }
                    out.write(n == 1 ? 't' : 'f');
                } else if (integer) {
                    checkRange(n, base);
                    ascii(value.text(), out);
                } else if (base.equals("bytea") || base.equals("date") || base.startsWith("time")
                        || base.equals("interval")) {
                    throw new IllegalArgumentException("a number does not fit a " + column.type() + " column; "
                            + "convert it in SQLite first");
                } else {
                    ascii(value.text(), out);
                }
            }
            case REAL -> {
                String text = value.text();
                double d = Double.parseDouble(text);
                if (integer) {
                    if (Double.isInfinite(d) || d != Math.rint(d) || Math.abs(d) >= 0x1p63) {
                        throw new IllegalArgumentException("the REAL is not a whole number, so it does not fit "
                                + "without rounding");
                    }
                    checkRange((long) d, base);
                    ascii(Long.toString((long) d), out);
                } else if (base.equals("float4") || base.equals("float8") || base.equals("numeric")) {
                    ascii(Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : text, out);
                } else if (base.equals("text") || base.equals("varchar") || base.equals("bpchar")) {
                    ascii(text, out);
                } else {
                    throw new IllegalArgumentException("a REAL does not fit a " + column.type() + " column");
                }
            }
            case TEXT -> {
                byte[] bytes = value.bytes();
                if (base.equals("bytea")) {
                    hex(bytes, out);
                    return;
                }
                for (byte b : bytes) {
                    if (b == 0) {
                        throw new IllegalArgumentException("the text holds a NUL character, which PostgreSQL "
                                + "text cannot store");
                    }
                }
                try {
                    StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes));
                } catch (CharacterCodingException e) {
                    throw new IllegalArgumentException("the text is not valid UTF-8");
                }
                for (byte b : bytes) {
                    switch (b) {
                        case '\\' -> {
                            out.write('\\');
                            out.write('\\');
                        }
                        case '\n' -> {
                            out.write('\\');
                            out.write('n');
                        }
                        case '\r' -> {
                            out.write('\\');
                            out.write('r');
                        }
                        case '\t' -> {
                            out.write('\\');
                            out.write('t');
                        }
                        default -> out.write(b);
                    }
                }
            }
            case BLOB -> {
                if (!base.equals("bytea")) {
                    throw new IllegalArgumentException("a BLOB only fits a bytea column");
                }
                hex(value.bytes(), out);
            }
            default -> throw new IllegalStateException("unknown kind " + value.kind());
        }
    }

    private static void checkRange(long n, String base) {
        long max = base.equals("int2") ? Short.MAX_VALUE : base.equals("int4") ? Integer.MAX_VALUE : Long.MAX_VALUE;
        long min = base.equals("int2") ? Short.MIN_VALUE : base.equals("int4") ? Integer.MIN_VALUE : Long.MIN_VALUE;
        if (n > max || n < min) {
            throw new IllegalArgumentException("the integer is out of the range of " + base);
        }
    }

    private static void ascii(String text, ByteSink out) {
        for (int i = 0; i < text.length(); i++) {
            out.write(text.charAt(i));
        }
    }

    private static void hex(byte[] bytes, ByteSink out) {
        ascii("\\\\x", out);
        for (byte b : bytes) {
            out.write(Character.forDigit((b >> 4) & 0xf, 16));
            out.write(Character.forDigit(b & 0xf, 16));
        }
    }

    /** Moves every serial or identity sequence of the loaded tables past the largest value loaded. */
    private void setSequences(Connection c, Map<String, Mapping> mappings) throws SQLException {
        for (Mapping mapping : mappings.values()) {
            for (Column column : mapping.columns()) {
                String sequence;
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_get_serial_sequence(?, ?)")) {
                    ps.setString(1, qualified(mapping.target()));
                    ps.setString(2, column.name());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        sequence = rs.getString(1);
                    }
                }
                if (sequence != null) {
                    try (PreparedStatement ps = c.prepareStatement("SELECT setval(?::regclass, max("
                            + PgLiterals.ident(column.name()) + ")) FROM " + qualified(mapping.target())
                            + " HAVING max(" + PgLiterals.ident(column.name()) + ") IS NOT NULL")) {
                        ps.setString(1, sequence);
                        ps.executeQuery().close();
                    }
                }
            }
        }
    }
}
