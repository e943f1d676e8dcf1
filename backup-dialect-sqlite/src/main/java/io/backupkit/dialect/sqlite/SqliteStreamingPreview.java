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
import io.backupkit.spi.StreamingPreview.Unsuitable;
import io.backupkit.spi.TableModel;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
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
 * <p>It is offered only when every table can be compared so: the live database is in WAL mode and
 * read from its pages, and each table the backup has is, live, the same table (the same {@code
 * CREATE TABLE} text, no collation, not STRICT) keyed by its rowid or an {@code INTEGER PRIMARY
 * KEY}, or a small table with a NOT NULL key (compared by a hash per row). An archive that turns out
 * not to suit it throws {@link Unsuitable}, and the preview stages the archive instead. "Changed"
 * means a value differs as SQL's {@code IS} sees it: numbers by exact value. Constraint checks
 * (NOT NULL, CHECK, UNIQUE) are left to the restore. See docs/restore.md.
 */
final class SqliteStreamingPreview implements StreamingPreview {

    private final BackupManifest manifest;
    private final SqliteSnapshot live;
    private final Map<String, Comparison> merges = new LinkedHashMap<>();
    private final Map<String, List<String>> columns = new HashMap<>();

    private SqliteStreamingPreview(BackupManifest manifest, SqliteSnapshot live) {
        this.manifest = manifest;
        this.live = live;
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
        // WAL mode only: in rollback-journal mode a snapshot would copy the whole database first.
        SqliteSnapshot snapshot = new SqliteDialect().openWalSnapshot(liveSource,
                new SnapshotOptions(Duration.ofSeconds(10), tempDirectory));
        if (snapshot == null) {
            return Optional.empty();
        }
        boolean handedOver = false;
        try {
            if (!snapshot.readsPages()) {
                return Optional.empty();
            }
            SqliteStreamingPreview preview = new SqliteStreamingPreview(manifest, snapshot);
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

    /** One comparison per backup table that exists live; false if any cannot be compared here. */
    private boolean planMerges() throws SQLException {
        Connection c = live.connection();
        // The same list of live tables as the staging's comparison (no sqlite_ tables, by name).
        liveTables = SqliteStaging.liveTables(c, "main");
        Map<String, TableModel> models = new HashMap<>();
        live.schema().tables().forEach(t -> models.put(t.name(), t));
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
            if (!liveTables.contains(t.name())) {
                continue; // not live: every row is added
            }
            TableModel table = models.get(t.name());
            String sql = backupSql.get(t.name());
            // Same table, same columns, and no collation: equal values are then equal literals
            // (numbers aside, see sameValues), as SQL's IS compares them.
            if (table == null || sql == null || !sql.equals(liveSql.get(t.name())) || table.kind() != TableModel.Kind.TABLE
                    || !table.columns().stream().map(ColumnModel::name).toList().equals(t.columns())
                    || sql.toUpperCase(java.util.Locale.ROOT).contains("COLLATE")
                    || sql.toUpperCase(java.util.Locale.ROOT).matches("(?s).*\\)\\s*(WITHOUT\\s+ROWID\\s*,\\s*)?STRICT\\b.*")) {
                // STRICT tables refuse values of the wrong type at restore: the staging checks them
                return false;
            }
            List<String> declared = SqliteStaging.declaredColumns(c, t.name());
            Optional<SqliteTableLayout> layout = live.isRowidTable(t.name())
                    ? SqliteTableLayout.of(c, table) : Optional.empty();
            int key = -1;
            for (int i = 0; layout.isPresent() && i < layout.get().fields().length; i++) {
                if (layout.get().fields()[i] == -1) {
                    key = i;
                    break;
                }
            }
            // Rows are matched by primary key, as the staging's comparison does. Merged in one pass
            // when the key is the rowid (an INTEGER PRIMARY KEY, or none at all); other keys
            // (WITHOUT ROWID tables, a TEXT PRIMARY KEY NOT NULL) only for small tables, by a hash
            // per row.
            boolean keyedByRowid = key >= 0 && (t.primaryKey().isEmpty()
                    || t.primaryKey().equals(List.of(t.columns().get(key))));
            if (keyedByRowid) {
                merges.put(t.name(), new RowidMerge(t, table, key, declared));
            } else if (!t.primaryKey().isEmpty() && t.rows() <= SMALL_TABLE_ROWS
                    && (!live.isRowidTable(t.name()) || keyNotNull(c, t))
                    && live.countRows(table) <= SMALL_TABLE_ROWS) {
                merges.put(t.name(), new SmallTableCompare(t, table, declared));
            } else {
                return false;
            }
        }
        return true;
    }

    private List<String> liveTables;

    /** Whether every key column is NOT NULL (a rowid table's key may otherwise hold NULL twice). */
    private static boolean keyNotNull(Connection c, TableSummary t) throws SQLException {
        try (var ps = c.prepareStatement("SELECT name, \"notnull\" FROM pragma_table_info(?)")) {
            ps.setString(1, t.name());
            Map<String, Boolean> notNull = new HashMap<>();
            try (var rs = ps.executeQuery()) {
                while (rs.next()) {
                    notNull.put(rs.getString(1), rs.getInt(2) != 0);
                }
            }
            return t.primaryKey().stream().allMatch(k -> notNull.getOrDefault(k, false));
        }
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
            SqliteFinishParser.Finish finish = new SqliteFinishParser(entry.name()).parse(content);
            String recorded = manifest.source().properties().get("user_version");
            if (!columns.keySet().containsAll(finish.sequences().keySet())
                    || (recorded != null && !recorded.equals(String.valueOf(finish.userVersion())))) {
                throw new Unsuitable("the finish entry does not match the manifest"); // the staging says how
            }
            return;
        }
        if (entry.kind() != ManifestEntry.Kind.DATA) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' has unknown kind " + entry.kind());
        }
        Comparison merge = merges.get(entry.table());
        if (current != null && current != merge) {
            current.finish(); // its entries are over: one live reader at a time
        }
        if (merge != null && merge.finished()) {
            throw new Unsuitable("the entries of table '" + entry.table() + "' are not consecutive");
        }
        current = merge;
        SqliteInsertParser parser = new SqliteInsertParser(columns, entry.name()).textAsBytes();
        long rows = parser.parse(content, (table, names, values) -> {
            if (!table.equals(entry.table())) {
                throw new InvalidArchiveException("entry '" + entry.name() + "' holds rows of table '" + table
                        + "' but the manifest says it belongs to '" + entry.table() + "'");
            }
            if (merge == null) {
                added(table);
            } else {
                merge.backupRow(names, values);
            }
        });
        if (rows != entry.rows()) {
            throw new InvalidArchiveException("entry '" + entry.name() + "' holds " + rows + " rows; the manifest says "
                    + entry.rows());
        }
    }

    private final Map<String, long[]> addedOnly = new HashMap<>();
    private Comparison current;

    private void added(String table) {
        addedOnly.computeIfAbsent(table, k -> new long[1])[0]++;
    }

    @Override
    public List<TablePreview> finish() throws Exception {
        if (current != null) {
            current.finish(); // its reader stops before any other table's starts
        }
        List<TablePreview> previews = new ArrayList<>();
        for (TableSummary t : manifest.tables()) {
            Comparison merge = merges.get(t.name());
            long backupRows = merge != null ? merge.backupRows : addedOnly.getOrDefault(t.name(), new long[1])[0];
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
        for (String table : liveTables) {
            if (!columns.containsKey(table)) {
                long rows = SqliteDialect.queryLong(live.connection(), "SELECT count(*) FROM " + SqliteSnapshot.quote(table));
                previews.add(new TablePreview(table, 0, rows, rows, 0, 0));
            }
        }
        return previews;
    }

    @Override
    public Map<String, List<String>> liveSchema() throws SQLException {
        Map<String, List<String>> schema = new LinkedHashMap<>();
        for (String table : liveTables) {
            schema.put(table, SqliteStaging.declaredColumns(live.connection(), table));
        }
        return schema;
    }

    @Override
    public String liveSchemaVersion() throws SQLException {
        // As the staging says it: none for a live file without any schema object.
        return SqliteStaging.hasSchema(live.connection())
                ? SqliteDialect.queryString(live.connection(), "PRAGMA user_version") : null;
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
        private volatile Throwable failure;
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
                            hand(filling);
                            filling = new byte[BATCH][];
                            count = 0;
                        }
                    }
                    if (count > 0) {
                        hand(java.util.Arrays.copyOf(filling, count));
                    }
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    hand(new byte[0][]); // the end
                }
            }, "backupkit-preview-live-" + table.name());
            thread.setDaemon(true);
            thread.start();
        }

        /** Queues a batch, unless the reader was told to stop. */
        private void hand(byte[][] rows) {
            while (!stop) {
                try {
                    if (batches.offer(rows, 10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException e) {
                    // nobody interrupts this thread but close(), which sets stop; keep trying until then
                }
            }
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
                                : new SQLException("reading the live rows failed: " + failure, failure);
                    }
                    return null;
                }
            }
            return batch[next++];
        }

        /**
         * Stops the thread and waits for it, interrupted or not: its cursor uses the snapshot's
         * connection, which must not be handed back to the pool while it runs.
         */
        void close() {
            stop = true;
            boolean interrupted = false;
            while (thread.isAlive()) {
                batches.clear();
                try {
                    thread.join(10);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The comparison of one table: archive rows fed in order, then the live rest. Holds what both
     * kinds share: the column order, the affinity check, the renderer and the result.
     */
    private abstract class Comparison {
        final TableSummary summary;
        final TableModel table;
        final SqliteRecordLiterals renderer;
        final boolean[] compared;
        private final ColumnOrder order;
        private final char[] affinity;
        long backupRows;
        TablePreview result;

        /** @param declared the table's own columns (see {@link #compared}) */
        Comparison(TableSummary summary, TableModel table, List<String> declared) {
            this.summary = summary;
            this.table = table;
            this.renderer = renderer(table);
            this.compared = compared(summary, declared);
            this.order = new ColumnOrder(summary.columns());
            this.affinity = affinities(table);
        }

        /** An archive row's values in the manifest's column order, as a restore would store them. */
        Object[] ordered(List<String> names, Object[] values) {
            Object[] row = order.apply(names, values);
            requireStoredAsIs(affinity, row, summary.name());
            return row;
        }

        abstract void backupRow(List<String> names, Object[] values) throws Exception;

        /** Reads what is left of the live table and gives the table's preview (once; then the same). */
        abstract TablePreview finish() throws Exception;

        /** Whether {@link #finish()} has run. */
        final boolean finished() {
            return result != null;
        }

        abstract void close() throws SQLException;
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
                if (names.size() != manifest.size() || !manifest.containsAll(names)) {
                    // Columns left out take their defaults in a restore: only SQL knows them.
                    throw new Unsuitable("an INSERT names other columns than the manifest");
                }
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

    /**
     * Which of a table's columns are compared: its own, not a rowid the backup added (a table keyed
     * otherwise keeps its rowid, which changes on every upsert), as the staging compares them.
     */
    private static boolean[] compared(TableSummary summary, List<String> declared) {
        boolean[] compared = new boolean[summary.columns().size()];
        for (int i = 0; i < compared.length; i++) {
            compared[i] = declared.contains(summary.columns().get(i));
        }
        return compared;
    }

    /**
     * SQLite's column affinity of each column, from its declared type: what a restore's INSERT
     * would convert a value to.
     */
    private static char[] affinities(TableModel table) {
        char[] affinity = new char[table.columns().size()];
        for (int i = 0; i < affinity.length; i++) {
            affinity[i] = SqliteSnapshot.affinity(table.columns().get(i).declaredType());
        }
        return affinity;
    }

    private static final java.util.regex.Pattern NUMERIC_TEXT =
            java.util.regex.Pattern.compile("\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*");

    /**
     * Throws {@link Unsuitable} when a restore's INSERT would store a parsed value in another
     * storage class than it has (TEXT {@code '1'} in an INTEGER column, {@code 5} in a TEXT one):
     * a backup never writes such values, an edited archive may, and only SQL applies the rules.
     */
    private static void requireStoredAsIs(char[] affinity, Object[] values, String table) {
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            boolean converts = switch (affinity[i]) {
                case 'T' -> v instanceof Long || v instanceof Double;
                case 'R' -> v instanceof Long || isNumericText(v);
                case 'I', 'N' -> isNumericText(v) || (v instanceof Double d && d == Math.rint(d)
                        && Math.abs(d) < 0x1p63);
                default -> false;
            };
            if (converts) {
                throw new Unsuitable("table '" + table + "': a value the column's affinity would convert");
            }
        }
    }

    private static boolean isNumericText(Object v) {
        byte[] bytes = v instanceof SqliteText t ? t.bytes()
                : v instanceof String s ? s.getBytes(java.nio.charset.StandardCharsets.UTF_8) : null;
        return bytes != null && bytes.length < 400
                && NUMERIC_TEXT.matcher(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1)).matches();
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
    private final class SmallTableCompare extends Comparison {
        private final int[] keyColumns;
        private final Map<java.nio.ByteBuffer, byte[]> backup = new HashMap<>();

        SmallTableCompare(TableSummary summary, TableModel table, List<String> declared) {
            super(summary, table, declared);
            this.keyColumns = summary.primaryKey().stream().mapToInt(summary.columns()::indexOf).toArray();
        }

        @Override
        void backupRow(List<String> names, Object[] values) throws Exception {
            if (++backupRows > SMALL_TABLE_ROWS) {
                throw new Unsuitable("table '" + summary.name() + "' has more rows than the manifest says");
            }
            byte[] row = renderer.renderValues(ordered(names, values));
            int[] starts = spans(row, table.columns().size());
            if (backup.put(key(row, starts), hash(row, starts)) != null) {
                throw new Unsuitable("table '" + summary.name() + "': two rows have the same key");
            }
        }

        @Override
        TablePreview finish() throws SQLException {
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
                    int[] starts = spans(row, table.columns().size());
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

        /** SHA-256 of the key's literals (numbers in canonical form), each followed by NUL. */
        private java.nio.ByteBuffer key(byte[] row, int[] starts) {
            java.security.MessageDigest digest = sha256();
            for (int k : keyColumns) {
                digest.update(canonical(row, starts[k], starts[k + 1] - 1));
                digest.update((byte) 0);
            }
            return java.nio.ByteBuffer.wrap(digest.digest());
        }

        /** SHA-256 of the compared columns' literals (numbers in canonical form). */
        private byte[] hash(byte[] row, int[] starts) {
            java.security.MessageDigest digest = sha256();
            for (int c = 0; c < compared.length; c++) {
                if (compared[c]) {
                    digest.update(canonical(row, starts[c], starts[c + 1] - 1));
                    digest.update((byte) 0);
                }
            }
            return digest.digest();
        }

        @Override
        void close() {
            backup.clear();
        }
    }

    /** The merge of a table keyed by rowid: the live cursor, one row ahead, and the counts. */
    private final class RowidMerge extends Comparison {
        private final int key;
        private LiveRows rows;
        private boolean liveDone;
        private long liveKey;
        private byte[] liveRow;
        private long lastBackupKey = Long.MIN_VALUE;
        private boolean anyBackupRow;
        private long liveRows;
        private long lost;
        private long changed;
        private long added;

        RowidMerge(TableSummary summary, TableModel table, int key, List<String> declared) {
            super(summary, table, declared);
            this.key = key;
        }

        @Override
        void backupRow(List<String> names, Object[] values) throws Exception {
            Object[] row = ordered(names, values);
            if (!(row[key] instanceof Long rowid)) {
                throw new Unsuitable("table '" + summary.name() + "': a rowid that is not an integer");
            }
            if (anyBackupRow && rowid <= lastBackupKey) {
                throw new Unsuitable("table '" + summary.name() + "': rows out of rowid order");
            }
            anyBackupRow = true;
            lastBackupKey = rowid;
            backupRows++;
            byte[] rendered = renderer.renderValues(row);
            advanceLiveTo(rowid);
            if (!liveDone && liveKey == rowid) {
                if (!java.util.Arrays.equals(rendered, liveRow) && !sameValues(rendered, liveRow, compared)) {
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
        TablePreview finish() throws SQLException {
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

        @Override
        void close() {
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

    /** Where each of {@code columns} literals starts in a rendered row, and one past the end. */
    static int[] spans(byte[] row, int columns) {
        int[] starts = new int[columns + 1];
        int p = 0;
        for (int c = 0; c < columns; c++) {
            starts[c] = p;
            p = skipLiteral(row, p) + 1;
        }
        starts[columns] = Math.max(p, row.length + 1);
        return starts;
    }

    /**
     * Whether two rendered rows hold the same values in the compared columns as SQL's {@code IS}
     * sees them: equal literals, or numbers of equal value ({@code 1} and {@code 1.0}, {@code 0.0}
     * and {@code -0.0}).
     */
    static boolean sameValues(byte[] a, byte[] b, boolean[] compared) {
        int[] as = spans(a, compared.length);
        int[] bs = spans(b, compared.length);
        for (int c = 0; c < compared.length; c++) {
            if (compared[c] && !java.util.Arrays.equals(canonical(a, as[c], as[c + 1] - 1),
                    canonical(b, bs[c], bs[c + 1] - 1))) {
                return false;
            }
        }
        return true;
    }

    /**
     * A literal's bytes, or for a number its exact value in one canonical spelling: an INTEGER's
     * digits, a REAL's exact binary value (what SQLite compares, not the digits {@code quote()}
     * chose), so {@code 1} and {@code 1.0} agree and {@code 1234567890123450000} and the REAL
     * {@code 1.23456789012345e+18} do not.
     */
    static byte[] canonical(byte[] row, int start, int end) {
        end = Math.min(end, row.length);
        if (start < end && (row[start] == '-' || (row[start] >= '0' && row[start] <= '9'))) {
            String number = new String(row, start, end - start, java.nio.charset.StandardCharsets.US_ASCII);
            try {
                java.math.BigDecimal value;
                if (number.indexOf('.') >= 0 || number.indexOf('e') >= 0 || number.indexOf('E') >= 0) {
                    double d = Double.parseDouble(number);
                    if (Double.isInfinite(d)) {
                        return (d < 0 ? "-inf" : "inf").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                    }
                    value = new java.math.BigDecimal(d);
                } else {
                    value = new java.math.BigDecimal(number);
                }
                return (value.signum() == 0 ? "0" : value.stripTrailingZeros().toString())
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            } catch (NumberFormatException e) {
                // not a number after all: compare the bytes
            }
        }
        return java.util.Arrays.copyOfRange(row, start, Math.max(start, end));
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
