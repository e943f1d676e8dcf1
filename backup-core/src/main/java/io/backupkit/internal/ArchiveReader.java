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
        MessageDigest archiveDigest = Sha256.newDigest();
        CountingInputStream counted = new CountingInputStream(
                new BufferedInputStream(new StoreStream(storeStream), 256 * 1024));
        // Every byte must pass through the digest exactly once: a decompressor that marks and resets
        // (gzip does, to hand back what its inflater did not use) would otherwise hash bytes twice.
        InputStream digesting = new OnePassStream(new DigestInputStream(counted, archiveDigest));
        String current = null;
        InputStream plain = identities == null ? digesting : decryptor(digesting, identities);
        try (InputStream decompressed = decompressor(plain, algorithm);
             TarArchiveInputStream tar = new TarArchiveInputStream(decompressed, "UTF-8")) {
            TarArchiveEntry entry;
            while ((entry = nextEntry(tar, current)) != null) {
                current = entry.getName();
                if (!entry.isFile()) {
                    continue;
                }
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
        } catch (DamagedArchiveException | StoreReadException e) {
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

    private static boolean isStoreFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StoreReadException) {
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
