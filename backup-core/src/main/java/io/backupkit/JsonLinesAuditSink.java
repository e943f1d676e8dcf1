package io.backupkit;

import io.backupkit.internal.AuditLines;
import io.backupkit.spi.AuditSink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail as an append-only JSON Lines file, one record per line, kept outside the
 * database (so no restore can erase it), with a small anchor file beside it.
 *
 * <pre>{@code
 * BackupService backups = BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(LocalFolderStore.at(Path.of("/var/backups/app")))
 *     .auditTrail(Path.of("/var/log/app/backup-audit.jsonl"))   // same as auditSink(JsonLinesAuditSink.at(...))
 *     .build();
 * }</pre>
 *
 * <p>A line looks like:
 * <pre>
 * {"v":1,"seq":3,"time":"2026-11-26T10:15:00.123Z","actor":"root@demo.test","roles":["super_admin"],
 *  "from":"10.0.0.7","reason":"settings page","op":"EXPORT","backupId":"20261126T101500123Z-k3f9a2",
 *  "outcome":"OK","detail":null,"bytes":48213,"durationMs":312,"prevHash":"9f86...","hash":"60303..."}
 * </pre>
 *
 * <p>Files: {@code NAME} (the records), {@code NAME.anchor} (the last record's sequence number and
 * hash, replaced atomically after each append, so that records removed from the end are noticed)
 * and {@code NAME.lock} (an empty file that appenders lock). New files are readable by their owner
 * only.
 *
 * <p>Each append locks the trail (a lock per file within this JVM and a {@link FileLock} across
 * processes), places the record after the last one (or after the anchor, if the anchor names a
 * later record: then the gap stays visible to verification instead of being papered over), writes
 * the line with a single write at the end of the file, forces it to disk, then updates the anchor.
 * A line cut off by a crash was never acknowledged; readers ignore it and the next append removes
 * it, with a warning.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class JsonLinesAuditSink implements AuditSink {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesAuditSink.class);

    /**
     * One lock per trail file in this JVM. A {@link FileLock} is held by the whole JVM, so two sinks
     * (or two services) on the same file in one JVM must also exclude each other here; and closing
     * any channel of a locked file releases the JVM's lock on POSIX, so only the holder of this lock
     * ever opens the lock file. Keyed by absolute path; entries are never removed (one per trail).
     */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private static final int BLOCK = 8192;

    private final Path file;
    private final Path anchorFile;
    private final Path lockFile;

    private JsonLinesAuditSink(Path file) {
        this.file = file;
        this.anchorFile = file.resolveSibling(file.getFileName() + ".anchor");
        this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
    }

    /**
     * The trail in {@code file}, created (with its folder) when missing. Fails here, at start-up,
     * when the file cannot be created or is not a regular file, rather than at the first operation.
     *
     * @throws AuditTrailException the file cannot be used
     */
    public static JsonLinesAuditSink at(Path file) {
        Objects.requireNonNull(file, "file");
        Path absolute = file.toAbsolutePath().normalize();
        if (absolute.getFileName() == null) {
            throw new IllegalArgumentException("the audit trail must be a file, not " + absolute);
        }
        try {
            Files.createDirectories(absolute.getParent());
            createPrivate(absolute);
            if (!Files.isRegularFile(absolute, LinkOption.NOFOLLOW_LINKS)) {
                throw new AuditTrailException("the audit trail " + absolute + " is not a regular file", 0);
            }
            if (!Files.isWritable(absolute)) {
                throw new AuditTrailException("the audit trail " + absolute + " is not writable", 0);
            }
        } catch (IOException e) {
            throw new AuditTrailException("cannot use " + absolute + " as the audit trail: " + e, e);
        }
        return new JsonLinesAuditSink(absolute);
    }

    /** The trail file. */
    public Path file() {
        return file;
    }

    @Override
    public String description() {
        return file.toString();
    }

    @Override
    public AuditRecord append(AuditRecord record) {
        Objects.requireNonNull(record, "record");
        ReentrantLock lock = LOCKS.computeIfAbsent(file, p -> new ReentrantLock());
        lock.lock();
        try (FileChannel lockChannel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            // released when lockChannel closes
            lockChannel.lock();
            return appendLocked(record);
        } catch (IOException e) {
            throw new AuditTrailException("appending to the audit trail " + file + " failed: " + e, e);
        } finally {
            lock.unlock();
        }
    }

    /** The append proper, with the trail locked in this JVM and across processes. */
    private AuditRecord appendLocked(AuditRecord record) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long size = dropTornTail(channel);
            Optional<Anchor> anchor = anchor();
            Anchor last = lastRecord(channel, size);
            Anchor base = last;
            if (anchor.isPresent() && (last == null || anchor.get().seq() >= last.seq())) {
                if (last != null && anchor.get().seq() > last.seq()) {
                    LOG.warn("audit trail {} ends at record {} but its anchor names record {}: records were removed; "
                            + "the chain continues from the anchor so that the gap stays visible", file, last.seq(),
                            anchor.get().seq());
                }
                base = anchor.get();
            } else if (base == null) {
                throw new AuditTrailException("the last line of audit trail " + file + " is not a valid record and "
                        + "there is no anchor to continue from; run its verification", 0);
            }
            AuditRecord sealed = record.seal(base.seq() + 1, base.hash());
            byte[] line = (AuditLines.write(sealed) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer buffer = ByteBuffer.wrap(line);
            long position = size;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
            channel.force(false);
            writeAnchor(new Anchor(sealed.seq(), sealed.hash()));
            return sealed;
        }
    }

    @Override
    public Optional<Anchor> anchor() {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(anchorFile);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            LOG.warn("cannot read the anchor {} of the audit trail: {}", anchorFile, e.toString());
            return Optional.empty();
        }
        Optional<Anchor> anchor = AuditLines.readAnchor(new String(bytes, StandardCharsets.UTF_8));
        if (anchor.isEmpty()) {
            LOG.warn("the anchor {} of the audit trail is not valid", anchorFile);
        }
        return anchor;
    }

    @Override
    public Stream<AuditRecord> read(Order order) {
        Objects.requireNonNull(order, "order");
        FileChannel channel;
        long end;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return Stream.empty();
        } catch (IOException e) {
            throw new AuditTrailException("reading the audit trail " + file + " failed: " + e, e);
        }
        try {
            end = completeEnd(channel, channel.size());
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw new AuditTrailException("reading the audit trail " + file + " failed: " + e, e);
        }
        Iterator<AuditRecord> it = order == Order.OLDEST_FIRST ? new Forward(channel, end) : new Backward(channel, end);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(() -> closeQuietly(channel));
    }

    @Override
    public String toString() {
        return "JsonLinesAuditSink[" + file + "]";
    }

    // ---- appending

    /** Removes a last line that a crash cut off (it has no newline); returns the size after. */
    private long dropTornTail(FileChannel channel) throws IOException {
        long size = channel.size();
        long end = completeEnd(channel, size);
        if (end < size) {
            LOG.warn("audit trail {}: removing {} bytes of a last line cut off by a crash (never acknowledged)",
                    file, size - end);
            channel.truncate(end);
            channel.force(true);
        }
        return end;
    }

    /** The last record's position and hash; seq 0 and the genesis hash in an empty trail; null when unreadable. */
    private Anchor lastRecord(FileChannel channel, long end) throws IOException {
        if (end == 0) {
            return new Anchor(0, AuditRecord.GENESIS);
        }
        long start = lineStart(channel, end - 1);
        try {
            AuditRecord last = AuditLines.read(readString(channel, start, end - 1), 0, file);
            return new Anchor(last.seq(), last.hash());
        } catch (AuditTrailException e) {
            return null;
        }
    }

    private void writeAnchor(Anchor anchor) throws IOException {
        Path temp = anchorFile.resolveSibling(anchorFile.getFileName() + ".tmp");
        byte[] bytes = AuditLines.writeAnchor(anchor).getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer);
            }
            out.force(true);
        }
        Files.move(temp, anchorFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        forceFolder(anchorFile.getParent());
    }

    private static void createPrivate(Path path) throws IOException {
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(path);
            }
            forceFolder(path.getParent());
        } catch (FileAlreadyExistsException e) {
            // created meanwhile by another sink: fine
        }
    }

    private static void forceFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // some file systems cannot open folders; the data itself was forced
        }
    }

    // ---- reading

    /** The end of the last complete (newline-terminated) line at or before {@code size}. */
    private static long completeEnd(FileChannel channel, long size) throws IOException {
        if (size == 0) {
            return 0;
        }
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(channel, one, size - 1);
        if (one.get(0) == '\n') {
            return size;
        }
        return lineStart(channel, size);
    }

    /** The start of the line whose terminating newline (or end) is at {@code newlineAt}: just after the previous newline. */
    private static long lineStart(FileChannel channel, long newlineAt) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
        long p = newlineAt;
        while (p > 0) {
            int n = (int) Math.min(BLOCK, p);
            long from = p - n;
            buffer.clear().limit(n);
            readFully(channel, buffer, from);
            for (int i = n - 1; i >= 0; i--) {
                if (buffer.get(i) == '\n') {
                    return from + i + 1;
                }
            }
            p = from;
        }
        return 0;
    }

    private static String readString(FileChannel channel, long from, long to) throws IOException {
        long length = to - from;
        if (length > AuditLines.MAX_LINE_BYTES) {
            throw new AuditTrailException("a line of the audit trail is longer than " + AuditLines.MAX_LINE_BYTES
                    + " bytes", 0);
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        readFully(channel, buffer, from);
        return new String(buffer.array(), StandardCharsets.UTF_8);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long p = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, p);
            if (n < 0) {
                throw new IOException("the audit trail ended early (truncated while read?)");
            }
            p += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // read-only
        }
    }

    /** Lines from the start; line numbers count from 1. */
    private final class Forward implements Iterator<AuditRecord> {
        private final FileChannel channel;
        private final long end;
        private long position;
        private long lineNumber;
        private final ByteBuffer buffer = ByteBuffer.allocate(BLOCK);
        private long bufferStart;

        Forward(FileChannel channel, long end) {
            this.channel = channel;
            this.end = end;
            this.buffer.limit(0);
        }

        @Override
        public boolean hasNext() {
            return position < end;
        }

        @Override
        public AuditRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            try {
                long newline = findNewline(position);
                String text = readString(channel, position, newline);
                position = newline + 1;
                lineNumber++;
                return AuditLines.read(text, lineNumber, file);
            } catch (IOException e) {
                throw new AuditTrailException("reading the audit trail " + file + " failed: " + e, e);
            } catch (AuditTrailException e) {
                if (e.line() == 0) {
                    throw new AuditTrailException("line " + (lineNumber + 1) + " of " + file + ": " + e.getMessage(),
                            lineNumber + 1);
                }
                throw e;
            }
        }

        private long findNewline(long from) throws IOException {
            long p = from;
            while (p < end) {
                if (p < bufferStart || p >= bufferStart + buffer.limit()) {
                    buffer.clear().limit((int) Math.min(BLOCK, end - p));
                    readFully(channel, buffer, p);
                    bufferStart = p;
                }
                byte b = buffer.get((int) (p - bufferStart));
                if (b == '\n') {
                    return p;
                }
                p++;
            }
            throw new IllegalStateException("no newline before the end: completeEnd is wrong");
        }
    }

    /** Lines from the end; line numbers are not known (0). */
    private final class Backward implements Iterator<AuditRecord> {
        private final FileChannel channel;
        private long end;

        Backward(FileChannel channel, long end) {
            this.channel = channel;
            this.end = end;
        }

        @Override
        public boolean hasNext() {
            return end > 0;
        }

        @Override
        public AuditRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            try {
                long start = lineStart(channel, end - 1);
                String text = readString(channel, start, end - 1);
                end = start;
                return AuditLines.read(text, 0, file);
            } catch (IOException e) {
                throw new AuditTrailException("reading the audit trail " + file + " failed: " + e, e);
            }
        }
    }
}
