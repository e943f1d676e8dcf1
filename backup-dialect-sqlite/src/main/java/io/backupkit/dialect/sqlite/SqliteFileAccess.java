package io.backupkit.dialect.sqlite;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * How the page reader opens the files of a database (the main file, {@code -wal}, {@code -shm}).
 *
 * <p>On POSIX systems SQLite locks with {@code fcntl}, whose locks belong to the process and the
 * file: closing <em>any</em> descriptor of a file drops every lock the process holds on it,
 * SQLite's included (the "POSIX advisory locks" hazard of sqlite.org/howtocorrupt.html). A
 * backup that opened and closed the application's database file would silently release the
 * locks of the application's own connections: its read lock, which keeps checkpoints from
 * overwriting the snapshot, and the lock that tells other processes the {@code -wal} and
 * {@code -shm} files are in use. So the files of a database that this process's SQLite
 * connections may hold are opened once per process and never closed ({@link #SHARED}); only a
 * file replaced under the same name (a {@code -wal} that SQLite deleted and created again) has its
 * old descriptor closed, since no connection can reach the old file any more. Files private to one
 * backup or restore, whose locks no other process consults, are opened and closed per use
 * ({@link #PRIVATE}); so is every file where locks are not {@code fcntl} locks (Windows). Each
 * database that still exists keeps up to three descriptors (main file, {@code -wal},
 * {@code -shm}) for the life of the process; those of deleted or replaced files are closed when
 * the next one is opened.
 *
 * <p>Thread-safe. Reads on a shared descriptor synchronize on it (seek, then read).
 */
enum SqliteFileAccess {

    /** Files the application's connections may have open: one descriptor per file and process, kept open. */
    SHARED {
        @Override
        RandomAccessFile open(Path file) throws IOException {
            if (!POSIX) {
                return PRIVATE.open(file);
            }
            Path key = file.toAbsolutePath().normalize();
            synchronized (OPEN) {
                Object fileKey = identity(key);
                Handle handle = OPEN.get(key);
                if (handle != null && fileKey.equals(handle.fileKey())) {
                    return handle.file();
                }
                if (handle != null) {
                    OPEN.remove(key);
                    close(handle.file()); // the name now belongs to another file; nothing reaches this one
                }
                RandomAccessFile opened = new RandomAccessFile(key.toFile(), "r");
                if (!fileKey.equals(identity(key))) {
                    // Replaced between the two looks: which file this descriptor reads is unknown,
                    // so it is kept (never closed) but not used.
                    NEVER_CLOSED.add(opened);
                    throw new IOException(key + " was replaced while it was being opened");
                }
                sweepGone();
                OPEN.put(key, new Handle(fileKey, opened));
                return opened;
            }
        }

        @Override
        void release(RandomAccessFile file) throws IOException {
            if (!POSIX) {
                PRIVATE.release(file);
            }
        }
    },

    /** Files only this backup or restore uses (a snapshot copy, a staging file): opened and closed per use. */
    PRIVATE {
        @Override
        RandomAccessFile open(Path file) throws IOException {
            return new RandomAccessFile(file.toFile(), "r");
        }

        @Override
        void release(RandomAccessFile file) throws IOException {
            if (file != null) {
                file.close();
            }
        }
    };

    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Map<Path, Handle> OPEN = new HashMap<>();
    private static final java.util.List<RandomAccessFile> NEVER_CLOSED = new java.util.ArrayList<>();

    /** The file's identity (device and inode); without one, shared descriptors cannot be managed. */
    private static Object identity(Path file) throws IOException {
        Object key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        if (key == null) {
            throw new IOException("the file system gives no identity for " + file);
        }
        return key;
    }

    /**
     * Closes the shared descriptors whose names now lead to another file or to none (a database
     * deleted or replaced since), so that only databases that still exist hold descriptors. Called
     * with {@link #OPEN} locked, whenever a new descriptor is added.
     */
    private static void sweepGone() {
        for (var it = OPEN.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Path, Handle> entry = it.next();
            Object now;
            try {
                now = Files.readAttributes(entry.getKey(), BasicFileAttributes.class).fileKey();
            } catch (IOException gone) {
                now = null;
            }
            if (now == null || !now.equals(entry.getValue().fileKey())) {
                it.remove();
                close(entry.getValue().file());
            }
        }
    }

    /** Closes a descriptor once no read is running on it (reads synchronize on it). */
    private static void close(RandomAccessFile file) {
        synchronized (file) {
            try {
                file.close();
            } catch (IOException ignored) {
                // a read-only descriptor; nothing to flush
            }
        }
    }

    private record Handle(Object fileKey, RandomAccessFile file) {
    }

    /**
     * Closes the shared descriptors of {@code database}, its {@code -wal} and its {@code -shm} whose
     * names now lead to another file or to none. A restore calls it right after replacing the live
     * database, while no connection has it open: otherwise the replaced file's disk space would stay
     * held until the next backup opened the name again.
     */
    static void closeReplaced(Path database) {
        synchronized (OPEN) {
            for (String suffix : new String[] {"", "-wal", "-shm"}) {
                Path key = Path.of(database + suffix).toAbsolutePath().normalize();
                Handle handle = OPEN.get(key);
                if (handle == null) {
                    continue;
                }
                Object now;
                try {
                    now = Files.readAttributes(key, BasicFileAttributes.class).fileKey();
                } catch (IOException gone) {
                    now = null;
                }
                if (now == null || !now.equals(handle.fileKey())) {
                    OPEN.remove(key);
                    close(handle.file());
                }
            }
        }
    }

    /** Whether a shared descriptor of {@code file} is open (for tests). */
    static boolean isOpen(Path file) {
        synchronized (OPEN) {
            return OPEN.containsKey(file.toAbsolutePath().normalize());
        }
    }

    /** A read-only descriptor of {@code file}. */
    abstract RandomAccessFile open(Path file) throws IOException;

    /** Hands back a descriptor from {@link #open(Path)}: closes it unless it is shared. */
    abstract void release(RandomAccessFile file) throws IOException;
}
