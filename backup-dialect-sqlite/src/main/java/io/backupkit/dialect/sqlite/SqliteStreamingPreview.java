package io.backupkit.dialect.sqlite;

import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.TablePreview;
import io.backupkit.TableSummary;
import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.RowCursor;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.SnapshotOptions;
import io.backupkit.spi.StreamingPreview;
import io.backupkit.spi.TableModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * A preview that merges the archive's rows with the live rows by rowid as the entries stream past,
 * without a staging database.
 *
 * <p>A backup writes each rowid table in rowid order, and the live table is read in rowid order
 * from its pages ({@link SqliteTableScan}), so both sides meet in one pass: a live rowid the
 * archive skips is a lost row, an archive rowid the live table skips an added one, and a rowid on
 * both sides whose literals differ a changed one. Archive rows are parsed by the strict parser and
 * rendered again with the live side's renderer, so equal stored values compare equal byte for
 * byte, whatever version of the library wrote the archive.
 *
 * <p>It is offered only when every table of the backup can be merged so: the live database is in
 * WAL mode and read from its pages, and each table the backup has is, live, the same ordinary rowid
 * table (the same {@code CREATE TABLE} text) keyed by its rowid or an {@code INTEGER PRIMARY KEY}.
 * Otherwise (a changed schema, WITHOUT ROWID or virtual tables, another key) the preview stages the
 * archive and compares with SQL, as before. "Changed" means the stored value differs, storage class
 * included ({@code 1} and {@code 1.0} differ here; SQL's {@code IS NOT} calls them equal).
 */
final class SqliteStreamingPreview implements StreamingPreview {

    private final BackupManifest manifest;
    private final SqliteSnapshot live;
    private final Path livePath;
    private final Map<String, Comparison> merges = new LinkedHashMap<>();
    private final Map<String, List<String>> columns = new HashMap<>();

    private SqliteStreamingPreview(BackupManifest manifest, SqliteSnapshot live, Path livePath) {
        this.manifest = manifest;
        this.live = live;
        this.livePath = livePath;
        for (TableSummary t : manifest.tables()) {
            columns.put(t.name(), t.columns());
        }
    }

    /**
     * The streaming preview of {@code manifest} against {@code liveSource}, or empty when some table
     * cannot be merged by rowid (see the class comment).
     */
    static Optional<StreamingPreview> open(DataSource liveSource, BackupManifest manifest, Path tempDirectory)
            throws Exception {
        Path livePath = SqliteRestorer.livePath(liveSource);
        if (livePath == null || !Files.isRegularFile(livePath)) {
            return Optional.empty();
        }
        try (var c = liveSource.getConnection()) {
            if (!"wal".equalsIgnoreCase(SqliteDialect.queryString(c, "PRAGMA journal_mode"))) {
                return Optional.empty(); // a snapshot would copy the whole database first
            }
        }
        SqliteSnapshot snapshot = (SqliteSnapshot) new SqliteDialect().openSnapshot(liveSource,
                new SnapshotOptions(Duration.ofSeconds(10), tempDirectory));
        boolean handedOver = false;
        try {
            if (!snapshot.readsPages()) {
                return Optional.empty();
            }
            SqliteStreamingPreview preview = new SqliteStreamingPreview(manifest, snapshot, livePath);
            if (!preview.planMerges()) {
                return Optional.empty();
            }
            handedOver = true;
            return Optional.of(preview);
        } finally {
            if (!handedOver) {
                snapshot.close();
            }
        }
    }

    /** One merge per backup table that exists live; false if any cannot be merged by rowid. */
    private boolean planMerges() throws SQLException {
        Map<String, List<String>> declared = SqliteStaging.liveSchemaOf(livePath);
        Map<String, TableModel> liveTables = new HashMap<>();
        live.schema().tables().forEach(t -> liveTables.put(t.name(), t));
        Map<String, String> liveSql = new HashMap<>();
        for (SchemaStatement statement : live.schema().preData()) {
            if (statement.type() == SchemaStatement.Type.TABLE) {
                liveSql.put(statement.name(), statement.sql());
            }
        }
        Map<String, String> backupSql = new HashMap<>();
        for (SchemaObject object : manifest.schema()) {
            if (object.type() == SchemaStatement.Type.TABLE) {
                backupSql.put(object.name(), object.sql());
            }
        }
        for (TableSummary t : manifest.tables()) {
            TableModel table = liveTables.get(t.name());
            if (table == null) {
                if (liveSql.containsKey(t.name())) {
                    return false; // live but not a table this reader lists (a shadow table, say)
                }
                continue; // not live: every row is added
            }
            String sql = backupSql.get(t.name());
            if (sql == null || !sql.equals(liveSql.get(t.name())) || table.kind() != TableModel.Kind.TABLE
                    || !table.columns().stream().map(ColumnModel::name).toList().equals(t.columns())) {
                return false;
            }
            Optional<SqliteTableLayout> layout = live.isRowidTable(t.name())
                    ? SqliteTableLayout.of(live.connection(), table) : Optional.empty();
            int key = -1;
            for (int i = 0; layout.isPresent() && i < layout.get().fields().length; i++) {
                if (layout.get().fields()[i] == -1) {
                    key = i;
                    break;
                }
            }
            // Rows are matched by primary key, as the staging's comparison does. Merged in one pass
            // when the key is the rowid (an INTEGER PRIMARY KEY, or none at all); other keys
            // (WITHOUT ROWID tables, a TEXT PRIMARY KEY) only for small tables, by a hash per row.
            boolean keyedByRowid = key >= 0 && (t.primaryKey().isEmpty()
                    || t.primaryKey().equals(List.of(t.columns().get(key))));
            if (keyedByRowid) {
                merges.put(t.name(), new RowidMerge(t, table, key));
            } else if (!t.primaryKey().isEmpty() && t.rows() <= SMALL_TABLE_ROWS
                    && !sql.toUpperCase(java.util.Locale.ROOT).contains("COLLATE")
                    && live.countRows(table) <= SMALL_TABLE_ROWS) {
                merges.put(t.name(), new SmallTableCompare(t, table, declared.getOrDefault(t.name(), List.of())));
            } else {
                return false;
            }
        }
        return true;
    }

    /** The most rows a table not keyed by rowid may have for the streaming preview (hashes in memory). */
    static final int SMALL_TABLE_ROWS = 10_000;

    @Override
    public void load(ManifestEntry entry, InputStream content) throws Exception {
        if (entry.kind() == ManifestEntry.Kind.SCHEMA || entry.kind() == ManifestEntry.Kind.POST_DATA) {
            // Nothing runs here, but the entry must say what the validated manifest says, as a
            // restore requires: a preview must not pass an archive that its restore would refuse.
            SqliteStaging.requireSameSchema(manifest, entry, content);
            return;
        }
        if (entry.kind() == ManifestEntry.Kind.FINISH) {
            new SqliteFinishParser(entry.name()).parse(content); // refused here as a restore would refuse it
            return;
        }
        if (entry.kind() != ManifestEntry.Kind.DATA) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' has unknown kind " + entry.kind());
        }
        Comparison merge = merges.get(entry.table());
        if (current != null && current != merge) {
            current.finish(); // its entries are over: one live reader at a time
        }
        current = merge;
        SqliteInsertParser parser = new SqliteInsertParser(columns, entry.name()).textAsBytes();
        parser.parse(content, (table, names, values) -> {
            if (!table.equals(entry.table())) {
                throw new InvalidArchiveException("entry '" + entry.name() + "' holds rows of table '" + table
                        + "', not of '" + entry.table() + "'");
            }
            if (merge == null) {
                added(table);
            } else {
                merge.backupRow(names, values);
            }
        });
    }

    private final Map<String, long[]> addedOnly = new HashMap<>();
    private Comparison current;

    private void added(String table) {
        addedOnly.computeIfAbsent(table, k -> new long[1])[0]++;
    }

    @Override
    public List<TablePreview> finish() throws Exception {
        List<TablePreview> previews = new ArrayList<>();
        for (TableSummary t : manifest.tables()) {
            Comparison merge = merges.get(t.name());
            long backupRows = merge != null ? merge.backupRows() : addedOnly.getOrDefault(t.name(), new long[1])[0];
            if (backupRows != t.rows()) {
                throw new InvalidArchiveException("table '" + t.name() + "' has " + backupRows
                        + " rows in its data entries; the manifest says " + t.rows());
            }
            if (merge == null) {
                previews.add(new TablePreview(t.name(), t.rows(), 0, 0, 0, t.rows()));
            } else {
                previews.add(merge.finish());
            }
        }
        for (TableModel table : live.schema().tables()) {
            if (!columns.containsKey(table.name())) {
                long rows = live.countRows(table);
                previews.add(new TablePreview(table.name(), 0, rows, rows, 0, 0));
            }
        }
        return previews;
    }

    @Override
    public Map<String, List<String>> liveSchema() throws SQLException {
        return SqliteStaging.liveSchemaOf(livePath);
    }

    @Override
    public String liveSchemaVersion() throws SQLException {
        return SqliteStaging.liveSchemaVersionOf(livePath);
    }

    @Override
    public void close() throws Exception {
        try {
            for (Comparison merge : merges.values()) {
                merge.close();
            }
        } finally {
            try {
                if (quoterConnection != null) {
                    quoterConnection.close();
                }
            } finally {
                live.close();
            }
        }
    }

    /**
     * A table's live rows, read and rendered on their own thread from the snapshot's pages and
     * handed over in batches, so that reading the live side overlaps parsing the archive. Only one
     * is open at a time: the snapshot's connection is used by one thread.
     */
    private final class LiveRows {
        private static final int BATCH = 512;
        private final java.util.concurrent.ArrayBlockingQueue<byte[][]> batches =
                new java.util.concurrent.ArrayBlockingQueue<>(8);
        private final Thread thread;
        private volatile boolean stop;
        private volatile Exception failure;
        private byte[][] batch = new byte[0][];
        private int next;
        private boolean ended;

        LiveRows(TableModel table) {
            thread = new Thread(() -> {
                try (RowCursor cursor = live.openRows(table, Set.of())) {
                    int n = table.columns().size();
                    byte[][] filling = new byte[BATCH][];
                    int count = 0;
                    while (!stop && cursor.next()) {
                        filling[count++] = cursor.literals(0, n);
                        if (count == BATCH) {
                            batches.put(filling);
                            filling = new byte[BATCH][];
                            count = 0;
                        }
                    }
                    if (count > 0) {
                        batches.put(java.util.Arrays.copyOf(filling, count));
                    }
                } catch (Exception e) {
                    failure = e;
                } finally {
                    try {
                        batches.put(new byte[0][]); // the end
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, "backupkit-preview-live-" + table.name());
            thread.setDaemon(true);
            thread.start();
        }

        /** The next live row's literals, or null after the last. */
        byte[] next() throws SQLException {
            while (next == batch.length) {
                if (ended) {
                    return null;
                }
                try {
                    batch = batches.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new SQLException("the preview was interrupted", e);
                }
                next = 0;
                if (batch.length == 0) {
                    ended = true;
                    if (failure != null) {
                        throw failure instanceof SQLException sql ? sql
                                : new SQLException("reading the live rows failed: " + failure.getMessage(), failure);
                    }
                    return null;
                }
            }
            return batch[next++];
        }

        /** Stops the thread and waits for it (its cursor must close before the next one opens). */
        void close() {
            stop = true;
            while (thread.isAlive()) {
                batches.clear(); // unblock a put
                try {
                    thread.join(10);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The comparison of one table: archive rows fed in order, then the live rest. */
    private interface Comparison {
        void backupRow(List<String> names, Object[] values) throws Exception;

        long backupRows();

        /** Reads what is left of the live table and gives the table's preview. */
        TablePreview finish() throws Exception;

        void close() throws SQLException;
    }

    /** Parsed values in a manifest's column order, whatever order the archive's statements name them in. */
    private static final class ColumnOrder {
        private final List<String> manifest;
        private List<String> order;
        private int[] toManifest;
        private Object[] reordered;

        ColumnOrder(List<String> manifest) {
            this.manifest = manifest;
        }

        Object[] apply(List<String> names, Object[] values) {
            if (names != order) {
                order = names;
                toManifest = null;
                if (!names.equals(manifest)) {
                    toManifest = new int[manifest.size()];
                    java.util.Arrays.fill(toManifest, -1);
                    for (int i = 0; i < names.size(); i++) {
                        toManifest[manifest.indexOf(names.get(i))] = i;
                    }
                    reordered = new Object[manifest.size()];
                }
            }
            if (toManifest == null) {
                return values;
            }
            for (int i = 0; i < toManifest.length; i++) {
                reordered[i] = toManifest[i] < 0 ? null : values[toManifest[i]];
            }
            return reordered;
        }
    }

    private SqliteRecordLiterals renderer(TableModel table) {
        boolean[] negativeZero = new boolean[table.columns().size()];
        for (int i = 0; i < negativeZero.length; i++) {
            negativeZero[i] = SqliteSnapshot.mayHoldNegativeZero(table.columns().get(i).declaredType());
        }
        return new SqliteRecordLiterals(negativeZero, this::quoteReal);
    }

    /** SQLite's {@code quote()} on a connection of its own: the snapshot's belongs to the live reader thread. */
    private byte[] quoteReal(double d) throws SQLException {
        if (quoter == null) {
            quoterConnection = java.sql.DriverManager.getConnection("jdbc:sqlite::memory:");
            quoter = quoterConnection.prepareStatement("SELECT quote(?)");
        }
        quoter.setDouble(1, d);
        try (var rs = quoter.executeQuery()) {
            rs.next();
            return rs.getBytes(1);
        }
    }

    private java.sql.Connection quoterConnection;
    private java.sql.PreparedStatement quoter;

    /**
     * A small table keyed otherwise than by rowid: the archive's rows are kept as key and SHA-256
     * of their literals (at most {@value #SMALL_TABLE_ROWS}), then the live rows are looked up.
     */
    private final class SmallTableCompare implements Comparison {
        private final TableSummary summary;
        private final TableModel table;
        private final int[] keyColumns;
        private final SqliteRecordLiterals renderer;
        private final ColumnOrder order;
        private final boolean[] compared;
        private final Map<String, byte[]> backup = new HashMap<>();
        private long backupRows;

        /**
         * @param declared the table's own columns: a rowid the backup added (a table keyed
         *                 otherwise keeps its rowid) changes on every upsert and is not compared
         */
        SmallTableCompare(TableSummary summary, TableModel table, List<String> declared) {
            this.summary = summary;
            this.table = table;
            this.keyColumns = summary.primaryKey().stream().mapToInt(summary.columns()::indexOf).toArray();
            this.renderer = renderer(table);
            this.order = new ColumnOrder(summary.columns());
            this.compared = new boolean[summary.columns().size()];
            for (int i = 0; i < compared.length; i++) {
                compared[i] = declared.contains(summary.columns().get(i));
            }
        }

        @Override
        public void backupRow(List<String> names, Object[] values) throws Exception {
            if (++backupRows > SMALL_TABLE_ROWS) {
                throw new InvalidArchiveException("table '" + summary.name() + "' has more rows in its data entries"
                        + " than the manifest's " + summary.rows());
            }
            byte[] row = renderer.renderValues(order.apply(names, values));
            int[] starts = starts(row);
            if (backup.put(key(row, starts), hash(row, starts)) != null) {
                throw new InvalidArchiveException("table '" + summary.name() + "': two rows of the archive have the"
                        + " same primary key");
            }
        }

        @Override
        public long backupRows() {
            return backupRows;
        }

        private TablePreview result;

        @Override
        public TablePreview finish() throws SQLException {
            if (result != null) {
                return result;
            }
            long liveRows = 0;
            long lost = 0;
            long changed = 0;
            try (RowCursor cursor = live.openRows(table, Set.of())) {
                while (cursor.next()) {
                    liveRows++;
                    byte[] row = cursor.literals(0, table.columns().size());
                    int[] starts = starts(row);
                    byte[] hash = backup.remove(key(row, starts));
                    if (hash == null) {
                        lost++;
                    } else if (!java.util.Arrays.equals(hash, hash(row, starts))) {
                        changed++;
                    }
                }
            }
            result = new TablePreview(summary.name(), summary.rows(), liveRows, lost, changed, backup.size());
            backup.clear();
            return result;
        }

        /** Where each column's literal starts in a rendered row, and one past the end. */
        private int[] starts(byte[] row) {
            int[] starts = new int[table.columns().size() + 1];
            int p = 0;
            for (int c = 0; c < starts.length - 1; c++) {
                starts[c] = p;
                p = skipLiteral(row, p) + 1;
            }
            starts[starts.length - 1] = p;
            return starts;
        }

        /** The key's literals, joined by NUL (which no literal holds: TEXT with NUL is written in hex). */
        private String key(byte[] row, int[] starts) {
            StringBuilder key = new StringBuilder();
            for (int k : keyColumns) {
                key.append(new String(row, starts[k], Math.max(0, starts[k + 1] - 1 - starts[k]),
                        java.nio.charset.StandardCharsets.ISO_8859_1)).append('\0');
            }
            return key.toString();
        }

        /** SHA-256 of the compared columns' literals. */
        private byte[] hash(byte[] row, int[] starts) {
            java.security.MessageDigest digest;
            try {
                digest = java.security.MessageDigest.getInstance("SHA-256");
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
            for (int c = 0; c < compared.length; c++) {
                if (compared[c]) {
                    digest.update(row, starts[c], Math.max(0, Math.min(row.length, starts[c + 1]) - starts[c]));
                    digest.update((byte) 0);
                }
            }
            return digest.digest();
        }

        @Override
        public void close() {
            backup.clear();
        }
    }

    /** The merge of a table keyed by rowid: the live cursor, one row ahead, and the counts. */
    private final class RowidMerge implements Comparison {
        private final TableSummary summary;
        private final TableModel table;
        private final int key;
        private final SqliteRecordLiterals renderer;
        private LiveRows rows;
        private boolean liveDone;
        private long liveKey;
        private byte[] liveRow;
        private long lastBackupKey = Long.MIN_VALUE;
        private boolean anyBackupRow;
        private final ColumnOrder order;
        private long backupRows;
        private long liveRows;
        private long lost;
        private long changed;
        private long added;

        RowidMerge(TableSummary summary, TableModel table, int key) {
            this.summary = summary;
            this.table = table;
            this.key = key;
            this.renderer = renderer(table);
            this.order = new ColumnOrder(summary.columns());
        }

        @Override
        public long backupRows() {
            return backupRows;
        }

        @Override
        public void backupRow(List<String> names, Object[] values) throws Exception {
            Object[] row = order.apply(names, values);
            if (!(row[key] instanceof Long rowid)) {
                throw new InvalidArchiveException("table '" + summary.name() + "': a row's rowid ("
                        + summary.columns().get(key) + ") is not an integer");
            }
            if (anyBackupRow && rowid <= lastBackupKey) {
                throw new InvalidArchiveException("table '" + summary.name() + "': the archive's rows are not in"
                        + " rowid order (" + rowid + " after " + lastBackupKey + ")");
            }
            anyBackupRow = true;
            lastBackupKey = rowid;
            backupRows++;
            byte[] rendered = renderer.renderValues(row);
            advanceLiveTo(rowid);
            if (!liveDone && liveKey == rowid) {
                if (!java.util.Arrays.equals(rendered, liveRow)) {
                    changed++;
                }
                nextLive();
            } else {
                added++;
            }
        }

        private void advanceLiveTo(long rowid) throws SQLException {
            if (rows == null) {
                rows = new LiveRows(table);
                nextLive();
            }
            while (!liveDone && liveKey < rowid) {
                lost++;
                nextLive();
            }
        }

        private void nextLive() throws SQLException {
            byte[] row = rows.next();
            if (row == null) {
                liveDone = true;
                return;
            }
            liveRows++;
            liveRow = row;
            liveKey = integerAt(liveRow, key);
        }

        /** Every live row the archive did not reach is lost. */
        @Override
        public TablePreview finish() throws SQLException {
            if (result == null) {
                advanceLiveTo(Long.MIN_VALUE);
                while (!liveDone) {
                    lost++;
                    nextLive();
                }
                rows.close();
                result = new TablePreview(summary.name(), summary.rows(), liveRows, lost, changed, added);
            }
            return result;
        }

        private TablePreview result;

        @Override
        public void close() throws SQLException {
            if (rows != null) {
                rows.close();
            }
        }

        /** The integer literal at position {@code index} of a rendered row. */
        private long integerAt(byte[] row, int index) throws SQLException {
            int p = 0;
            for (int i = 0; i < index; i++) {
                p = SqliteStreamingPreview.skipLiteral(row, p) + 1;
            }
            int end = SqliteStreamingPreview.skipLiteral(row, p);
            try {
                return Long.parseLong(new String(row, p, end - p, java.nio.charset.StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new SQLException("table " + summary.name() + ": a live row's rowid is not an integer");
            }
        }
    }

    /**
     * The end of the literal starting at {@code p} in a rendered row (the index of the comma after
     * it, or the row's length): {@code '...'} with doubled quotes, {@code X'..'},
     * {@code CAST(X'..' AS TEXT)}, or a bare word or number.
     */
    static int skipLiteral(byte[] row, int p) {
        int n = row.length;
        if (p < n && row[p] == '\'') {
            p++;
            while (p < n) {
                if (row[p] == '\'') {
                    if (p + 1 < n && row[p + 1] == '\'') {
                        p += 2;
                        continue;
                    }
                    return p + 1;
                }
                p++;
            }
            return n;
        }
        while (p < n && row[p] != ',') {
            if (row[p] == '\'') {
                // X'..' or CAST(X'..' AS TEXT): hex, no comma inside the quotes
                p++;
                while (p < n && row[p] != '\'') {
                    p++;
                }
            }
            p++;
        }
        return Math.min(p, n);
    }
}
