package io.backupkit.dialect.sqlite;

import java.io.Closeable;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;

/**
 * The pages of one SQLite database file as one read transaction sees them: the main file, overlaid
 * with the WAL frames that belong to that transaction's snapshot.
 *
 * <p>This is what lets a backup read the rows without asking SQLite to render them one value at a
 * time (see {@link SqliteTableScan}). It is only built while a read transaction is open on the
 * same file, and that transaction is what keeps the pages stable: in WAL mode a checkpoint never
 * copies frames past a live reader's snapshot into the main file, and the WAL is never restarted
 * while a reader uses it. Which frames belong to the snapshot comes from the wal-index header in
 * the {@code -shm} file, read before and after the transaction started: if both reads agree, no
 * commit happened in between, so the header is the one the transaction started from
 * ({@link WalIndexHeader}). The files are opened through {@link SqliteFileAccess}, which never
 * closes a descriptor of a file that the application's SQLite connections may hold locks on.
 *
 * <p>Reads are thread-safe (positioned reads synchronize on the file); each scan keeps its own
 * buffers.
 */
final class SqlitePageSource implements Closeable {

    /** How many times a read transaction is started again when a commit raced its start. */
    static final int ATTEMPTS = 10;
    private static final int WAL_HEADER = 32;
    private static final int FRAME_HEADER = 24;

    private final SqliteFileAccess access;
    private final Path file;
    private final long pageCount;
    private final RandomAccessFile database;
    private final RandomAccessFile wal;
    private final int pageSize;
    private final int usableSize;
    private final PageFrames frames;

    private SqlitePageSource(SqliteFileAccess access, Path file, long pageCount, RandomAccessFile database,
                             RandomAccessFile wal, int pageSize, int usableSize, PageFrames frames) {
        this.access = access;
        this.file = file;
        this.pageCount = pageCount;
        this.database = database;
        this.wal = wal;
        this.pageSize = pageSize;
        this.usableSize = usableSize;
        this.frames = frames;
    }

    /** Starts or ends a read transaction. */
    @FunctionalInterface
    interface SqlAction {
        void run() throws SQLException;
    }

    /**
     * Starts a read transaction on {@code connection} with {@code begin} (which must read, so that
     * the snapshot is taken) and returns the pages that transaction sees, or null if they cannot be
     * read directly; the transaction is open either way.
     *
     * <p>In WAL mode the wal-index header is read before and after {@code begin}; if a commit
     * slipped in between, the transaction is rolled back and started again, up to
     * {@value #ATTEMPTS} times (each attempt takes well under a millisecond). The header must also
     * agree with the transaction on the database size. A connection in {@code locking_mode=EXCLUSIVE}
     * may keep its wal-index in memory, leaving a stale {@code -shm}: it is read through SQL. In
     * rollback-journal mode the open transaction holds a shared lock, under which nobody writes the
     * file.
     *
     * @param access {@link SqliteFileAccess#SHARED} for a database the application uses
     */
    static SqlitePageSource beginReading(Connection connection, String path, boolean wal, SqliteFileAccess access,
                                         SqlAction begin, SqlAction rollback) throws SQLException {
        Path file = path == null || path.isEmpty() || path.equals(":memory:") ? null : Path.of(path);
        if (file == null || !Files.isRegularFile(file)
                || !"normal".equalsIgnoreCase(SqliteDialect.queryString(connection, "PRAGMA locking_mode"))) {
            begin.run();
            return null;
        }
        int pageSize = SqliteDialect.queryInt(connection, "PRAGMA page_size");
        boolean started = false;
        try {
            if (!wal) {
                begin.run();
                started = true;
                return ofQuiescentFile(file, pageSize, access).orElse(null);
            }
            for (int attempt = 1; ; attempt++) {
                Optional<WalIndexHeader> before = WalIndexHeader.read(file, access);
                begin.run();
                started = true;
                Optional<WalIndexHeader> after = WalIndexHeader.read(file, access);
                if (before.isPresent() && after.isPresent() && before.get().sameStateAs(after.get())) {
                    WalIndexHeader header = after.get();
                    if (header.frameCount() > 0
                            && header.pages() != SqliteDialect.queryLong(connection, "PRAGMA page_count")) {
                        return null;
                    }
                    return ofWalSnapshot(file, header, pageSize, access).orElse(null);
                }
                if (before.isEmpty() || after.isEmpty() || attempt == ATTEMPTS) {
                    return null;
                }
                rollback.run();
                started = false;
            }
        } catch (IOException | RuntimeException e) {
            // The pages are an optimisation: SQL reads the same rows, inside the transaction,
            // which must be open whatever failed.
            if (!started) {
                begin.run();
            }
            return null;
        }
    }

