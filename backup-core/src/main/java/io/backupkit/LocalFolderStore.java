package io.backupkit;

import io.backupkit.spi.Store;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A {@link Store} that keeps each object as one file in a local folder (or a mounted network
 * share), in the spirit of Litestream's {@code file} replica client.
 *
 * <pre>{@code
 * Store store = LocalFolderStore.at(Path.of("/var/backups/app"));
 * try (Store.Upload upload = store.upload("20261126T101500123Z-a1b2c3.tar.zst")) {
 *     archive.writeTo(upload.stream());
 *     upload.commit();   // durable and visible only from here on
 * }
 * }</pre>
 *
 * <p>How an upload stays invisible until it is complete: bytes go to a hidden temporary file
 * {@code .<name>.<random>.tmp} in the same folder, which the upload holds an exclusive
 * {@link FileLock} on. {@link Store.Upload#commit()} forces the file to disk and then publishes it
 * with a hard link, which, unlike a rename, fails instead of replacing an existing object; the
 * folder itself is forced too, so the new name survives a power cut. Where hard links are not
 * supported it falls back to an atomic rename after checking that the name is free.
 *
 * <p>A writer that crashed leaves its temporary file behind, unlocked: {@link #at(Path)} deletes
 * such files, and {@link #cleanUpAbandonedUploads()} does so on demand. Files still locked by a
 * live writer, in this or another process, are left alone.
 *
 * <p>Object names must be non-empty and must not contain {@code /}, {@code \}, {@code ..} or NUL,
 * nor start with {@code .}; anything else is rejected with an {@link IllegalArgumentException}, so
 * a name can never reach outside the folder or collide with a temporary file.
 *
 * <p>Instances are immutable and thread-safe; any number of uploads may run at once.
 */
public final class LocalFolderStore implements Store {

    /** Large enough that a sequential write of hundreds of megabytes costs few system calls. */
    private static final int BUFFER_SIZE = 64 * 1024;

    private static final String TEMP_SUFFIX = ".tmp";

    /**
     * Marks the temporary files written by this JVM. Cleanup must never open those: on POSIX
     * systems closing <em>any</em> descriptor of a file drops every lock this process holds on it,
     * so merely probing a live upload's file would unlock it for other processes. Randomly drawn
     * once, never changed.
     */
    private static final String JVM_TOKEN = HexFormat.of().toHexDigits(new SecureRandom().nextInt());

    /** A brand-new temporary file can be taken by another process's cleanup before we lock it; we then simply try another name. */
    private static final int TEMP_FILE_ATTEMPTS = 5;

    private final Path folder;

    private LocalFolderStore(Path folder) {
        this.folder = folder;
    }

    /**
     * Opens the store in {@code folder}, creating the folder and its parents when missing, and
     * deletes temporary files left behind by writers that died.
     *
     * @throws StorageException if the folder cannot be created or read, for example because it,
     *     or one of its parents, is a regular file
     */
    public static LocalFolderStore at(Path folder) {
        Objects.requireNonNull(folder, "folder");
        Path absolute = folder.toAbsolutePath().normalize();
        try {
            Files.createDirectories(absolute);
        } catch (IOException e) {
            throw new StorageException("Cannot use " + absolute + " as a backup folder: " + whyNotAFolder(absolute, e), e);
        }
        LocalFolderStore store = new LocalFolderStore(absolute);
        store.cleanUpAbandonedUploads();
        return store;
    }

    /** The absolute folder this store writes to. */
    public Path folder() {
        return folder;
    }

    @Override
    public String description() {
        return "file:" + folder;
    }

    @Override
    public Upload upload(String name) throws IOException {
        return open(name, false);
    }

    /** Like {@link #upload(String)}, but the commit renames over an existing object (atomically, rename(2)). */
    @Override
    public Upload replace(String name) throws IOException {
        return open(name, true);
    }

    private Upload open(String name, boolean replace) throws IOException {
        Path target = objectPath(name);
        // Fail fast; commit() checks again, atomically, because the name may be taken meanwhile.
        if (!replace && Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "a backup object with this name already exists");
        }
        for (int attempt = 1; ; attempt++) {
            Path temp = folder.resolve("." + name + "." + JVM_TOKEN + "-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
            FileChannel channel;
            try {
                channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException e) {
                if (attempt == TEMP_FILE_ATTEMPTS) {
                    throw e;
                }
                continue;
            }
            FileLock lock;
            try {
                lock = channel.tryLock();
                // The file is unlocked between its creation and tryLock(); another process's cleanup
                // may have locked or even deleted it in that instant. Then the name is spoilt.
                if (lock != null && Files.exists(temp, LinkOption.NOFOLLOW_LINKS)) {
                    return new LocalUpload(name, target, temp, channel, replace);
                }
            } catch (IOException | RuntimeException e) {
                closeQuietly(channel);
                deleteQuietly(temp);
                throw e;
            }
            closeQuietly(channel);
            if (attempt == TEMP_FILE_ATTEMPTS) {
                throw new IOException("Could not lock a temporary file in " + folder
                        + " after " + attempt + " attempts; is another process cleaning it up?");
            }
        }
    }

    @Override
    public InputStream open(String name) throws IOException {
        return new BufferedInputStream(Files.newInputStream(objectPath(name)), BUFFER_SIZE);
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String fileName = entry.getFileName().toString();
                // A file a user dropped in with a name we would refuse to open is not ours.
                if (invalidNameReason(fileName) == null && Files.isRegularFile(entry)) {
                    names.add(fileName);
                }
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public void delete(String name) throws IOException {
        Files.deleteIfExists(objectPath(name));
    }

    /**
     * Deletes temporary files that no live upload holds a lock on, that is, those left by a writer
     * that crashed or was killed. Files written by uploads of this JVM are never touched, even
     * through another {@code LocalFolderStore} instance.
     *
     * @return how many files were deleted
     * @throws StorageException if the folder cannot be listed
     */
    public int cleanUpAbandonedUploads() {
        List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, LocalFolderStore::isForeignTempFile)) {
            entries.forEach(candidates::add);
        } catch (IOException e) {
            throw new StorageException("Cannot list backup folder " + folder + " to clean up abandoned uploads", e);
        }
        int removed = 0;
        for (Path candidate : candidates) {
            if (deleteIfAbandoned(candidate)) {
                removed++;
            }
        }
        return removed;
    }

    private static boolean isForeignTempFile(Path entry) {
        String fileName = entry.getFileName().toString();
        if (!fileName.startsWith(".") || !fileName.endsWith(TEMP_SUFFIX)
                || !Files.isRegularFile(entry, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        String stem = fileName.substring(0, fileName.length() - TEMP_SUFFIX.length());
        String random = stem.substring(stem.lastIndexOf('.') + 1);
        return !random.startsWith(JVM_TOKEN + "-");
    }

    private static boolean deleteIfAbandoned(Path temp) {
        // WRITE because an exclusive lock needs a writable channel; no CREATE, so a file committed
        // or aborted meanwhile is not brought back.
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                return false; // held by this JVM
            }
            if (lock == null) {
                return false; // held by another live process
            }
            // Delete while holding the lock, so no writer can have taken the file over meanwhile.
            return Files.deleteIfExists(temp);
        } catch (IOException e) {
            // Gone already, or not deletable here (Windows keeps open files); a later pass retries.
            return false;
        }
    }

    private Path objectPath(String name) {
        Objects.requireNonNull(name, "name");
        String reason = invalidNameReason(name);
        if (reason != null) {
            throw new IllegalArgumentException("Invalid backup object name '" + name.replace("\0", "\\0") + "': " + reason);
        }
        return folder.resolve(name);
    }

    /** Why {@code name} is not a safe file name in the folder, or {@code null} when it is. */
    private static String invalidNameReason(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.startsWith(".")) {
            return "it must not start with '.', which marks hidden and temporary files";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return "it must not contain '/' or '\\'";
        }
        if (name.contains("..")) {
            return "it must not contain '..'";
        }
        if (name.indexOf('\0') >= 0) {
            return "it must not contain NUL";
        }
        return null;
    }

    private static String whyNotAFolder(Path folder, IOException e) {
        for (Path p = folder; p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.isDirectory(p)) {
                return p.equals(folder) ? "it is a file, not a folder" : p + " is a file, not a folder";
            }
        }
        return e.toString();
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // Only the temporary file is affected; the caller already reports the real failure.
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Unlocked once we close it, so the next cleanup removes it.
        }
    }

    private enum State { OPEN, COMMITTED, ABORTED }

    private final class LocalUpload implements Upload {
        private final String name;
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final UploadStream stream = new UploadStream();
        /** Written under {@code this}; volatile so the stream can check it without locking. */
        private volatile State state = State.OPEN;
        /** Set when a write failed: what is on disk may have a hole, so it must never be published. */
        private volatile IOException writeFailure;
        private final boolean replace;

        LocalUpload(String name, Path target, Path temp, FileChannel channel, boolean replace) {
            this.name = name;
            this.target = target;
            this.temp = temp;
            this.channel = channel;
            this.replace = replace;
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public synchronized void commit() throws IOException {
            if (state == State.COMMITTED) {
                return;
            }
            if (state == State.ABORTED) {
                throw new IllegalStateException("The upload of '" + name + "' was aborted and cannot be committed");
            }
            try {
                if (writeFailure != null) {
                    throw new IOException("An earlier write to '" + name + "' failed; refusing to publish an incomplete object", writeFailure);
                }
                stream.drain();
                channel.force(true);
                publish();
            } catch (IOException | RuntimeException | Error e) {
                abort();
                throw e;
            }
            // Published: from here on nothing may throw, or the caller would think the object is missing.
            state = State.COMMITTED;
            deleteQuietly(temp); // the target is a second link to the same file
            forceFolder();
            closeQuietly(channel);
        }

        private void publish() throws IOException {
            if (replace) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            }
            try {
                Files.createLink(target, temp);
                return;
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (UnsupportedOperationException | FileSystemException e) {
                // No hard links here (FAT, some network shares); fall through to a rename.
            }
            // A rename replaces an existing file, so this check and the rename race with another
            // writer of the same name. Names are unique per backup, so that needs a misbehaving caller.
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null, "a backup object with this name already exists");
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        }

        /** Makes the new directory entry durable; without this a power cut can lose a committed object. */
        private void forceFolder() {
            try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException ignored) {
                // Windows cannot open a directory as a channel; NTFS journals the entry itself.
            }
        }

        @Override
        public synchronized void abort() {
            if (state != State.OPEN) {
                return;
            }
            state = State.ABORTED;
            // Delete before closing: while we hold the lock no cleanup can see an unlocked file.
            deleteQuietly(temp);
            closeQuietly(channel);
            deleteQuietly(temp); // Windows refuses to delete an open file; now it is closed.
        }

        @Override
        public void close() {
            abort();
        }

        @Override
        public String toString() {
            return "upload of '" + name + "' to " + description();
        }

        /**
         * Buffers writes into one direct buffer, so large sequential writes cost one system call per
         * 64 KiB and the JDK never allocates a temporary direct buffer as large as a caller's array.
         * Meant for one writing thread at a time, like any {@link OutputStream}.
         */
        private final class UploadStream extends OutputStream {
            private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);

            @Override
            public void write(int b) throws IOException {
                ensureOpen();
                if (!buffer.hasRemaining()) {
                    drain();
                }
                buffer.put((byte) b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, bytes.length);
                ensureOpen();
                while (length > 0) {
                    if (!buffer.hasRemaining()) {
                        drain();
                    }
                    int chunk = Math.min(length, buffer.remaining());
                    buffer.put(bytes, offset, chunk);
                    offset += chunk;
                    length -= chunk;
                }
            }

            @Override
            public void flush() throws IOException {
                ensureOpen();
                drain();
            }

            /**
             * Only flushes: callers often wrap this stream in a compressor and close that before
             * committing, which must not end the upload.
             */
            @Override
            public void close() throws IOException {
                if (state == State.OPEN) {
                    drain();
                }
            }

            void drain() throws IOException {
                buffer.flip();
                try {
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                } catch (IOException e) {
                    writeFailure = e;
                    throw e;
                } finally {
                    buffer.clear();
                }
            }

            private void ensureOpen() throws IOException {
                State current = state;
                if (current != State.OPEN) {
                    throw new IOException("The upload of '" + name + "' was already "
                            + (current == State.COMMITTED ? "committed" : "aborted"));
                }
                if (writeFailure != null) {
                    throw new IOException("An earlier write to '" + name + "' failed", writeFailure);
                }
            }
        }
    }
}
