package io.backupkit.dialect.sqlite;

import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.TablePreview;
import io.backupkit.TableSummary;
import io.backupkit.spi.Staging;
import io.backupkit.spi.WriteGate;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * A SQLite database rebuilt from an archive into its own file. Only validated schema statements
 * from the manifest are executed; data rows are bound as parameters; counters and settings are
 * parsed into numbers first. The live file is replaced by an atomic rename.
 */
final class SqliteStaging implements Staging {

    private static final Logger LOG = LoggerFactory.getLogger(SqliteStaging.class);
    private static final int MAX_SCHEMA_ENTRY_BYTES = 64 << 20;

    private final BackupManifest manifest;
    private final Path livePath;
    private final Path path;
    private final Map<String, List<String>> columns = new LinkedHashMap<>();
    private final Map<String, Long> loadedRows = new HashMap<>();
    private Connection connection;
    /** Runs the inserts beside the parsing; the connection belongs to it until {@link #complete()}. */
    private final InsertThread writer;
    private SqliteFinishParser.Finish finish;
    private boolean swapped;
    private final boolean readPages;

    SqliteStaging(BackupManifest manifest, Path livePath, Path path, boolean readPages) throws SQLException, IOException {
        this.manifest = manifest;
        this.readPages = readPages;
        this.livePath = livePath;
        this.path = path;
        for (TableSummary t : manifest.tables()) {
            columns.put(t.name(), t.columns());
        }
        SQLiteConfig config = new SQLiteConfig();
        // Otherwise the driver prepares and runs "SELECT last_insert_rowid()" after every INSERT.
        config.setGetGeneratedKeys(false);
        connection = DriverManager.getConnection("jdbc:sqlite:" + path, config.toProperties());
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA page_size = " + pageSize(manifest));
            // Staging is thrown away on any failure, so it needs no journal and no fsync per commit.
            s.execute("PRAGMA journal_mode = OFF");
            s.execute("PRAGMA synchronous = OFF");
            s.execute("PRAGMA foreign_keys = OFF");
            s.execute("BEGIN");
        } catch (SQLException | RuntimeException e) {
            writer = null;
            close();
            throw e;
        }
        writer = new InsertThread("backupkit-staging-insert-" + path.getFileName());
    }

    /** The manifest's page size: a power of two from 512 to 65536, parsed into a number before it reaches a PRAGMA. */
    private static int pageSize(BackupManifest manifest) {
        String recorded = manifest.source().properties().getOrDefault("page_size", "4096");
        int size;
        try {
            size = Integer.parseInt(recorded.trim());
        } catch (NumberFormatException e) {
            size = -1;
        }
        if (size < 512 || size > 65536 || Integer.bitCount(size) != 1) {
            throw new InvalidArchiveException("manifest.json: page_size " + SqlEntryLexer.printable(recorded)
                    + " is not a SQLite page size (a power of two from 512 to 65536)");
        }
        return size;
    }

    @Override
    public void load(ManifestEntry entry, InputStream content) throws Exception {
        switch (entry.kind()) {
            case SCHEMA, POST_DATA -> {
                writer.drain(); // the rows before it are in; the statements run on this thread
                executeSchema(entry, content);
            }
            case DATA -> loadData(entry, content);
            case FINISH -> finish = new SqliteFinishParser(entry.name()).parse(content);
            default -> throw new InvalidArchiveException("entry '" + entry.name() + "' has unknown kind " + entry.kind());
        }
    }

    /** Runs the manifest's validated statements, after checking the entry says exactly the same. */
    private void executeSchema(ManifestEntry entry, InputStream content) throws IOException, SQLException {
        List<SchemaObject> objects = requireSameSchema(manifest, entry, content);
        try (Statement s = connection.createStatement()) {
            for (SchemaObject object : objects) {
                try {
                    s.execute(object.sql());
                } catch (SQLException e) {
                    throw new InvalidArchiveException("entry '" + entry.name() + "': creating " + object.type()
                            .name().toLowerCase(Locale.ROOT) + " '" + object.name() + "' failed: " + e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Checks that a schema entry holds exactly the manifest's validated statements of its phase,
     * and returns them: only those ever run.
     */
    static List<SchemaObject> requireSameSchema(BackupManifest manifest, ManifestEntry entry, InputStream content)
            throws IOException {
        if (entry.size() > MAX_SCHEMA_ENTRY_BYTES) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' is larger than 64 MiB");
        }
        List<SchemaObject> objects = manifest.schema().stream().filter(o -> o.phase() == entry.kind()).toList();
        String expected = objects.stream().map(o -> o.sql() + ";\n").collect(Collectors.joining());
        byte[] actual = content.readNBytes(MAX_SCHEMA_ENTRY_BYTES + 1);
        if (!java.util.Arrays.equals(actual, expected.getBytes(StandardCharsets.UTF_8))) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' differs from the schema statements "
                    + "recorded in manifest.json");
        }
        return objects;
    }

    private void loadData(ManifestEntry entry, InputStream content) throws Exception {
        SqliteInsertParser parser = new SqliteInsertParser(columns, entry.name()).textAsBytes();
        long rows = parser.parse(content, (table, names, values) -> {
            if (!table.equals(entry.table())) {
                throw new InvalidArchiveException("entry '" + entry.name() + "' holds rows of table '" + table
                        + "' but the manifest says it belongs to '" + entry.table() + "'");
            }
            batchFor(table, names, entry.name(), values).add(values);
        });
        flushBatches();
        if (rows != entry.rows()) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' holds " + rows + " rows; the manifest says "
                    + entry.rows());
        }
        loadedRows.merge(entry.table(), rows, Long::sum);
    }

    /** Open batches of the current column list, by the set of columns whose value is TEXT. */
    private final Map<java.util.BitSet, RowBatch> batches = new HashMap<>();
    /** The column list of the open batches, and the instance of it the last statement used. */
    private List<String> batchNames;
    private List<String> batchNamesSeen;
    /** At most this many batches are open at once (rows mixing storage classes in many ways). */
    private static final int MAX_OPEN_BATCHES = 8;

    /**
     * The batch a row joins. Rows are grouped by which columns hold TEXT, because TEXT is bound as
     * bytes through {@code CAST(? AS TEXT)}: a multi-row INSERT needs the same placeholders in every
     * row. NULL fits either placeholder, so it does not count. Consecutive INSERT statements of an
     * entry usually name the same columns, so batches fill up across statements.
     */
    private RowBatch batchFor(String table, List<String> names, String entry, Object[] values) throws Exception {
        if (names != batchNamesSeen) {
            if (!names.equals(batchNames)) {
                flushBatches();
                batchNames = names;
            }
            batchNamesSeen = names;
        }
        java.util.BitSet text = new java.util.BitSet(values.length);
        for (int i = 0; i < values.length; i++) {
            if (values[i] instanceof SqliteText) {
                text.set(i);
            }
        }
        RowBatch batch = batches.get(text);
        if (batch == null) {
            if (batches.size() >= MAX_OPEN_BATCHES) {
                flushBatches();
            }
            batch = new RowBatch(table, batchNames, entry, text);
            batches.put(text, batch);
        }
        return batch;
    }

    /** Hands every open batch to the insert thread. */
    private void flushBatches() throws Exception {
        for (RowBatch batch : batches.values()) {
            batch.flush();
        }
        batches.clear();
    }

    /**
     * Rows of one column list and one set of TEXT columns, inserted by a prepared multi-row INSERT:
     * far fewer statement steps than one INSERT per row. Values are still bound as parameters.
     */
    private final class RowBatch {
        private final String table;
        private final List<String> names;
        private final java.util.BitSet text;
        private final String entry;
        private final int capacity;
        private final Object[][] rows;
        private int size;

        RowBatch(String table, List<String> names, String entry, java.util.BitSet text) {
            this.table = table;
            this.names = names;
            this.text = text;
            this.entry = entry;
            this.capacity = Math.max(1, Math.min(64, 30_000 / Math.max(1, names.size())));
            this.rows = new Object[capacity][];
        }

        void add(Object[] values) throws Exception {
            rows[size++] = values;
            if (size == capacity) {
                flush();
            }
        }

        /** Hands the rows to the insert thread. */
        void flush() throws Exception {
            if (size == 0) {
                return;
            }
            Object[][] batch = java.util.Arrays.copyOf(rows, size);
            java.util.Arrays.fill(rows, 0, size, null);
            size = 0;
            writer.submit(() -> {
                try {
                    insert(batch);
                } catch (SQLException e) {
                    throw InsertThread.inEntry(entry, e);
                }
            });
        }

        /** On the insert thread: one multi-row INSERT for a full batch, single-row INSERTs for a partial one. */
        private void insert(Object[][] batch) throws SQLException {
            int rowCount = batch.length == capacity ? capacity : 1;
            PreparedStatement ps = insertStatement(table, names, text, rowCount);
            if (rowCount == capacity) {
                for (int r = 0; r < batch.length; r++) {
                    bind(ps, batch[r], r * names.size());
                }
                ps.executeUpdate();
            } else {
                for (Object[] row : batch) {
                    bind(ps, row, 0).executeUpdate();
                }
            }
        }
    }

    /** Prepared INSERTs by table, column list, TEXT columns and rows per statement. */
    private final Map<List<Object>, PreparedStatement> inserts = new HashMap<>();

    /** One prepared INSERT per column list, set of TEXT columns (bound as bytes) and row count. */
    private PreparedStatement insertStatement(String table, List<String> names, java.util.BitSet text, int rowCount)
            throws SQLException {
        List<Object> key = List.of(table, names, text, rowCount);
        PreparedStatement ps = inserts.get(key);
        if (ps == null) {
            StringBuilder sql = new StringBuilder("INSERT INTO ").append(SqliteSnapshot.quote(table)).append(" (");
            StringBuilder row = new StringBuilder("(");
            for (int i = 0; i < names.size(); i++) {
                sql.append(i > 0 ? ", " : "").append(SqliteSnapshot.quote(names.get(i)));
                row.append(i > 0 ? ", " : "").append(text.get(i) ? "CAST(? AS TEXT)" : "?");
            }
            sql.append(") VALUES ");
            row.append(')');
            for (int r = 0; r < rowCount; r++) {
                sql.append(r > 0 ? ", " : "").append(row);
            }
            ps = connection.prepareStatement(sql.toString());
            inserts.put(key, ps);
        }
        return ps;
    }

    private static PreparedStatement bind(PreparedStatement ps, Object[] values, int offset) throws SQLException {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            int p = offset + i + 1;
            if (v == null) {
                ps.setNull(p, Types.NULL);
            } else if (v instanceof Long l) {
                ps.setLong(p, l);
            } else if (v instanceof Double d) {
                ps.setDouble(p, d);
            } else if (v instanceof SqliteText t) {
                ps.setBytes(p, t.bytes());
            } else if (v instanceof SqliteBlob b) {
                ps.setBytes(p, b.bytes());
            } else {
                throw new IllegalStateException("unexpected parsed value " + v.getClass());
            }
        }
        return ps;
    }

    @Override
    public java.util.Optional<io.backupkit.spi.Snapshot> openStagedSnapshot() throws SQLException {
        // Nothing else writes to the staging file, so a plain read transaction is a snapshot.
        Connection reader = DriverManager.getConnection("jdbc:sqlite:" + path);
        try {
            boolean wal;
            try (Statement s = reader.createStatement()) {
                s.execute("PRAGMA query_only = ON");
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
                    wal = rs.next() && "wal".equalsIgnoreCase(rs.getString(1));
                }
            }
            SqlitePageSource pages = SqlitePageSource.beginReading(reader, readPages ? path.toString() : null, wal,
                    SqliteFileAccess.PRIVATE, () -> {
                try (Statement s = reader.createStatement()) {
                    s.execute("BEGIN DEFERRED");
                    s.executeQuery("SELECT count(*) FROM sqlite_schema").close();
                }
            }, () -> {
                try (Statement s = reader.createStatement()) {
                    s.execute("ROLLBACK");
                }
            });
            return java.util.Optional.of(new SqliteSnapshot(reader, java.time.Instant.now(), "staging", List.of(),
                    pages, () -> {
                        try (Statement s = reader.createStatement()) {
                            s.execute("ROLLBACK");
                        } finally {
                            reader.close();
                        }
                    }));
        } catch (SQLException | RuntimeException e) {
            reader.close();
            throw e;
        }
    }

    /** Problems found while committing: a finish entry that disagrees with the manifest. */
    private final List<String> commitProblems = new ArrayList<>();
    private boolean committed;

    /**
     * Applies the finish entry and commits, then switches the file to WAL when the live database
     * uses it: the content check's readers can then read while {@link #complete()} checks.
     */
    @Override
    public void commitLoaded() throws Exception {
        if (committed) {
            return;
        }
        writer.drain();
        writer.close();
        try (Statement s = connection.createStatement()) {
            if (finish != null) {
                applyFinish(s, commitProblems);
            }
            s.execute("COMMIT");
            committed = true;
            if (livePath != null && isWal(livePath)) {
                s.execute("PRAGMA journal_mode = WAL");
            }
        }
    }

    @Override
    public List<String> complete() throws Exception {
        commitLoaded();
        List<String> problems = new ArrayList<>(commitProblems);
        try (Statement s = connection.createStatement()) {
            for (TableSummary t : manifest.tables()) {
                long loaded = loadedRows.getOrDefault(t.name(), 0L);
                long counted;
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + SqliteSnapshot.quote(t.name()))) {
                    counted = rs.next() ? rs.getLong(1) : -1;
                }
                if (loaded != t.rows() || counted != t.rows()) {
                    problems.add("table '" + t.name() + "' has " + counted + " rows after loading " + loaded
                            + "; the manifest says " + t.rows());
                }
            }
            // foreign_key_check on a second connection, beside integrity_check: both only read.
            java.util.concurrent.CompletableFuture<List<String>> foreignKeys =
                    java.util.concurrent.CompletableFuture.supplyAsync(this::foreignKeyProblems, CHECKS);
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                while (rs.next()) {
                    if (!"ok".equals(rs.getString(1))) {
                        problems.add("integrity_check: " + rs.getString(1));
                    }
                }
            } finally {
                try {
                    problems.addAll(foreignKeys.join());
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof SQLException cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
        }
        closeConnection();
        return problems;
    }

    /** Runs a check or a comparison beside the caller's, on its own daemon thread. */
    private static final java.util.concurrent.Executor CHECKS = task -> {
        Thread thread = new Thread(task, "backupkit-staging-check");
        thread.setDaemon(true);
        thread.start();
    };

    private List<String> foreignKeyProblems() {
        List<String> problems = new ArrayList<>();
        try (Connection reader = readOnly(path); Statement s = reader.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA foreign_key_check")) {
            int shown = 0;
            while (rs.next() && shown++ < 10) {
                problems.add("foreign_key_check: a row of '" + rs.getString(1) + "' (rowid " + rs.getString(2)
                        + ") references a missing row of '" + rs.getString(3) + "'");
            }
        } catch (SQLException e) {
            throw new java.util.concurrent.CompletionException(e);
        }
        return problems;
    }

    @Override
    public io.backupkit.SelectiveRestoreResult mergeIntoLive(javax.sql.DataSource live, io.backupkit.Selection selection)
            throws SQLException {
        closeConnection();
        return new SqliteSelectiveMerge(manifest, path).merge(live, selection);
    }

    @Override
    public List<String> runOnStaged(io.backupkit.AfterRestore callback, BackupManifest restored) throws Exception {
        List<String> problems = new ArrayList<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + path)) {
            c.setAutoCommit(false);
            try {
                callback.apply(c, restored);
                c.commit();
            } catch (Exception | Error e) {
                c.rollback();
                throw e;
            }
            c.setAutoCommit(true);
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                while (rs.next()) {
                    if (!"ok".equals(rs.getString(1))) {
                        problems.add("integrity_check: " + rs.getString(1));
                    }
                }
            }
        }
        return problems;
    }

    private void applyFinish(Statement s, List<String> problems) throws SQLException {
        if (!finish.sequences().isEmpty()) {
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM sqlite_sequence WHERE name = ?");
                 PreparedStatement insert = connection.prepareStatement(
                         "INSERT INTO sqlite_sequence(name, seq) VALUES (?, ?)")) {
                for (Map.Entry<String, Long> e : finish.sequences().entrySet()) {
                    if (!columns.containsKey(e.getKey())) {
                        problems.add("the finish entry sets the counter of unknown table '" + e.getKey() + "'");
                        continue;
                    }
                    delete.setString(1, e.getKey());
                    delete.executeUpdate();
                    insert.setString(1, e.getKey());
                    insert.setLong(2, e.getValue());
                    insert.executeUpdate();
                }
            }
        }
        String recorded = manifest.source().properties().get("user_version");
        if (recorded != null && !recorded.equals(String.valueOf(finish.userVersion()))) {
            problems.add("the finish entry sets user_version " + finish.userVersion() + "; the manifest records "
                    + recorded);
        }
        // Numbers parsed from the entry, formatted here: no archive text reaches these PRAGMAs.
        s.execute("PRAGMA user_version = " + finish.userVersion());
        s.execute("PRAGMA application_id = " + finish.applicationId());
    }

    private static boolean isWal(Path live) {
        if (!Files.exists(live)) {
            return true; // a new database starts in WAL mode, which never blocks writers during backups
        }
        try (Connection c = readOnly(live); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            return rs.next() && "wal".equalsIgnoreCase(rs.getString(1));
        } catch (SQLException e) {
            return false;
        }
    }

    private static Connection readOnly(Path db) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        return DriverManager.getConnection("jdbc:sqlite:" + db, config.toProperties());
    }

    private boolean liveExists() throws SQLException {
        if (livePath == null || !Files.exists(livePath)) {
            return false;
        }
        try (Connection c = readOnly(livePath)) {
            return hasSchema(c);
        }
    }

    /** Whether a database holds any schema object (a file SQLite just created holds none). */
    static boolean hasSchema(Connection c) throws SQLException {
        return SqliteDialect.queryLong(c, "SELECT count(*) FROM sqlite_schema") > 0;
    }

    @Override
    public Map<String, List<String>> liveSchema() throws SQLException {
        return liveExists() ? liveSchemaOf(livePath) : new LinkedHashMap<>();
    }

    /** The tables of the database at {@code livePath} and their columns (hidden ones left out). */
    private static Map<String, List<String>> liveSchemaOf(Path livePath) throws SQLException {
        Map<String, List<String>> live = new LinkedHashMap<>();
        try (Connection c = readOnly(livePath)) {
            for (String table : liveTables(c, "main")) {
                live.put(table, declaredColumns(c, table));
            }
        }
        return live;
    }

    /** A table's own columns, hidden ones left out, in their order. */
    static List<String> declaredColumns(Connection c, String table) throws SQLException {
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0 ORDER BY cid")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    names.add(rs.getString(1));
                }
            }
        }
        return names;
    }

    static List<String> liveTables(Connection c, String schema) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM pragma_table_list WHERE schema = ? AND type IN "
                + "('table', 'virtual') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
        }
        return tables;
    }

    @Override
    public String liveSchemaVersion() throws SQLException {
        return liveExists() ? liveSchemaVersionOf(livePath) : null;
    }

    /** The {@code user_version} of the database at {@code livePath}. */
    private static String liveSchemaVersionOf(Path livePath) throws SQLException {
        try (Connection c = readOnly(livePath); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA user_version")) {
            return rs.next() ? rs.getString(1) : "0";
        }
    }

    @Override
    public List<TablePreview> compareWithLive() throws SQLException {
        closeConnection();
        List<TablePreview> previews = new ArrayList<>();
        if (!liveExists()) {
            for (TableSummary t : manifest.tables()) {
                previews.add(new TablePreview(t.name(), t.rows(), 0, 0, 0, t.rows()));
            }
            return previews;
        }
        try (Connection c = attachedToStaging()) {
            List<String> live = liveTables(c, "main");
            // The tables are compared on two connections at once, the largest first, each to the
            // connection with less work so far.
            List<TableSummary> both = manifest.tables().stream().filter(t -> live.contains(t.name()))
                    .sorted(java.util.Comparator.comparingLong(TableSummary::rows).reversed()).toList();
            List<TableSummary> second = new ArrayList<>();
            List<TableSummary> first = new ArrayList<>();
            long firstRows = 0;
            long secondRows = 0;
            for (TableSummary t : both) {
                if (firstRows <= secondRows) {
                    first.add(t);
                    firstRows += Math.max(1, t.rows());
                } else {
                    second.add(t);
                    secondRows += Math.max(1, t.rows());
                }
            }
            Map<String, TablePreview> compared = new java.util.concurrent.ConcurrentHashMap<>();
            java.util.concurrent.CompletableFuture<Void> other = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try (Connection c2 = attachedToStaging()) {
                    for (TableSummary t : second) {
                        compared.put(t.name(), compareTable(c2, t));
                    }
                } catch (SQLException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            }, CHECKS);
            try {
                for (TableSummary t : first) {
                    compared.put(t.name(), compareTable(c, t));
                }
            } finally {
                try {
                    other.join();
                } catch (java.util.concurrent.CompletionException e) {
                    if (e.getCause() instanceof SQLException cause) {
                        throw cause;
                    }
                    throw e;
                }
            }
            for (TableSummary t : manifest.tables()) {
                TablePreview preview = compared.get(t.name());
                previews.add(preview != null ? preview : new TablePreview(t.name(), t.rows(), 0, 0, 0, t.rows()));
            }
            for (String table : live) {
                if (!columns.containsKey(table)) {
                    long rows = count(c, "main", table);
                    previews.add(new TablePreview(table, 0, rows, rows, 0, 0));
                }
            }
        }
        return previews;
    }

    /** A read-only connection to the live database with the staging attached as {@code stage}. */
    private Connection attachedToStaging() throws SQLException {
        Connection c = readOnly(livePath);
        try (PreparedStatement attach = c.prepareStatement("ATTACH DATABASE ? AS stage")) {
            attach.setString(1, path.toString());
            attach.execute();
        } catch (SQLException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Streaming counts by key, done by SQLite through each side's own key index. */
    private TablePreview compareTable(Connection c, TableSummary t) throws SQLException {
        String q = SqliteSnapshot.quote(t.name());
        List<String> liveColumns = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0")) {
            ps.setString(1, t.name());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    liveColumns.add(rs.getString(1));
                }
            }
        }
        // Rows are matched by primary key, as the preview promises: a rowid table whose key is not
        // the rowid (TEXT PRIMARY KEY, composite keys) gets a new rowid on every upsert (INSERT OR
        // REPLACE), which is not a lost row plus an added one. Only tables without a declared key
        // (or whose key columns no longer exist live) fall back to the rowid.
        boolean byKey = !t.primaryKey().isEmpty() && liveColumns.containsAll(t.primaryKey());
        boolean withoutRowid = withoutRowid(c, t.name());
        List<String> keys = byKey || withoutRowid ? t.primaryKey() : List.of("rowid");
        String match = keys.stream().map(k -> "s." + SqliteSnapshot.quote(k) + " IS m." + SqliteSnapshot.quote(k))
                .collect(Collectors.joining(" AND "));
        String differs = t.columns().stream().filter(liveColumns::contains)
                .map(col -> "m." + SqliteSnapshot.quote(col) + " IS NOT s." + SqliteSnapshot.quote(col))
                .collect(Collectors.joining(" OR "));
        // One pass over the live rows gives their count, the lost ones and the changed ones; the
        // staged rows without a live match are the added ones.
        // Never NULL on a matched staged row: a WITHOUT ROWID key is NOT NULL, a rowid always set.
        String sKey = withoutRowid ? "s." + SqliteSnapshot.quote(keys.get(0)) : "s.rowid";
        long liveRows;
        long lost;
        long changed;
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*), "
                + "coalesce(sum(" + sKey + " IS NULL), 0), "
                + (differs.isEmpty() ? "0" : "coalesce(sum(" + sKey + " IS NOT NULL AND (" + differs + ")), 0)")
                + " FROM main." + q + " m LEFT JOIN stage." + q + " s ON " + match)) {
            rs.next();
            liveRows = rs.getLong(1);
            lost = rs.getLong(2);
            changed = rs.getLong(3);
        }
        long added = single(c, "SELECT count(*) FROM stage." + q + " m WHERE NOT EXISTS (SELECT 1 FROM main." + q
                + " s WHERE " + match + ")");
        return new TablePreview(t.name(), t.rows(), liveRows, lost, changed, added);
    }

    private static boolean withoutRowid(Connection c, String table) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT wr FROM pragma_table_list WHERE schema = 'stage' AND name = ?")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getInt(1) != 0;
            }
        }
    }

    private static long count(Connection c, String schema, String table) throws SQLException {
        return single(c, "SELECT count(*) FROM " + schema + "." + SqliteSnapshot.quote(table));
    }

    private static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    @Override
    public Duration swapIntoLive(WriteGate gate, Duration maxPause) throws Exception {
        closeConnection();
        // Loaded without fsyncs (the staging is thrown away on any failure): on disk before it
        // becomes the live database. A preview never swaps, so it never pays for this.
        try (FileChannel file = FileChannel.open(path, StandardOpenOption.WRITE)) {
            file.force(true);
        }
        // Only the main file moves: a staging WAL that its last connection did not checkpoint and
        // remove would leave rows behind.
        Path stagingWal = Path.of(path + "-wal");
        if (Files.exists(stagingWal) && Files.size(stagingWal) > 0) {
            throw new IllegalStateException("the staging database " + path + " still has a WAL of "
                    + Files.size(stagingWal) + " bytes after its connections closed; the live database was not"
                    + " touched");
        }
        Path live = livePath.toAbsolutePath();
        long start = System.nanoTime();
        gate.close(maxPause);
        try {
            awaitSoleAccess(live, start + maxPause.toNanos());
            for (String suffix : List.of("-wal", "-journal")) {
                Path side = Path.of(live + suffix);
                if (Files.exists(side) && Files.size(side) > 0) {
                    throw new IllegalStateException("the live database " + live + " is still open elsewhere ("
                            + side.getFileName() + " holds data); close every other connection and try again");
                }
            }
            Files.move(path, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            swapped = true;
            Files.deleteIfExists(Path.of(live + "-shm"));
            Files.deleteIfExists(Path.of(live + "-wal"));
            SqliteFileAccess.closeReplaced(live); // nothing has the old files open now
            try (FileChannel dir = FileChannel.open(live.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // some file systems cannot sync a directory; the rename itself is atomic
            }
        } finally {
            gate.open();
        }
        Duration pause = Duration.ofNanos(System.nanoTime() - start);
        if (pause.compareTo(maxPause) > 0) {
            LOG.warn("writes were held for {} ms, more than the {} ms allowed", pause.toMillis(), maxPause.toMillis());
        }
        return pause;
    }

    /**
     * Waits until no connection, in this process or another, has the live database open. A
     * connection that outlives the rename keeps the old, unlinked file: what it writes afterwards
     * is silently lost, and until it has closed, the old file's {@code -wal} may still hold
     * committed pages. Pools close evicted connections asynchronously (HikariCP on its own
     * executor, after its counters already say zero), so the gate alone cannot promise this.
     *
     * <p>The probe is a connection in {@code locking_mode = EXCLUSIVE}: its first read of a WAL
     * database must take the file's EXCLUSIVE lock, which SQLite grants only while no other
     * connection is open (WAL connections hold a SHARED lock for as long as they are open). When
     * it closes, it checkpoints and removes the {@code -wal}; the database stays in WAL mode and an
     * empty WAL leaves the file's bytes unchanged. Databases in rollback mode hold no lock while
     * idle, so there is nothing to probe.
     */
    private static void awaitSoleAccess(Path live, long deadline) throws InterruptedException, IOException {
        if (!inWalMode(live)) {
            return;
        }
        SQLException last = null;
        while (true) {
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + live); Statement s = c.createStatement()) {
                s.execute("PRAGMA busy_timeout = 0");
                s.execute("PRAGMA locking_mode = EXCLUSIVE");
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_schema")) {
                    rs.next();
                }
                return;
            } catch (SQLException e) {
                last = e; // SQLITE_BUSY: another connection still has the database open
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the live database " + live + " is still open elsewhere after the"
                        + " write gate closed (" + last.getMessage() + "); close every other connection, or hand the"
                        + " restore a write gate over the application's pool, and try again", last);
            }
            Thread.sleep(1);
        }
    }

    /** Whether a database file's header says WAL mode (file format versions 2 at offsets 18 and 19). */
    private static boolean inWalMode(Path db) throws IOException {
        if (!Files.exists(db) || Files.size(db) < 100) {
            return false;
        }
        byte[] header = new byte[20];
        // Through the shared descriptor: closing one of our own would drop this process's locks
        // on the live file (see SqliteFileAccess).
        java.io.RandomAccessFile file = SqliteFileAccess.SHARED.open(db);
        try {
            synchronized (file) {
                file.seek(0);
                file.readFully(header);
            }
        } finally {
            SqliteFileAccess.SHARED.release(file);
        }
        return header[18] == 2 && header[19] == 2;
    }

    private void closeConnection() throws SQLException {
        if (writer != null) {
            writer.close(); // waits for the insert running now, drops the queued ones
        }
        if (connection != null) {
            try {
                for (PreparedStatement ps : inserts.values()) {
                    ps.close();
                }
                inserts.clear();
            } finally {
                Connection c = connection;
                connection = null;
                c.close();
            }
        }
    }

    @Override
    public void close() throws SQLException, IOException {
        try {
            closeConnection();
        } finally {
            if (!swapped) {
                for (String suffix : List.of("", "-journal", "-wal", "-shm")) {
                    Files.deleteIfExists(Path.of(path + suffix));
                }
            }
        }
    }
}
