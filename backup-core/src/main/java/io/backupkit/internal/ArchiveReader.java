package io.backupkit.internal;

import com.github.luben.zstd.ZstdInputStream;
import io.backupkit.Compression;
import java.io.BufferedInputStream;
import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.UnsupportedRecipientStanzaException;
import com.exceptionfactory.jagged.framework.stream.StandardDecryptingChannelFactory;
import java.io.IOException;
import java.nio.channels.Channels;
import java.security.GeneralSecurityException;
import java.util.List;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Streams through an archive once, entry by entry, hashing each entry and the whole archive.
 * Nothing is buffered beyond what the decompressor needs.
 */
public final class ArchiveReader {

    /** Receives each entry; the stream is valid only during the call. */
    @FunctionalInterface
    public interface EntryVisitor {
        /**
         * @param name    the entry's path
         * @param size    the size its header states
         * @param content the entry's bytes; reading it fully is not required
         */
        void visit(String name, long size, InputStream content) throws IOException;
    }

    /**
     * What one pass measured.
     *
     * @param archiveSize   compressed bytes read
     * @param archiveSha256 SHA-256 of the compressed bytes
     */
    public record Digests(long archiveSize, String archiveSha256) {
    }

    /**
     * A failure to decode the archive itself (bad compression or tar), as opposed to a failure of
     * the store or the visitor.
     */
    public static final class DamagedArchiveException extends IOException {
        private static final long serialVersionUID = 1L;
        private final String entry;

        DamagedArchiveException(String entry, Throwable cause) {
            super(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
            this.entry = entry;
        }

        /** The entry being read when decoding failed, or null before the first entry. */
        public String entry() {
            return entry;
        }
    }

    private ArchiveReader() {
    }

    /**
     * Reads the whole archive and reports every entry to the visitor, in archive order. The
     * visitor's own digests are its business; this computes the whole-archive digest.
     */
    public static Digests read(InputStream storeStream, Compression.Algorithm algorithm, EntryVisitor visitor)
            throws IOException {
        return read(storeStream, algorithm, null, visitor);
    }

    /**
     * Reads an archive that may be age-encrypted: with {@code identities} given, the stored bytes
     * are an age file around the compressed tar stream. The whole-archive digest covers the stored
     * (encrypted) bytes. An archive not encrypted to any of the identities throws
     * {@link NotARecipientException}; a damaged age header or payload throws
     * {@link DamagedArchiveException}.
     */
    public static Digests read(InputStream storeStream, Compression.Algorithm algorithm,
                               List<RecipientStanzaReader> identities, EntryVisitor visitor) throws IOException {
        return read(storeStream, algorithm, identities, io.backupkit.SizeLimits.defaults(), visitor);
    }

