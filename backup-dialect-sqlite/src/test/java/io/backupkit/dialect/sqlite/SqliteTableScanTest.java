package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.spi.RowCursor;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotOptions;
import io.backupkit.spi.TableModel;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/**
 * Named cases of the page reader ({@link SqliteTableScan}, {@link SqlitePageSource}); the
 * byte-for-byte equivalence with the SQL path on random tables is {@link PageReaderEquivalenceProperties}.
 */
class SqliteTableScanTest {

    @TempDir
    Path dir;

    @Test
    void rowsCommittedToTheWalButNotCheckpointedAreReadFromTheWal() throws Exception {
        Path db = dir.resolve("wal.db");
        try (Connection writer = SqliteTestTools.connect(db); Statement s = writer.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 2000) "
                    + "INSERT INTO t(v) SELECT 'before ' || value FROM n");
            s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            s.execute("UPDATE t SET v = 'after ' || id WHERE id % 2 = 0");
            s.execute("INSERT INTO t(v) VALUES ('new row')");
            assertThat(Files.size(Path.of(db + "-wal"))).as("the changes are only in the WAL").isPositive();

            List<String> rows = readAll(db, "t");

            assertThat(rows).hasSize(2001);
            assertThat(rows.get(0)).isEqualTo("1,'before 1'");
            assertThat(rows.get(1)).isEqualTo("2,'after 2'");
            assertThat(rows.get(2000)).isEqualTo("2001,'new row'");
        }
    }

    /**
     * Named bug: closing any descriptor of a file drops every POSIX lock the process holds on it,
     * SQLite's included. A page reader that opened and closed the application's database, WAL or
     * wal-index files released the read lock of the application's open transaction, so another
     * process could checkpoint and truncate the WAL under it.
     */
    @Test
    void readingPagesLeavesTheApplicationsLocksInPlace() throws Exception {
        SqliteCli.requireSqlite3();
        Path db = dir.resolve("locks.db");
        try (Connection app = SqliteTestTools.connect(db); Statement s = app.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("PRAGMA wal_autocheckpoint=0");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
            s.execute("INSERT INTO t(v) VALUES ('a'), ('b')");
            // The application holds a read transaction: another process cannot truncate the WAL.
            s.execute("BEGIN");
            s.executeQuery("SELECT count(*) FROM t").close();
            assertThat(checkpointTruncate(db)).as("busy before").startsWith("1|");

            for (int i = 0; i < 3; i++) {
                assertThat(readAll(db, "t")).containsExactly("1,'a'", "2,'b'");
            }

            assertThat(checkpointTruncate(db)).as("still busy after the page reader came and went").startsWith("1|");
            s.execute("COMMIT");
        }
    }

    /**
     * Named bug: a connection in {@code locking_mode=EXCLUSIVE} may keep its wal-index in memory,
     * so a {@code -shm} file left by an earlier crash would describe an old state. Such a
     * connection is read through SQL.
     */
    @Test
    void aConnectionInExclusiveLockingModeIsReadThroughSql() throws Exception {
        Path db = dir.resolve("exclusive.db");
        SqliteTestTools.execute(db, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY)");
        try (Connection c = SqliteTestTools.connect(db); Statement s = c.createStatement()) {
            s.execute("PRAGMA locking_mode=EXCLUSIVE");
            SqlitePageSource pages = SqlitePageSource.beginReading(c, db.toString(), true, SqliteFileAccess.SHARED,
                    () -> s.executeQuery("SELECT count(*) FROM t").close(), () -> { });
            assertThat(pages).isNull();
        }
    }

    @Test
    void aRestoreThatReplacesTheLiveFileLetsGoOfTheOldOne() throws Exception {
        Path live = SqliteTestTools.maintenanceDb(Files.createDirectories(dir.resolve("live")));
        io.backupkit.BackupService service = RestoreTestKit.service(live, dir.resolve("store"),
                Files.createDirectories(dir.resolve("tmp")));
        io.backupkit.BackupManifest backup = service.backup();
        assertThat(SqliteFileAccess.isOpen(live)).as("the backup read the live file's pages").isTrue();
        Object oldFile = Files.readAttributes(live, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        service.restore(backup.id(), io.backupkit.RestoreOptions.builder().build());

        assertThat(Files.readAttributes(live, java.nio.file.attribute.BasicFileAttributes.class).fileKey())
                .as("the restore put another file in place").isNotEqualTo(oldFile);
        assertThat(SqliteFileAccess.isOpen(live)).as("the replaced file is no longer held open").isFalse();
    }

    @Test
    void descriptorsOfDeletedDatabasesAreClosedWhenAnotherIsOpened() throws Exception {
        Path gone = dir.resolve("gone.db");
        SqliteTestTools.execute(gone, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY)",
                "INSERT INTO t VALUES (1)");
        assertThat(readAll(gone, "t")).containsExactly("1");
        assertThat(SqliteFileAccess.isOpen(gone)).isTrue();
        Files.delete(gone);

        Path other = dir.resolve("other.db");
        SqliteTestTools.execute(other, "PRAGMA journal_mode=WAL", "CREATE TABLE t(id INTEGER PRIMARY KEY)");
        assertThat(readAll(other, "t")).isEmpty();

        assertThat(SqliteFileAccess.isOpen(gone)).as("the deleted database's descriptor").isFalse();
        assertThat(SqliteFileAccess.isOpen(other)).isTrue();
    }

    private static String checkpointTruncate(Path db) {
        // busy_timeout prints its value first; the checkpoint's "busy|log|checkpointed" comes last
        List<String> lines = SqliteTestTools.sql(db, "PRAGMA busy_timeout=0; PRAGMA wal_checkpoint(TRUNCATE);").lines();
        return lines.get(lines.size() - 1).strip();
    }

    @Test
    void aCommitRacingTheStartOfTheTransactionIsRetriedAndAWriterThatNeverStopsFallsBackToSql() throws Exception {
        Path db = dir.resolve("race.db");
        try (Connection writer = SqliteTestTools.connect(db); Statement s = writer.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, v INTEGER)");
            s.execute("INSERT INTO t(v) VALUES (0)");
            for (int racingAttempts : new int[] {2, SqlitePageSource.ATTEMPTS}) {
                AtomicInteger attempts = new AtomicInteger();
                try (Connection reader = SqliteTestTools.connect(db)) {
                    SqlitePageSource pages = SqlitePageSource.beginReading(reader, db.toString(), true, SqliteFileAccess.SHARED, () -> {
                        int attempt = attempts.incrementAndGet();
                        try (Statement r = reader.createStatement()) {
                            r.execute("BEGIN");
                            r.executeQuery("SELECT count(*) FROM sqlite_schema").close();
                        }
                        if (attempt <= racingAttempts) {
                            s.execute("UPDATE t SET v = v + 1"); // a commit between the two header reads
                        }
                    }, () -> reader.createStatement().execute("ROLLBACK"));
                    try {
                        if (racingAttempts < SqlitePageSource.ATTEMPTS) {
                            assertThat(pages).as("read directly once no commit raced").isNotNull();
                            assertThat(attempts.get()).isEqualTo(racingAttempts + 1);
                        } else {
                            assertThat(pages).as("falls back to SQL").isNull();
                            assertThat(attempts.get()).isEqualTo(SqlitePageSource.ATTEMPTS);
                        }
                    } finally {
                        if (pages != null) {
                            pages.close();
                        }
                        reader.createStatement().execute("ROLLBACK");
                    }
                }
            }
        }
    }

    @Test
    void aScanBesideABusyWriterAndItsCheckpointsSeesOnePointInTime() throws Exception {
        Path db = dir.resolve("busy.db");
        int accounts = 20_000;
        try (Connection setup = SqliteTestTools.connect(db); Statement s = setup.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE accounts(id INTEGER PRIMARY KEY, balance INTEGER NOT NULL, pad TEXT)");
            s.execute("WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < " + accounts
                    + ") INSERT INTO accounts(balance, pad) SELECT 100, hex(randomblob(40)) FROM n");
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong transfers = new AtomicLong();
        Thread writer = new Thread(() -> {
            try (Connection c = SqliteTestTools.connect(db);
                 PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ?, pad = "
                         + "hex(randomblob(40)) WHERE id = ?")) {
                c.createStatement().execute("PRAGMA wal_autocheckpoint=50"); // checkpoints during the scan
                c.setAutoCommit(false);
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop.get()) {
                    int amount = random.nextInt(1, 50);
                    move.setInt(1, -amount);
                    move.setInt(2, random.nextInt(1, accounts + 1));
                    move.executeUpdate();
                    move.setInt(1, amount);
                    move.setInt(2, random.nextInt(1, accounts + 1));
                    move.executeUpdate();
                    c.commit();
                    transfers.incrementAndGet();
                    Thread.sleep(0, 200_000);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "writer");
        writer.start();
        try {
            while (transfers.get() < 100) {
                Thread.sleep(5);
            }
            long sum = 0;
            int rows = 0;
            try (Snapshot snapshot = openSnapshot(db)) {
                assertThat(((SqliteSnapshot) snapshot).readsPages()).as("read from the pages").isTrue();
                TableModel accountsTable = snapshot.schema().tables().get(0);
                try (RowCursor cursor = snapshot.openRows(accountsTable, Set.of())) {
                    while (cursor.next()) {
                        String[] literals = new String(cursor.literals(0, 3), StandardCharsets.UTF_8).split(",");
                        sum += Long.parseLong(literals[1]);
                        rows++;
                        if (rows % 2000 == 0) {
                            Thread.sleep(20); // let transfers and checkpoints happen mid-scan
                        }
                    }
                }
            }
            assertThat(rows).isEqualTo(accounts);
            assertThat(sum).as("the total is one point in time").isEqualTo(100L * accounts);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(transfers.get()).isGreaterThan(100);
    }

    @Test
    void aRecordWrittenBeforeAnAddedColumnWithADefaultIsCompletedThroughSql() throws Exception {
        Path db = dir.resolve("altered.db");
        SqliteTestTools.execute(db,
                "CREATE TABLE t(id INTEGER PRIMARY KEY, a TEXT)",
                "INSERT INTO t(a) VALUES ('old')",
                "ALTER TABLE t ADD COLUMN b REAL DEFAULT 2.5",
                "ALTER TABLE t ADD COLUMN c TEXT",
                "INSERT INTO t(a, b, c) VALUES ('new', 7, 'x')");

        assertThat(readAll(db, "t")).containsExactly("1,'old',2.5,NULL", "2,'new',7.0,'x'");
    }

    @Test
    void aMalformedPageIsReportedWithTheTableAndThePage() throws Exception {
        Path db = dir.resolve("broken.db");
        SqliteTestTools.execute(db,
                "PRAGMA page_size=1024",
                "PRAGMA journal_mode=WAL", // read in place: a copy (rollback-journal mode) would trip first
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 200) "
                        + "INSERT INTO t(v) SELECT hex(randomblob(200)) FROM n");
        int root = Integer.parseInt(SqliteTestTools.query(db,
                "SELECT rootpage FROM sqlite_schema WHERE name = 't'").get(0).get(0));
        int child;
        try (RandomAccessFile file = new RandomAccessFile(db.toFile(), "rw")) {
            // The root is an interior page; break the type byte of its right-most child.
            file.seek((root - 1) * 1024L + 8);
            child = file.readInt();
            file.seek((child - 1) * 1024L);
            file.write(0x42);
        }

        try (Snapshot snapshot = openSnapshot(db);
             RowCursor cursor = snapshot.openRows(snapshot.schema().tables().get(0), Set.of())) {
            assertThatThrownBy(() -> {
                while (cursor.next()) {
                    cursor.literals(0, 2);
                }
            }).isInstanceOf(SQLException.class)
                    .hasMessageContaining("table t")
                    .hasMessageContaining("page " + child)
                    .hasMessageContaining("malformed");
        }
    }

    @Test
    void readingThroughSqlGivesTheSameBackupAsReadingThePages() throws Exception {
        Path db = FaultTestKit.maintenanceDb(dir.resolve("app.db"));
        SqliteTestTools.execute(db,
                "CREATE TABLE odd(a, b REAL, c TEXT)",
                "INSERT INTO odd VALUES (1.0 / 3, 1.2345678901234, 'x' || char(0) || 'y'), (-0.0, 7, X'FF00'),"
                        + " (9e999, -9e999, CAST(X'C328' AS TEXT))");
        List<String> exports = new ArrayList<>();
        List<Object> checksums = new ArrayList<>();
        for (SqliteDialect dialect : List.of(new SqliteDialect(), SqliteDialect.readingThroughSql())) {
            io.backupkit.BackupService service = io.backupkit.BackupService.builder()
                    .dataSource(FaultTestKit.dataSource(db))
                    .dialect(dialect)
                    .store(io.backupkit.LocalFolderStore.at(dir.resolve("store-" + exports.size())))
                    .options(io.backupkit.BackupOptions.builder().tempDirectory(dir.resolve("tmp")).build())
                    .build();
            io.backupkit.BackupManifest manifest = service.backup();
            checksums.add(manifest.tables().stream().map(t -> t.name() + "=" + t.contentChecksum()).toList());
            java.io.ByteArrayOutputStream sql = new java.io.ByteArrayOutputStream();
            service.exportSql(manifest.id(), sql);
            exports.add(sql.toString(StandardCharsets.UTF_8));
        }

        assertThat(exports.get(0)).contains("0.33333333333333332", "1.2345678901234001", "CAST(X'780079' AS TEXT)").isEqualTo(exports.get(1));
        assertThat(checksums.get(0)).isEqualTo(checksums.get(1));
    }

    @Test
    void pagesThatDisagreeWithSqliteOnTheFirstRowAreDroppedForSql() throws Exception {
        Path live = dir.resolve("live.db");
        SqliteTestTools.execute(live,
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t(v) VALUES ('a'), ('b'), ('c')");
        // Stands for a file whose bytes are not what SQLite reads (a transforming VFS): the pages
        // come from an older copy.
        Path stale = dir.resolve("stale.db");
        Files.copy(live, stale);
        SqliteTestTools.execute(live, "UPDATE t SET v = v || '2'");
        Connection c = SqliteTestTools.connect(live);
        c.createStatement().execute("BEGIN");
        c.createStatement().executeQuery("SELECT count(*) FROM sqlite_schema").close();
        SqlitePageSource pages = SqlitePageSource.ofQuiescentFile(stale, 4096, SqliteFileAccess.PRIVATE).orElseThrow();
        List<String> rows = new ArrayList<>();
        try (SqliteSnapshot snapshot = new SqliteSnapshot(c, java.time.Instant.now(), "test", List.of(), pages, () -> {
            c.createStatement().execute("ROLLBACK");
            c.close();
        })) {
            TableModel model = snapshot.schema().tables().get(0);
            try (RowCursor cursor = snapshot.openRows(model, Set.of())) {
                while (cursor.next()) {
                    rows.add(new String(cursor.literals(0, 2), StandardCharsets.UTF_8));
                }
                assertThat(SqliteSnapshot.readsPages(cursor)).isFalse();
            }
            assertThat(snapshot.readsPages()).as("the rest of the snapshot is read through SQL").isFalse();
        }
        assertThat(rows).containsExactly("1,'a2'", "2,'b2'", "3,'c2'");
    }

    @Test
    void aLaterRowThatDisagreesWithSqliteStopsTheScan() throws Exception {
        Path live = dir.resolve("live-late.db");
        SqliteTestTools.execute(live,
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 2500) "
                        + "INSERT INTO t(v) SELECT 'row ' || value FROM n");
        Path stale = dir.resolve("stale-late.db");
        Files.copy(live, stale);
        SqliteTestTools.execute(live, "UPDATE t SET v = 'ROW ' || id WHERE id = " + SqliteSnapshot.CROSS_CHECK_EVERY);
        Connection c = SqliteTestTools.connect(live);
        c.createStatement().execute("BEGIN");
        c.createStatement().executeQuery("SELECT count(*) FROM sqlite_schema").close();
        SqlitePageSource pages = SqlitePageSource.ofQuiescentFile(stale, 4096, SqliteFileAccess.PRIVATE).orElseThrow();
        try (SqliteSnapshot snapshot = new SqliteSnapshot(c, java.time.Instant.now(), "test", List.of(), pages, () -> {
            c.createStatement().execute("ROLLBACK");
            c.close();
        }); RowCursor cursor = snapshot.openRows(snapshot.schema().tables().get(0), Set.of())) {
            assertThatThrownBy(() -> {
                while (cursor.next()) {
                    cursor.literals(0, 2);
                }
            }).isInstanceOf(SQLException.class)
                    .hasMessageContaining("rowid " + SqliteSnapshot.CROSS_CHECK_EVERY)
                    .hasMessageContaining("readingThroughSql");
        }
    }

    /**
     * Named bug: interior pages whose children all point to one shared subtree make a walk that
     * follows every pointer visit that subtree again and again, exponentially in the depth. The scan
     * stops once it has visited more pages than the database has.
     */
    @Test
    void interiorPagesThatShareOneChildEndTheScanInsteadOfRunningForEver() throws Exception {
        Path db = dir.resolve("shared-child.db");
        SqliteTestTools.execute(db,
                "PRAGMA page_size=512",
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)",
                "WITH RECURSIVE n(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM n WHERE value < 20000) "
                        + "INSERT INTO t(v) SELECT hex(randomblob(20)) FROM n");
        int root = Integer.parseInt(SqliteTestTools.query(db,
                "SELECT rootpage FROM sqlite_schema WHERE name = 't'").get(0).get(0));
        try (RandomAccessFile file = new RandomAccessFile(db.toFile(), "rw")) {
            int page = root;
            for (int level = 0; level < 3; level++) {
                long base = (page - 1) * 512L;
                file.seek(base);
                if (file.read() != 0x05) {
                    break; // reached the leaves
                }
                file.seek(base + 3);
                int cells = file.readUnsignedShort();
                file.seek(base + 12);
                int firstCell = file.readUnsignedShort();
                file.seek(base + firstCell);
                int child = file.readInt();
                for (int cell = 1; cell < cells; cell++) {
                    file.seek(base + 12 + 2 * cell);
                    int offset = file.readUnsignedShort();
                    file.seek(base + offset);
                    file.writeInt(child);
                }
                file.seek(base + 8);
                file.writeInt(child);
                page = child;
            }
        }

        try (Snapshot snapshot = openSnapshot(db);
             RowCursor cursor = snapshot.openRows(snapshot.schema().tables().get(0), Set.of())) {
            assertThatThrownBy(() -> {
                while (cursor.next()) {
                    cursor.literals(0, 2);
                }
            }).isInstanceOf(SQLException.class).hasMessageContaining("table t").hasMessageContaining("more pages than");
        }
    }

    private Snapshot openSnapshot(Path db) throws Exception {
        SQLiteDataSource dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + db);
        return new SqliteDialect().openSnapshot(dataSource, new SnapshotOptions(Duration.ofSeconds(5), dir));
    }

    private List<String> readAll(Path db, String table) throws Exception {
        List<String> rows = new ArrayList<>();
        try (Snapshot snapshot = openSnapshot(db)) {
            assertThat(((SqliteSnapshot) snapshot).readsPages()).isTrue();
            TableModel model = snapshot.schema().tables().stream().filter(t -> t.name().equals(table)).findFirst()
                    .orElseThrow();
            try (RowCursor cursor = snapshot.openRows(model, Set.of())) {
                while (cursor.next()) {
                    rows.add(new String(cursor.literals(0, model.columns().size()), StandardCharsets.UTF_8));
                }
                assertThat(SqliteSnapshot.readsPages(cursor)).as("read from the pages").isTrue();
            }
        }
        return rows;
    }
}