    /**
     * The pages of a database file that nobody writes meanwhile (a private copy, or a file under the
     * caller's read transaction in rollback-journal mode): the main file alone.
     */
    static Optional<SqlitePageSource> ofQuiescentFile(Path file, int pageSize, SqliteFileAccess access)
            throws IOException {
        RandomAccessFile database = access.open(file);
        try {
            return checked(access, file, database.length() / pageSize, database, null, pageSize, PageFrames.NONE);
        } catch (IOException | RuntimeException e) {
            access.release(database);
            throw e;
        }
    }

    /**
     * The pages of a WAL-mode database as of the snapshot whose wal-index header is given, or empty
     * when the files do not look as expected (no WAL file, another page size, salts that do not
     * match): the caller then reads through SQL.
     */
    static Optional<SqlitePageSource> ofWalSnapshot(Path file, WalIndexHeader header, int pageSize,
                                                    SqliteFileAccess access) throws IOException {
        RandomAccessFile database = access.open(file);
        try {
            if (header.frameCount() == 0 || header.backfilled() >= header.frameCount()) {
                // Every frame of the snapshot is already in the main file, and a reader in this
                // state keeps checkpoints from writing newer ones into it.
                return checked(access, file, Math.max(Integer.toUnsignedLong(header.pages()), database.length() / pageSize), database, null,
                        pageSize, PageFrames.NONE);
            }
            Path walFile = Path.of(file + "-wal");
            if (!Files.isRegularFile(walFile)) {
                access.release(database);
                return Optional.empty();
            }
            RandomAccessFile wal = access.open(walFile);
            try {
                PageFrames frames = readFrames(wal, header, pageSize);
                if (frames == null) {
                    access.release(wal);
                    access.release(database);
                    return Optional.empty();
                }
                return checked(access, file, Math.max(Integer.toUnsignedLong(header.pages()),
                        database.length() / pageSize), database, wal, pageSize, frames);
            } catch (IOException | RuntimeException e) {
                access.release(wal);
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            access.release(database);
            throw e;
        }
    }

    private static Optional<SqlitePageSource> checked(SqliteFileAccess access, Path file, long pageCount,
                                                      RandomAccessFile database, RandomAccessFile wal, int pageSize,
                                                      PageFrames frames) throws IOException {
        SqlitePageSource source = new SqlitePageSource(access, file, pageCount, database, wal, pageSize, pageSize,
                frames);
        try {
            byte[] first = new byte[pageSize];
            source.read(1, first);
            ByteBuffer header = ByteBuffer.wrap(first, 0, 100);
            byte[] magic = Arrays.copyOfRange(first, 0, 16);
            int storedPageSize = Short.toUnsignedInt(header.getShort(16));
            storedPageSize = storedPageSize == 1 ? 65536 : storedPageSize;
            int reserved = Byte.toUnsignedInt(header.get(20));
            int textEncoding = header.getInt(56);
            if (!Arrays.equals(magic, "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    || storedPageSize != pageSize || textEncoding != 1 || pageSize - reserved < 480) {
                source.close();
                return Optional.empty();
            }
            return Optional.of(new SqlitePageSource(access, file, pageCount, database, wal, pageSize,
                    pageSize - reserved, frames));
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
    }

    /** The frame of each page in the snapshot's part of the WAL (the latest one wins). */
    private static PageFrames readFrames(RandomAccessFile wal, WalIndexHeader header, int pageSize) throws IOException {
        ByteBuffer walHeader = ByteBuffer.allocate(WAL_HEADER).order(ByteOrder.BIG_ENDIAN);
        if (readFully(wal, walHeader, 0) < WAL_HEADER) {
            return null;
        }
        int magic = walHeader.getInt(0);
        if ((magic != 0x377f0682 && magic != 0x377f0683) || walHeader.getInt(8) != pageSize) {
            return null;
        }
        byte[] salt = Arrays.copyOfRange(walHeader.array(), 16, 24);
        if (!Arrays.equals(salt, header.salt())) {
            return null;
        }
        long frameSize = FRAME_HEADER + (long) pageSize;
        PageFrames frames = new PageFrames(Math.min(header.frameCount(), 1 << 12)); // grows with distinct pages
        ByteBuffer frameHeader = ByteBuffer.allocate(FRAME_HEADER).order(ByteOrder.BIG_ENDIAN);
        byte[] frameSalt = new byte[8];
        for (int frame = 1; frame <= header.frameCount(); frame++) {
            frameHeader.clear();
            if (readFully(wal, frameHeader, WAL_HEADER + (frame - 1) * frameSize) < FRAME_HEADER) {
                return null;
            }
            frameHeader.position(8);
            frameHeader.get(frameSalt);
            int page = frameHeader.getInt(0);
            if (!Arrays.equals(frameSalt, salt) || page == 0) {
                return null;
            }
            frames.put(page, frame);
        }
        return frames;
    }

    int pageSize() {
        return pageSize;
    }

    /** At most how many pages the snapshot has (an upper bound for payload sizes). */
    long pageCount() {
        return pageCount;
    }

    /** The bytes of a page that hold content: the page size less the reserved bytes at the end. */
    int usableSize() {
        return usableSize;
    }

    /** Reads page {@code page} (1-based) into {@code into}, which holds at least a page. */
    void read(int page, byte[] into) throws IOException {
        if (page == 0) {
            throw new IOException("page number 0 is out of range");
        }
        int frame = frames.get(page);
        ByteBuffer buffer = ByteBuffer.wrap(into, 0, pageSize);
        int n;
        if (frame > 0) {
            n = readFully(wal, buffer, WAL_HEADER + (frame - 1) * (FRAME_HEADER + (long) pageSize) + FRAME_HEADER);
        } else {
            n = readFully(database, buffer, (Integer.toUnsignedLong(page) - 1) * pageSize);
        }
        if (n < pageSize) {
            throw new IOException("page " + Integer.toUnsignedString(page) + " lies past the end of the "
                    + (frame > 0 ? "WAL" : "database") + " file");
        }
    }

    /**
     * Reads from {@code position} until the buffer is full or the file ends. A {@link RandomAccessFile}
     * rather than a {@code FileChannel}: an interrupt (a cancelled backup) must not close the file,
     * which would also drop SQLite's locks on it; the backup notices the interrupt itself.
     */
    private static int readFully(RandomAccessFile file, ByteBuffer buffer, long position) throws IOException {
        synchronized (file) {
            file.seek(position);
            int total = 0;
            while (buffer.hasRemaining()) {
                int n = file.read(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
                if (n < 0) {
                    break;
                }
                buffer.position(buffer.position() + n);
                total += n;
            }
            return total;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            access.release(database);
        } finally {
            try {
                access.release(wal);
            } finally {
                if (access == SqliteFileAccess.SHARED) {
                    SqliteFileAccess.closeReplaced(file); // a -wal that SQLite deleted meanwhile
                }
            }
        }
    }

    /** An open-addressing map from page number to WAL frame number; 0 means "not in the WAL". */
    static final class PageFrames {
        static final PageFrames NONE = new PageFrames(1);

        private int[] keys;
        private int[] values;
        private int size;

        PageFrames(int expected) {
            int capacity = Integer.highestOneBit(Math.max(2, expected) * 2 - 1) * 2;
            keys = new int[capacity];
            values = new int[capacity];
        }

        void put(int page, int frame) {
            if ((size + 1) * 2 > keys.length) {
                grow();
            }
            int mask = keys.length - 1;
            int i = mix(page) & mask;
            while (keys[i] != 0 && keys[i] != page) {
                i = (i + 1) & mask;
            }
            if (keys[i] == 0) {
                size++;
            }
            keys[i] = page;
            values[i] = frame;
        }

        int get(int page) {
            if (size == 0) {
                return 0;
            }
            int mask = keys.length - 1;
            int i = mix(page) & mask;
            while (keys[i] != 0) {
                if (keys[i] == page) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return 0;
        }

        private void grow() {
            int[] oldKeys = keys;
            int[] oldValues = values;
            keys = new int[oldKeys.length * 2];
            values = new int[oldKeys.length * 2];
            size = 0;
            for (int i = 0; i < oldKeys.length; i++) {
                if (oldKeys[i] != 0) {
                    put(oldKeys[i], oldValues[i]);
                }
            }
        }

        private static int mix(int page) {
            return page * 0x9E3779B9;
        }
    }
}