    /**
     * Reads an archive as {@link #read(InputStream, Compression.Algorithm, List, EntryVisitor)} does,
     * under a decompression-bomb guard: expanding past {@code limits.maxExpandedBytes()} or
     * {@code limits.maxExpansionRatio()} throws {@link SizeLimiter.LimitIOException}. Entries must be
     * plain files with safe relative names, each name once, and tar headers of at most
     * {@link #MAX_HEADER_BYTES}; anything else throws {@link DamagedArchiveException}.
     */
    public static Digests read(InputStream storeStream, Compression.Algorithm algorithm,
                               List<RecipientStanzaReader> identities, io.backupkit.SizeLimits limits,
                               EntryVisitor visitor) throws IOException {
        MessageDigest archiveDigest = Sha256.newDigest();
        CountingInputStream counted = new CountingInputStream(
                new BufferedInputStream(new StoreStream(storeStream), 256 * 1024));
        // Every byte must pass through the digest exactly once: a decompressor that marks and resets
        // (gzip does, to hand back what its inflater did not use) would otherwise hash bytes twice.
        InputStream digesting = new OnePassStream(new DigestInputStream(counted, archiveDigest));
        String current = null;
        InputStream plain = identities == null ? digesting : decryptor(digesting, identities);
        java.util.Set<String> names = new java.util.HashSet<>();
        try (InputStream decompressed = SizeLimiter.expansionGuard(decompressor(plain, algorithm),
                () -> counted.count, limits);
             TarArchiveInputStream tar = new GuardedTarInputStream(decompressed)) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, current)) != null) {
                String name = entry.getName();
                requireSafe(entry, name, current);
                if (!names.add(name)) {
                    throw new DamagedArchiveException(name, new IOException("entry '" + name + "' appears twice"));
                }
                current = name;
                visitor.visit(current, entry.getSize(), new EntryStream(tar, current));
            }
            // Drain the tar padding and compression trailer so the archive digest covers every byte.
            byte[] skip = new byte[64 * 1024];
            try {
                while (decompressed.read(skip) >= 0) {
                    // discard
                }
                while (plain != digesting && plain.read(skip) >= 0) {
                    // the age payload's last chunk is authenticated only when it is read to its end
                }
                while (digesting.read(skip) >= 0) {
                    // trailing bytes beyond the compressed frame are still part of the object
                }
            } catch (IOException e) {
                throw isStoreFailure(e) ? e : new DamagedArchiveException(current, e);
            }
        } catch (DamagedArchiveException | StoreReadException | SizeLimiter.LimitIOException e) {
            throw e;
        } catch (IOException e) {
            if (isStoreFailure(e)) {
                throw e;
            }
            throw new DamagedArchiveException(current, e);
        }
        if (counted.count == 0) {
            // Even an archive without entries has a tar trailer; zstd and tar read nothing as "no entries".
            throw new DamagedArchiveException(null, new java.io.EOFException("the archive is empty (0 bytes)"));
        }
        return new Digests(counted.count, Sha256.hex(archiveDigest.digest()));
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar, String previous) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IOException | IllegalArgumentException e) {
            if (isStoreFailure(e)) {
                throw (IOException) e;
            }
            throw new DamagedArchiveException(previous, e);
        }
    }

    /** The most bytes a tar extension header (PAX or GNU long name) may hold; backupkit writes a few hundred. */
    public static final int MAX_HEADER_BYTES = 64 * 1024;

    /**
     * Why an entry name is unsafe (an absolute path, a backslash, path traversal, a control
     * character), or null when it is a safe relative name. Used for tar headers and for the names a
     * manifest lists.
     */
    public static String unsafeName(String name) {
        if (name.isEmpty()) {
            return "has an empty name";
        } else if (name.startsWith("/") || name.matches("(?s)^[A-Za-z]:.*")) {
            return "has an absolute path";
        } else if (name.contains("\\")) {
            return "has a backslash in its path";
        } else if (("/" + name + "/").contains("/../") || ("/" + name + "/").contains("/./")
                || name.contains("//") || name.endsWith("/")) {
            return "has a path that is not canonical (../, ./ or empty segments): path traversal";
        } else if (name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            return "has a control character in its name";
        }
        return null;
    }

    /**
     * The message for an entry refused for its name or type: the name shortened to 200 characters
     * and its control characters shown as {@code ?}.
     */
    public static String refusedEntry(String name, String problem) {
        String shown = name.length() > 200 ? name.substring(0, 200) + "..." : name;
        return "entry '" + shown.replaceAll("\\p{Cntrl}", "?") + "' " + problem
                + "; backupkit archives hold only plain files under safe relative names";
    }

    /**
     * Refuses what a backupkit archive never holds and a careless extractor would follow: links,
     * devices, folders, sparse files, and names that are absolute, climb out with {@code ..}, use
     * backslashes or drive letters, or hold control characters.
     */
    private static void requireSafe(TarArchiveEntry entry, String name, String previous) throws DamagedArchiveException {
        String problem = null;
        if (entry.isSymbolicLink()) {
            problem = "is a symbolic link";
        } else if (entry.isLink()) {
            problem = "is a hard link";
        } else if (entry.isDirectory()) {
            problem = "is a folder";
        } else if (entry.isCharacterDevice() || entry.isBlockDevice() || entry.isFIFO()) {
            problem = "is a device or pipe";
        } else if (entry.isSparse() || entry.isGNULongLinkEntry() || !entry.isFile()) {
            problem = "is not a plain file (type '" + (char) entry.getLinkFlag() + "')";
        } else {
            problem = unsafeName(name);
            if (problem == null && entry.getSize() < 0) {
                problem = "has a negative size";
            }
        }
        if (problem != null) {
            throw new DamagedArchiveException(previous, new IOException(refusedEntry(name, problem)));
        }
    }

    /**
     * Refuses oversized extension headers before commons-compress reads them into memory: a PAX
     * or GNU long-name header of gigabytes would otherwise exhaust the heap.
     */
    private static final class GuardedTarInputStream extends TarArchiveInputStream {
        GuardedTarInputStream(InputStream in) {
            super(in, "UTF-8");
        }

        @Override
        protected byte[] readRecord() throws IOException {
            byte[] record = super.readRecord();
            if (record != null && record.length >= 512 && !isEOFRecord(record)) {
                byte type = record[156];
                if (type == 'x' || type == 'g' || type == 'L' || type == 'K' || type == 'X') {
                    long size = headerSize(record);
                    if (size < 0 || size > MAX_HEADER_BYTES) {
                        throw new IOException("a tar extension header of type '" + (char) type + "' declares "
                                + (size < 0 ? "an unreadable size" : size + " bytes") + ", over the limit of "
                                + MAX_HEADER_BYTES + " bytes: refused as hostile");
                    }
                }
            }
            return record;
        }

        private static long headerSize(byte[] record) {
            if ((record[124] & 0x80) != 0) {
                return -1; // base-256: only huge sizes need it
            }
            long size = 0;
            boolean digits = false;
            for (int i = 124; i < 136; i++) {
                byte b = record[i];
                if (b == 0 || b == ' ') {
                    if (digits) {
                        break;
                    }
                    continue;
                }
                if (b < '0' || b > '7') {
                    return -1;
                }
                digits = true;
                size = size * 8 + (b - '0');
            }
            return size;
        }
    }

    private static boolean isStoreFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreReadException || t instanceof SizeLimiter.LimitIOException) {
                return true;
            }
        }
        return false;
    }

    /** A failure of the store's stream itself (network, disk), never of the archive's content. */
    public static final class StoreReadException extends IOException {
        private static final long serialVersionUID = 1L;

        StoreReadException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** Marks the store's own failures so they are not mistaken for a damaged archive. */
    private static final class StoreStream extends java.io.FilterInputStream {
        StoreStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new StoreReadException(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new StoreReadException(e);
            }
        }
    }

    /** The age identity fits none of the archive's recipients. */
    public static final class NotARecipientException extends IOException {
        private static final long serialVersionUID = 1L;

        NotARecipientException(String message) {
            super(message);
        }
    }

    private static InputStream decryptor(InputStream in, List<RecipientStanzaReader> identities) throws IOException {
        try {
            return Channels.newInputStream(new StandardDecryptingChannelFactory()
                    .newDecryptingChannel(Channels.newChannel(in), identities));
        } catch (UnsupportedRecipientStanzaException e) {
            throw new NotARecipientException("the archive is not encrypted to this age identity");
        } catch (GeneralSecurityException e) {
            throw new DamagedArchiveException(null, new IOException("the age header is damaged: "
                    + e.getClass().getSimpleName(), e));
        } catch (StoreReadException e) {
            throw e;
        } catch (IOException e) {
            if (isStoreFailure(e)) {
                throw e;
            }
            throw new DamagedArchiveException(null, e);
        }
    }

    private static InputStream decompressor(InputStream in, Compression.Algorithm algorithm) throws IOException {
        try {
            switch (algorithm) {
                case ZSTD:
                    return new ZstdInputStream(in);
                case GZIP:
                    return new GzipCompressorInputStream(in);
                case NONE:
                    return in;
                default:
                    throw new IllegalArgumentException("unknown compression " + algorithm);
            }
        } catch (IOException e) {
            throw new DamagedArchiveException(null, e);
        }
    }

    /** An entry's content; decoding failures are reported as damage in that entry. */
    private static final class EntryStream extends InputStream {
        private final InputStream tar;
        private final String name;

        EntryStream(InputStream tar, String name) {
            this.tar = tar;
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            try {
                return tar.read();
            } catch (IOException e) {
                throw isStoreFailure(e) ? e : new DamagedArchiveException(name, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return tar.read(b, off, len);
            } catch (IOException e) {
                throw isStoreFailure(e) ? e : new DamagedArchiveException(name, e);
            }
        }

        @Override
        public void close() {
            // the tar stream moves on to the next entry by itself
        }
    }

    /** Refuses mark/reset and skips by reading, so that what lies below sees each byte once. */
    private static final class OnePassStream extends java.io.FilterInputStream {
        OnePassStream(InputStream in) {
            super(in);
        }

        @Override
        public boolean markSupported() {
            return false;
        }

        @Override
        public synchronized void mark(int readlimit) {
            // not supported
        }

        @Override
        public synchronized void reset() throws IOException {
            throw new IOException("mark/reset not supported");
        }

        @Override
        public long skip(long n) throws IOException {
            byte[] discard = new byte[(int) Math.min(Math.max(n, 0), 8192)];
            long skipped = 0;
            while (skipped < n) {
                int read = in.read(discard, 0, (int) Math.min(discard.length, n - skipped));
                if (read < 0) {
                    break;
                }
                skipped += read;
            }
            return skipped;
        }
    }

    private static final class CountingInputStream extends java.io.FilterInputStream {
        private long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }
}
