package io.backupkit.dialect.sqlite;

import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.ForeignKey;
import io.backupkit.spi.RowCursor;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotInfo;
import io.backupkit.spi.TableModel;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A snapshot of a SQLite database: one read transaction (or a private copy) on which the schema,
 * the counts and every row are read.
 */
final class SqliteSnapshot implements Snapshot {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SqliteSnapshot.class);

    /** FTS5 and FTS3/4 tables keep their rows behind the rowid, which must be preserved. */
    private static final Pattern FTS = Pattern.compile("(?is)^\\s*CREATE\\s+VIRTUAL\\s+TABLE\\s+.*\\bUSING\\s+fts[345]\\b.*");
    /** External-content and contentless full-text tables have no rows of their own to copy. */
    private static final Pattern EXTERNAL_CONTENT = Pattern.compile("(?is).*\\bcontent\\s*=.*");
    /** A contentless table ({@code content=''}) keeps only its index, which cannot be rebuilt. */
    private static final Pattern CONTENTLESS = Pattern.compile("(?is).*\\bcontent\\s*=\\s*(''|\"\").*");
    private static final Pattern VIRTUAL = Pattern.compile("(?is)^\\s*CREATE\\s+VIRTUAL\\s+TABLE\\b.*");

    /** Closes whatever the snapshot holds. */
    @FunctionalInterface
    interface Release {
        void run() throws SQLException, java.io.IOException;
    }

    private final Connection connection;
    private final SnapshotInfo info;
    private final SchemaModel schema;
    private final Map<String, String> orderBy = new HashMap<>();
    private final Release release;
    /** The snapshot's pages, read directly for rowid tables; null to read every table through SQL. */
    private final SqlitePageSource pages;
    /** The rowid column name of each ordinary rowid table, which the pages can be read for. */
    private final Map<String, String> rowidTables = new HashMap<>();
    private final Map<String, Long> counted = new HashMap<>();
    private java.sql.PreparedStatement quoteReal;
    /** Set when a table's first row read from the pages differed from SQL's: SQL reads the rest. */
    private boolean pagesDisagreed;
    private boolean closed;

    SqliteSnapshot(Connection connection, Instant snapshotAt, String journalMode, List<String> warnings,
                   Release release) throws SQLException {
        this(connection, snapshotAt, journalMode, warnings, null, release);
    }

    /**
     * A snapshot whose rowid tables are read from {@code pages} (see {@link SqliteTableScan}), which
     * must be the pages of {@code connection}'s open read transaction; the snapshot closes them.
     */
    SqliteSnapshot(Connection connection, Instant snapshotAt, String journalMode, List<String> warnings,
                   SqlitePageSource pages, Release release) throws SQLException {
        this.connection = connection;
        this.pages = pages;
        this.release = release;
        try {
            Map<String, String> properties = new LinkedHashMap<>();
            properties.put("user_version", String.valueOf(SqliteDialect.queryInt(connection, "PRAGMA user_version")));
            properties.put("application_id", String.valueOf(SqliteDialect.queryInt(connection, "PRAGMA application_id")));
            properties.put("journal_mode", journalMode);
            properties.put("encoding", SqliteDialect.queryString(connection, "PRAGMA encoding"));
            properties.put("page_size", String.valueOf(SqliteDialect.queryInt(connection, "PRAGMA page_size")));
            String version = SqliteDialect.queryString(connection, "SELECT sqlite_version()");
            List<String> allWarnings = new ArrayList<>(warnings);
            this.schema = readSchema(properties, allWarnings);
            this.info = new SnapshotInfo(version, snapshotAt, properties, allWarnings);
        } catch (SQLException | RuntimeException e) {
            if (pages != null) {
                try {
                    pages.close(); // the caller releases the connection; the pages are ours
                } catch (java.io.IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    @Override
    public SnapshotInfo info() {
        return info;
    }

    @Override
    public SchemaModel schema() {
        return schema;
    }

    /** The pages in use in this snapshot (read inside its transaction), times the page size. */
    @Override
    public java.util.OptionalLong estimatedBytes() throws SQLException {
        long pages = SqliteDialect.queryLong(connection, "PRAGMA page_count")
                - SqliteDialect.queryLong(connection, "PRAGMA freelist_count");
        return java.util.OptionalLong.of(Math.max(0, pages) * SqliteDialect.queryLong(connection, "PRAGMA page_size"));
    }

    private record MasterRow(String type, String name, String table, String sql) {
    }

    private record TableListRow(String type, boolean withoutRowid) {
    }

    private SchemaModel readSchema(Map<String, String> properties, List<String> warnings) throws SQLException {
        List<MasterRow> master = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY rowid")) {
            while (rs.next()) {
                master.add(new MasterRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
            }
        }
        Map<String, TableListRow> tableList = new HashMap<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'")) {
            while (rs.next()) {
                tableList.put(rs.getString(1), new TableListRow(rs.getString(2), rs.getInt(3) != 0));
            }
        }
        // SQLite resolves table names case-insensitively; foreign keys may spell them differently.
        Map<String, String> canonicalNames = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (MasterRow row : master) {
            if (row.type().equals("table")) {
                canonicalNames.put(row.name(), row.name());
            }
        }

        List<TableModel> tables = new ArrayList<>();
        List<SchemaStatement> preData = new ArrayList<>();
        List<SchemaStatement> postData = new ArrayList<>();
        List<SchemaStatement> finish = new ArrayList<>();
        boolean hasSequence = false;
        for (MasterRow row : master) {
            switch (row.type()) {
                case "table" -> {
                    String lower = row.name().toLowerCase(Locale.ROOT);
                    TableListRow listed = tableList.get(row.name());
                    if (lower.equals("sqlite_sequence")) {
                        hasSequence = true;
                    } else if (lower.equals("sqlite_stat1")) {
                        // Recreated the way sqlite3's .dump does, then filled like any table.
                        preData.add(new SchemaStatement(SchemaStatement.Type.TABLE, row.name(), row.name(),
                                "ANALYZE sqlite_schema"));
                        tables.add(readTable(row, false, false, canonicalNames));
                    } else if (lower.startsWith("sqlite_")) {
                        continue; // internal tables (stat4, ...) are rebuilt by SQLite itself
                    } else if (listed != null && listed.type().equals("shadow")) {
                        continue; // a virtual table's storage: its CREATE VIRTUAL TABLE recreates it
                    } else if (row.sql() != null && VIRTUAL.matcher(row.sql()).matches()) {
                        preData.add(new SchemaStatement(SchemaStatement.Type.TABLE, row.name(), row.name(), row.sql()));
                        boolean fts = FTS.matcher(row.sql()).matches();
                        if (fts && CONTENTLESS.matcher(row.sql()).matches()) {
                            warnings.add("the full-text table " + row.name() + " is contentless (content=''): its "
                                    + "index cannot be read back or rebuilt, so it is restored empty");
                        } else if (fts && EXTERNAL_CONTENT.matcher(row.sql()).matches()) {
                            // Its rows live in another table; rebuild the index from there after the data.
                            postData.add(new SchemaStatement(SchemaStatement.Type.INDEX, row.name(), row.name(),
                                    "INSERT INTO " + quote(row.name()) + "(" + quote(row.name()) + ") VALUES('rebuild')"));
                        } else {
                            tables.add(readTable(row, true, fts, canonicalNames));
                        }
                    } else {
                        preData.add(new SchemaStatement(SchemaStatement.Type.TABLE, row.name(), row.name(), row.sql()));
                        tables.add(readTable(row, listed != null && listed.withoutRowid(), false, canonicalNames));
                    }
                }
                case "index" -> {
                    if (row.sql() != null) {
                        postData.add(new SchemaStatement(SchemaStatement.Type.INDEX, row.name(), row.table(), row.sql()));
                    }
                }
                case "view" -> postData.add(new SchemaStatement(SchemaStatement.Type.VIEW, row.name(), null, row.sql()));
                case "trigger" -> postData.add(new SchemaStatement(SchemaStatement.Type.TRIGGER, row.name(),
                        row.table(), row.sql()));
                default -> {
                    // no other object types exist in sqlite_schema
                }
            }
        }
        if (hasSequence) {
            try (Statement s = connection.createStatement();
                 ResultSet rs = s.executeQuery("SELECT name, seq FROM sqlite_sequence ORDER BY rowid")) {
                while (rs.next()) {
                    String table = rs.getString(1);
                    String owner = canonicalNames.getOrDefault(table, table);
                    String name = new String(SqliteLiterals.literal(table), StandardCharsets.UTF_8);
                    finish.add(new SchemaStatement(SchemaStatement.Type.SEQUENCE, table, owner,
                            "DELETE FROM sqlite_sequence WHERE name = " + name));
                    finish.add(new SchemaStatement(SchemaStatement.Type.SEQUENCE, table, owner,
                            "INSERT INTO sqlite_sequence(name, seq) VALUES(" + name + ", "
                                    + new String(SqliteLiterals.literal(rs.getObject(2)), StandardCharsets.UTF_8) + ")"));
                }
            }
        }
        finish.add(new SchemaStatement(SchemaStatement.Type.SETTING, "user_version", null,
                "PRAGMA user_version = " + properties.get("user_version")));
        finish.add(new SchemaStatement(SchemaStatement.Type.SETTING, "application_id", null,
                "PRAGMA application_id = " + properties.get("application_id")));
        return new SchemaModel(tables, preData, postData, finish);
    }

    private TableModel readTable(MasterRow row, boolean withoutRowidOrVirtual, boolean fts,
                                 Map<String, String> canonicalNames) throws SQLException {
        String name = row.name();
        boolean virtual = row.sql() != null && VIRTUAL.matcher(row.sql()).matches();
        List<ColumnModel> columns = new ArrayList<>();
        TreeMap<Integer, String> primaryKey = new TreeMap<>();
        List<String> allNames = new ArrayList<>();
        try (var ps = connection.prepareStatement(
                "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String column = rs.getString(1);
                    allNames.add(column.toLowerCase(Locale.ROOT));
                    int hidden = rs.getInt(4);
                    // hidden 1: a virtual table's hidden column; 2 and 3: generated columns, which
                    // SQLite computes itself and refuses in INSERTs.
                    if (hidden == 0) {
                        columns.add(new ColumnModel(column, String.valueOf(rs.getString(2))));
                    }
                    if (rs.getInt(3) > 0) {
                        primaryKey.put(rs.getInt(3), column);
                    }
                }
            }
        }
        String rowidAlias = rowidAlias(allNames);
        if (fts) {
            columns.add(0, new ColumnModel("rowid", "INTEGER"));
        } else if (!virtual && !withoutRowidOrVirtual && rowidAlias != null && !hasIntegerPrimaryKey(name, primaryKey)) {
            // Without an INTEGER PRIMARY KEY the rowid is hidden; write it so that a reload keeps it
            // (what sqlite3 .dump --preserve-rowids does): external-content full-text tables and
            // anything else keyed on rowid still match.
            columns.add(0, new ColumnModel(rowidAlias, "INTEGER"));
        }
        List<ForeignKey> foreignKeys = new ArrayList<>();
        if (!virtual) {
            Map<Integer, List<String[]>> byId = new TreeMap<>();
            try (var ps = connection.prepareStatement(
                    "SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        byId.computeIfAbsent(rs.getInt(1), k -> new ArrayList<>())
                                .add(new String[] {rs.getString(3), rs.getString(4), rs.getString(5)});
                    }
                }
            }
            for (List<String[]> parts : byId.values()) {
                String parent = canonicalNames.getOrDefault(parts.get(0)[0], parts.get(0)[0]);
                List<String> from = parts.stream().map(p -> p[1]).toList();
                List<String> to = parts.stream().allMatch(p -> p[2] != null) ? parts.stream().map(p -> p[2]).toList()
                        : List.of();
                foreignKeys.add(new ForeignKey(from, parent, to));
            }
        }
        String order = orderClause(virtual, fts, withoutRowidOrVirtual, primaryKey, allNames);
        orderBy.put(name, order);
        if (!virtual && !withoutRowidOrVirtual && order.startsWith(" ORDER BY ")) {
            rowidTables.put(name, order.substring(" ORDER BY ".length()));
        }
        return new TableModel(name, columns, List.copyOf(primaryKey.values()), foreignKeys,
                virtual ? TableModel.Kind.VIRTUAL : TableModel.Kind.TABLE);
    }

    private static String rowidAlias(List<String> lowerCaseColumnNames) {
        for (String alias : List.of("rowid", "_rowid_", "oid")) {
            if (!lowerCaseColumnNames.contains(alias)) {
                return alias;
            }
        }
        return null;
    }

    /** Whether the table's primary key is an alias of the rowid (a single column declared exactly INTEGER). */
    private boolean hasIntegerPrimaryKey(String table, TreeMap<Integer, String> primaryKey) throws SQLException {
        if (primaryKey.size() != 1) {
            return false;
        }
        try (var ps = connection.prepareStatement("SELECT type FROM pragma_table_xinfo(?) WHERE name = ?")) {
            ps.setString(1, table);
            ps.setString(2, primaryKey.firstEntry().getValue());
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && "INTEGER".equalsIgnoreCase(String.valueOf(rs.getString(1)).trim());
            }
        }
    }

    /**
     * Rows are read in storage order: rowid for ordinary tables (no sort needed, and reloaded rows
     * keep their relative order), the primary key for WITHOUT ROWID tables.
     */
    private static String orderClause(boolean virtual, boolean fts, boolean withoutRowid,
                                      TreeMap<Integer, String> primaryKey, List<String> columnNames) {
        if (virtual && !fts) {
            return "";
        }
        if (withoutRowid && !virtual) {
            StringBuilder order = new StringBuilder(" ORDER BY ");
            int i = 0;
            for (String column : primaryKey.values()) {
                order.append(i++ > 0 ? ", " : "").append(quote(column));
            }
            return primaryKey.isEmpty() ? "" : order.toString();
        }
        for (String alias : List.of("rowid", "_rowid_", "oid")) {
            if (!columnNames.contains(alias)) {
                return " ORDER BY " + alias;
            }
        }
        return "";
    }

    static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public long countRows(TableModel table) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + quote(table.name()))) {
            rs.next();
            long rows = rs.getLong(1);
            counted.put(table.name(), rows);
            return rows;
        }
    }

    @Override
    public RowCursor openRows(TableModel table, Set<Integer> rawColumns) throws SQLException {
        String rowid = rowidTables.get(table.name());
        if (pages != null && !pagesDisagreed && rawColumns.isEmpty() && rowid != null && table.kind() == TableModel.Kind.TABLE) {
            java.util.Optional<SqliteTableLayout> layout = SqliteTableLayout.of(connection, table);
            if (layout.isPresent()) {
                return new FirstRowChecked(table, rowid, new SqliteTableScan(table.name(), pages, layout.get(),
                        id -> readOneRow(table, rowid, id), this::quoteReal, counted.getOrDefault(table.name(), -1L)));
            }
        }
        return openRowsThroughSql(table, rawColumns, "");
    }

    /** Whether rowid tables are read from the snapshot's pages rather than through SQL. */
    boolean readsPages() {
        return pages != null && !pagesDisagreed;
    }

    /** Whether a cursor of this snapshot is reading its table from the pages (for tests). */
    static boolean readsPages(RowCursor cursor) {
        return cursor instanceof FirstRowChecked checked && checked.current instanceof SqliteTableScan;
    }

    /**
     * A page scan whose first row is compared with the same row read through SQL before anything
     * is handed out. Should they differ (a VFS that transforms the bytes on disk without changing
     * the header, or a reader bug), the table is read through SQL from its start, and so is every
     * later table of the snapshot. Every {@value #CROSS_CHECK_EVERY}th row is compared again (a
     * difference then stops the backup), and the row count is checked at the end.
     */
    /** Every how many rows a page scan is compared with SQL again, after its first row. */
    static final int CROSS_CHECK_EVERY = 1000;

    private final class FirstRowChecked implements RowCursor {
        private final TableModel table;
        private final String rowidColumn;
        private RowCursor current;
        private boolean first = true;

        FirstRowChecked(TableModel table, String rowidColumn, SqliteTableScan scan) {
            this.table = table;
            this.rowidColumn = rowidColumn;
            this.current = scan;
        }

        @Override
        public boolean next() throws SQLException {
            if (!first) {
                if (!current.next()) {
                    return false;
                }
                if (current instanceof SqliteTableScan scan && scan.rows() % CROSS_CHECK_EVERY == 0) {
                    // Rows already went out: a difference now can only stop the backup.
                    byte[] viaSql = readOneRow(table, rowidColumn, scan.rowid());
                    if (!java.util.Arrays.equals(scan.literals(0, table.columns().size()), viaSql)) {
                        throw new SQLException("table " + table.name() + ": the row with rowid " + scan.rowid()
                                + " read from the database file differs from what SQLite returns; back up with"
                                + " SqliteDialect.readingThroughSql() and report this");
                    }
                }
                return true;
            }
            first = false;
            SqliteTableScan scan = (SqliteTableScan) current;
            String problem;
            try {
                if (!scan.next()) {
                    return false;
                }
                byte[] viaSql = readOneRow(table, rowidColumn, scan.rowid());
                if (java.util.Arrays.equals(scan.literals(0, table.columns().size()), viaSql)) {
                    return true;
                }
                problem = "the row with rowid " + scan.rowid() + " read from the database file differs from what"
                        + " SQLite returns";
            } catch (SQLException | RuntimeException e) {
                problem = "its first page cannot be read from the database file (" + e.getMessage() + ")";
            }
            LOG.warn("table {}: {}; reading the rest of this backup through SQL (a VFS that transforms the file?"
                    + " use SqliteDialect.readingThroughSql())", table.name(), problem);
            pagesDisagreed = true;
            scan.close();
            current = openRowsThroughSql(table, Set.of(), "");
            return current.next();
        }

        @Override
        public byte[] literal(int column) throws SQLException {
            return current.literal(column);
        }

        @Override
        public byte[] literals(int from, int to) throws SQLException {
            return current.literals(from, to);
        }

        @Override
        public Object value(int column) throws SQLException {
            return current.value(column);
        }

        @Override
        public void close() throws SQLException {
            current.close();
        }
    }

    /** The connection whose read transaction this snapshot is. */
    Connection connection() {
        return connection;
    }

    /** Whether {@code table} is an ordinary rowid table, read in rowid order. */
    boolean isRowidTable(String table) {
        return rowidTables.containsKey(table);
    }

    /** SQLite's {@code quote()} of a double, on this snapshot's connection. */
    byte[] quoteReal(double d) throws SQLException {
        if (quoteReal == null) {
            quoteReal = connection.prepareStatement("SELECT quote(?)");
        }
        quoteReal.setDouble(1, d);
        try (ResultSet rs = quoteReal.executeQuery()) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    /** One row's literals through SQL, for a record that the page reader cannot complete alone. */
    private byte[] readOneRow(TableModel table, String rowidColumn, long rowid) throws SQLException {
        OneRow query = oneRow.get(table.name());
        if (query == null) {
            RowQuery rows = rowQuery(table, Set.of(), " WHERE " + rowidColumn + " = ?");
            query = new OneRow(rows, connection.prepareStatement(rows.sql()));
            oneRow.put(table.name(), query);
        }
        query.statement().setLong(1, rowid);
        ResultSet rs = query.statement().executeQuery();
        try (RowCursor cursor = new SqliteRowCursor(table.name(), null, rs, query.rows().runEnds(),
                query.rows().resultIndex(), query.rows().zeroSignIndex())) {
            if (!cursor.next()) {
                throw new SQLException("table " + table.name() + ": the row with rowid " + rowid
                        + " found in its pages is not visible through SQL");
            }
            return cursor.literals(0, table.columns().size());
        }
    }

    /** A SELECT that renders a table's rows, and where each column's literal is in its result. */
    private record RowQuery(String sql, Map<Integer, Integer> runEnds, Map<Integer, Integer> resultIndex,
                            Map<Integer, Integer> zeroSignIndex) {
    }

    /** The prepared SELECT of one row by rowid, kept per table for the page scans' cross-checks. */
    private record OneRow(RowQuery rows, java.sql.PreparedStatement statement) {
    }

    private final Map<String, OneRow> oneRow = new HashMap<>();

    private RowCursor openRowsThroughSql(TableModel table, Set<Integer> rawColumns, String where) throws SQLException {
        RowQuery query = rowQuery(table, rawColumns, where);
        Statement statement = connection.createStatement();
        try {
            ResultSet rs = statement.executeQuery(query.sql());
            return new SqliteRowCursor(table.name(), statement, rs, query.runEnds(), query.resultIndex(),
                    query.zeroSignIndex());
        } catch (SQLException e) {
            statement.close();
            throw e;
        }
    }

    private RowQuery rowQuery(TableModel table, Set<Integer> rawColumns, String where) {
        List<ColumnModel> columns = table.columns();
        List<String> select = new ArrayList<>();
        Map<Integer, Integer> runEnds = new HashMap<>();
        Map<Integer, Integer> resultIndex = new HashMap<>();
        Map<Integer, Integer> zeroSignIndex = new HashMap<>();
        List<String> signColumns = new ArrayList<>();
        int c = 0;
        while (c < columns.size()) {
            if (rawColumns.contains(c)) {
                select.add(quote(columns.get(c).name()));
                resultIndex.put(c, select.size());
                c++;
                continue;
            }
            // A run of literal columns becomes one expression: SQLite renders the whole run in C and
            // hands it over in one call, instead of one call per value.
            int from = c;
            List<String> run = new ArrayList<>();
            while (c < columns.size() && !rawColumns.contains(c)) {
                run.add(quote(columns.get(c).name()));
                if (table.kind() == TableModel.Kind.TABLE && mayHoldNegativeZero(columns.get(c).declaredType())) {
                    signColumns.add(quote(columns.get(c).name()));
                    zeroSignIndex.put(c, -signColumns.size());
                }
                c++;
            }
            select.add(runExpression(run));
            runEnds.put(from, c);
            resultIndex.put(from, select.size());
        }
        // Raw copies of the columns that can hold -0.0, read only when quote() printed 0.0.
        int base = select.size();
        select.addAll(signColumns);
        zeroSignIndex.replaceAll((column, negative) -> base - negative);
        String sql = "SELECT " + String.join(", ", select) + " FROM " + quote(table.name())
                + (where.isEmpty() ? orderBy.getOrDefault(table.name(), "") : where);
        return new RowQuery(sql, runEnds, resultIndex, zeroSignIndex);
    }

    /**
     * Whether a column can store -0.0 as it is. Columns with REAL, INTEGER or NUMERIC affinity turn
     * it into 0 and TEXT affinity into text; only BLOB affinity (no declared type, BLOB, or ANY in
     * a STRICT table) keeps the sign, which {@code quote()} then drops.
     */
    static boolean mayHoldNegativeZero(String declaredType) {
        return affinity(declaredType) == 'B' || declaredType.equalsIgnoreCase("ANY");
    }

    /**
     * A declared type's column affinity by SQLite's rules, in their order: {@code I}NTEGER,
     * {@code T}EXT, {@code B}LOB (none), {@code R}EAL or {@code N}UMERIC.
     */
    static char affinity(String declaredType) {
        String type = declaredType.toUpperCase(Locale.ROOT);
        return type.contains("INT") ? 'I'
                : type.contains("CHAR") || type.contains("CLOB") || type.contains("TEXT") ? 'T'
                : type.isEmpty() || type.contains("BLOB") ? 'B'
                : type.contains("REAL") || type.contains("FLOA") || type.contains("DOUB") ? 'R'
                : 'N';
    }

    /** SQLite functions take at most this many arguments in a default build (SQLITE_MAX_FUNCTION_ARG). */
    private static final int MAX_ARGS = 100;

    /**
     * The SQL that renders a run of columns as comma-separated literals.
     *
     * <p>The fast path is {@code quote()} on every value, joined by {@code concat_ws}: all in C, one
     * call per row. {@code quote()} stops at the first NUL of a TEXT value, so each row is first
     * checked for NUL cheaply: {@code concat} keeps every byte of its arguments and {@code instr}
     * finds a NUL inside text, so {@code instr(concat(...), char(0))} is positive whenever some value
     * holds a NUL byte (a BLOB with zero bytes also trips the check, harmlessly). This costs about
     * half of the earlier check, which compared {@code concat} with {@code printf('%s...')}. Those rows take the exact path of {@link #literalExpression(String)}.
     * REAL and CR are finished in Java by {@link SqliteRowCursor}.
     */
    static String runExpression(List<String> columns) {
        StringBuilder check = new StringBuilder();
        StringBuilder fast = new StringBuilder();
        StringBuilder exact = new StringBuilder();
        for (int start = 0; start < columns.size(); start += MAX_ARGS) {
            List<String> group = columns.subList(start, Math.min(columns.size(), start + MAX_ARGS));
            if (start > 0) {
                check.append(" OR ");
                fast.append(" || ',' || ");
                exact.append(" || ',' || ");
            }
            check.append("instr(concat(").append(String.join(", ", group)).append("), char(0)) > 0");
            fast.append("concat_ws(',', ").append(String.join(", ", group.stream().map(c -> "quote(" + c + ")")
                    .toList())).append(')');
            exact.append("concat_ws(',', ").append(String.join(", ", group.stream()
                    .map(SqliteSnapshot::literalExpression).toList())).append(')');
        }
        return "CASE WHEN " + check + " THEN " + exact + " ELSE " + fast + " END";
    }

    /**
     * The SQL that renders one value as a literal exactly, for rows holding NUL: TEXT holding NUL
     * as {@code CAST(X'..' AS TEXT)}, anything else as {@code quote()} renders it.
     */
    static String literalExpression(String c) {
        return "CASE WHEN typeof(" + c + ") = 'text' AND instr(CAST(" + c + " AS BLOB), X'00')"
                + " THEN 'CAST(' || quote(CAST(" + c + " AS BLOB)) || ' AS TEXT)' ELSE quote(" + c + ") END";
    }

    @Override
    public void close() throws SQLException, java.io.IOException {
        if (!closed) {
            closed = true;
            try {
                try {
                    if (quoteReal != null) {
                        quoteReal.close();
                    }
                    for (OneRow query : oneRow.values()) {
                        query.statement().close();
                    }
                } finally {
                    if (pages != null) {
                        pages.close();
                    }
                }
            } finally {
                release.run();
            }
        }
    }
}
