package io.backupkit.dialect.sqlite;

import io.backupkit.SnapshotException;
import io.backupkit.spi.DatabaseInfo;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotOptions;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;
import org.sqlite.SQLiteConfig;

/**
 * The SQLite dialect.
 *
 * <p>In WAL mode a backup reads inside one read transaction on a connection borrowed from the
 * application's pool: writers are never blocked and the backup is one point in time. In
 * rollback-journal mode a read transaction would block every writer for the whole backup, so the
 * database is first copied with {@code VACUUM INTO} (one short read lock) and the backup reads the
 * copy; the manifest and the log then advise switching to WAL.
 *
 * <pre>{@code
 * BackupService service = BackupService.builder()
 *     .dataSource(dataSource)
 *     .dialect(new SqliteDialect())   // optional: discovered from the connection otherwise
 *     .store(LocalFolderStore.at(Path.of("backups")))
 *     .build();
 * }</pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class SqliteDialect implements Dialect {

    private static final String COPY_PREFIX = "backupkit-snapshot-";

    private final boolean readPages;

    /**
     * Creates the dialect. Rows of ordinary tables are read straight from the snapshot's pages
     * (the database file and the WAL frames of the snapshot, inside its read transaction) and
     * rendered in Java, which is about three times cheaper than asking SQLite to render each value;
     * see {@link #readingThroughSql()}.
     */
    public SqliteDialect() {
        this(true);
    }

    private SqliteDialect(boolean readPages) {
        this.readPages = readPages;
    }

    /**
     * A dialect that reads every row through SQL ({@code quote()} for each value), as SQLite's own
     * API sees it: slower, but it never opens the database file itself. Use it when the database
     * sits behind a VFS that changes the bytes on disk (encryption, compression) that the page
     * reader cannot detect, or to rule the page reader out. Both give the same archive bytes.
     */
    public static SqliteDialect readingThroughSql() {
        return new SqliteDialect(false);
    }

    @Override
    public String name() {
        return "sqlite";
    }

    @Override
    public boolean supports(DatabaseInfo database) {
        return database.productName().equalsIgnoreCase("SQLite") || database.url().startsWith("jdbc:sqlite:");
    }

    @Override
    public byte[] literal(Object value) {
        return SqliteLiterals.literal(value);
    }

    @Override
    public String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    @Override
    public java.util.Optional<io.backupkit.spi.Restorer> restorer() {
        return java.util.Optional.of(new SqliteRestorer(readPages));
    }

    @Override
    public String scriptPrologue() {
        return "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n";
    }

    @Override
    public String scriptEpilogue() {
        return "COMMIT;\n";
    }

    @Override
    public Snapshot openSnapshot(DataSource dataSource, SnapshotOptions options) throws Exception {
        return openSnapshot(dataSource, options, true);
    }

    /**
     * A snapshot of a WAL-mode database, read in place; null for a database in another journal
     * mode, which is left alone (no copy is made).
     */
    SqliteSnapshot openWalSnapshot(DataSource dataSource, SnapshotOptions options) throws Exception {
        return (SqliteSnapshot) openSnapshot(dataSource, options, false);
    }

    private Snapshot openSnapshot(DataSource dataSource, SnapshotOptions options, boolean copyIfNotWal)
            throws Exception {
        Duration lockTimeout = options.lockTimeout();
        Connection connection = dataSource.getConnection();
        String path = "(unknown)";
        Integer previousTimeout = null;
        try {
            path = databasePath(connection);
            previousTimeout = queryInt(connection, "PRAGMA busy_timeout");
            setBusyTimeout(connection, lockTimeout);
            String journalMode = queryString(connection, "PRAGMA journal_mode").toLowerCase(Locale.ROOT);
            if (journalMode.equals("wal")) {
                // An explicit DEFERRED transaction, whatever transaction mode the application's pool
                // configured: IMMEDIATE would take the write lock and block writers for the whole backup.
                Connection reader = connection;
                SqlitePageSource pages = SqlitePageSource.beginReading(connection, readPages ? path : null, true,
                        SqliteFileAccess.SHARED, () -> {
                    execute(reader, "BEGIN DEFERRED");
                    // The first read starts the snapshot; everything after sees this point in time.
                    queryInt(reader, "SELECT count(*) FROM sqlite_schema");
                }, () -> execute(reader, "ROLLBACK"));
                Instant snapshotAt = Instant.now();
                Connection borrowed = connection;
                int restoreTimeout = previousTimeout;
                return new SqliteSnapshot(connection, snapshotAt, journalMode, List.of(), pages, () -> {
                    try {
                        execute(borrowed, "ROLLBACK");
                        setBusyTimeout(borrowed, Duration.ofMillis(restoreTimeout));
                    } finally {
                        borrowed.close();
                    }
                });
            }
            if (!copyIfNotWal) {
                restoreAndClose(connection, previousTimeout);
                return null;
            }
            return copyThenSnapshot(connection, path, journalMode, options.tempDirectory(), previousTimeout);
        } catch (SQLException e) {
            restoreAndClose(connection, previousTimeout);
            throw translate(e, path, lockTimeout);
        } catch (Exception | Error e) {
            restoreAndClose(connection, previousTimeout);
            throw e;
        }
    }

    private Snapshot copyThenSnapshot(Connection connection, String path, String journalMode, Path tempDirectory,
                                      int previousTimeout) throws Exception {
        Files.createDirectories(tempDirectory);
        deleteAbandonedCopies(tempDirectory);
        // The process id in the name lets a later backup recognise the copy of one that crashed.
        Path copy = Files.createTempFile(tempDirectory, COPY_PREFIX + ProcessHandle.current().pid() + "-", ".db");
        boolean handedOver = false;
        try {
            try (var vacuum = connection.prepareStatement("VACUUM INTO ?")) {
                vacuum.setString(1, copy.toString());
                vacuum.execute();
            }
            Instant snapshotAt = Instant.now();
            restoreAndClose(connection, previousTimeout);
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(true);
            Connection copyConnection = DriverManager.getConnection("jdbc:sqlite:" + copy, config.toProperties());
            String warning = "the database " + path + " is in journal_mode=" + journalMode + ", not WAL: the backup "
                    + "copied it under a short read lock that blocked writers meanwhile. Switch with "
                    + "PRAGMA journal_mode=WAL so backups never block writers.";
            List<String> warnings = new ArrayList<>(List.of(warning));
            // Nobody else opens the copy, so its file is the snapshot's pages as they are.
            SqlitePageSource pages = null;
            try {
                pages = !readPages ? null : SqlitePageSource.ofQuiescentFile(copy,
                        queryInt(copyConnection, "PRAGMA page_size"), SqliteFileAccess.PRIVATE).orElse(null);
            } catch (java.io.IOException e) {
                // SQL reads the same rows.
            }
            SqliteSnapshot snapshot;
            try {
                snapshot = new SqliteSnapshot(copyConnection, snapshotAt, journalMode, warnings, pages, () -> {
                    try {
                        copyConnection.close();
                    } finally {
                        deleteCopy(copy);
                    }
                });
            } catch (SQLException | RuntimeException e) {
                copyConnection.close(); // the snapshot closed its pages; the copy is deleted below
                throw e;
            }
            handedOver = true;
            return snapshot;
        } finally {
            if (!handedOver) {
                deleteCopy(copy);
            }
        }
    }

    /**
     * Deletes snapshot copies left by backups whose process died (killed, power cut) before it could
     * delete them: each is a full copy of a database, which must not linger in a temp directory.
     * Copies of live processes, this one included, are left alone.
     */
    static void deleteAbandonedCopies(Path tempDirectory) {
        try (DirectoryStream<Path> copies = Files.newDirectoryStream(tempDirectory, COPY_PREFIX + "*")) {
            for (Path copy : copies) {
                String rest = copy.getFileName().toString().substring(COPY_PREFIX.length());
                int dash = rest.indexOf('-');
                long pid;
                try {
                    pid = dash > 0 ? Long.parseLong(rest.substring(0, dash)) : -1;
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                if (pid > 0 && !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    Files.deleteIfExists(copy);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // Best effort: the next backup tries again, and this one does not depend on it.
        }
    }

    private static void deleteCopy(Path copy) throws java.io.IOException {
        Files.deleteIfExists(copy);
        Files.deleteIfExists(Path.of(copy + "-journal"));
        Files.deleteIfExists(Path.of(copy + "-wal"));
        Files.deleteIfExists(Path.of(copy + "-shm"));
    }

    private static void restoreAndClose(Connection connection, Integer previousTimeout) {
        try {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            } else {
                try {
                    execute(connection, "ROLLBACK");
                } catch (SQLException noTransaction) {
                    // there was none
                }
            }
            if (previousTimeout != null) {
                setBusyTimeout(connection, Duration.ofMillis(previousTimeout));
            }
        } catch (SQLException ignored) {
            // the connection is returned to its pool anyway; the pool validates it
        } finally {
            try {
                connection.close();
            } catch (SQLException ignored) {
                // nothing more to release
            }
        }
    }

    private static SnapshotException translate(SQLException e, String path, Duration lockTimeout) {
        int code = e.getErrorCode() & 0xff;
        String message;
        switch (code) {
            case 26: // SQLITE_NOTADB
                message = "'" + path + "' is not a SQLite database (SQLITE_NOTADB)";
                break;
            case 5: // SQLITE_BUSY
            case 6: // SQLITE_LOCKED
                message = "the SQLite database " + path + " stayed locked for more than " + lockTimeout.toMillis()
                        + " ms (another connection holds a write lock); try again or raise lockTimeout";
                break;
            case 14: // SQLITE_CANTOPEN
                message = "cannot open the SQLite database " + path + " (SQLITE_CANTOPEN)";
                break;
            case 11: // SQLITE_CORRUPT
                message = "the SQLite database " + path + " is corrupt (SQLITE_CORRUPT)";
                break;
            default:
                message = "reading the SQLite database " + path + " failed: " + e.getMessage();
        }
        return new SnapshotException(message, e);
    }

    static SnapshotException translate(SQLException e, String path, String table) {
        SnapshotException translated = translate(e, path, Duration.ZERO);
        if (table == null) {
            return translated;
        }
        return new SnapshotException(translated.getMessage() + " (table '" + table + "')", e);
    }

    private static void setBusyTimeout(Connection connection, Duration timeout) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        }
    }

    private static String databasePath(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA database_list")) {
            while (rs.next()) {
                if ("main".equals(rs.getString("name"))) {
                    String file = rs.getString("file");
                    return file == null || file.isEmpty() ? ":memory:" : file;
                }
            }
        }
        return "(unknown)";
    }

    static void execute(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    static int queryInt(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    static long queryLong(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    static String queryString(Connection connection, String sql) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? String.valueOf(rs.getString(1)) : "";
        }
    }
}
