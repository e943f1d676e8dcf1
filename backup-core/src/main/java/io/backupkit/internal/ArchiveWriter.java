package io.backupkit.internal;

import com.exceptionfactory.jagged.RecipientStanzaWriter;
import com.exceptionfactory.jagged.framework.stream.StandardEncryptingChannelFactory;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaWriterFactory;
import java.nio.channels.Channels;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;

import com.github.luben.zstd.ZstdOutputStream;
import io.backupkit.Compression;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes a backup archive, a compressed tar stream, to a store's stream, one complete entry at a
 * time. A tar header states the entry's size before its bytes, so SQL entries are handed over
 * whole (callers bound their size in chunks) and media entries are streamed with the size they
 * were listed with; memory stays bounded either way.
 */
public final class ArchiveWriter {

    private final DigestingOutputStream counted;
    private final OutputStream compressed;
    private final TarArchiveOutputStream tar;
    private final FileTime modTime;
    private boolean finished;

    /**
     * @param storeStream where the archive goes; it is flushed but never closed
     * @param compression the compression
     * @param modTime     the modification time stamped on every entry (the snapshot time)
     */
    public ArchiveWriter(OutputStream storeStream, Compression compression, Instant modTime) throws IOException {
        this(storeStream, compression, modTime, List.of());
    }

    /**
     * @param storeStream   where the archive goes; it is flushed but never closed
     * @param compression   the compression
     * @param modTime       the modification time stamped on every entry (the snapshot time)
     * @param ageRecipients age X25519 recipients ({@code age1...}); when not empty, the compressed
     *                      stream is encrypted to all of them while it streams, and the digest and
     *                      byte count are those of the encrypted (stored) bytes
     */
    public ArchiveWriter(OutputStream storeStream, Compression compression, Instant modTime,
                         List<String> ageRecipients) throws IOException {
        this.counted = new DigestingOutputStream(storeStream);
        this.compressed = compressor(ageRecipients.isEmpty() ? counted : encryptor(counted, ageRecipients),
                compression);
        this.tar = new TarArchiveOutputStream(compressed, 64 * 1024, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.modTime = FileTime.from(modTime);
    }

    /** Validates age recipients, so that a bad key fails before anything is written. */
    public static List<RecipientStanzaWriter> recipientWriters(List<String> ageRecipients) {
        List<RecipientStanzaWriter> writers = new ArrayList<>();
        for (String recipient : ageRecipients) {
            try {
                writers.add(X25519RecipientStanzaWriterFactory.newRecipientStanzaWriter(recipient.strip()));
            } catch (GeneralSecurityException | RuntimeException e) {
                throw new IllegalArgumentException("not an age X25519 recipient (age1...): " + recipient, e);
            }
        }
        return writers;
    }

    private static OutputStream encryptor(OutputStream out, List<String> ageRecipients) throws IOException {
        try {
            // Closing the channel writes the last age chunk and closes `out`, which only flushes.
            return Channels.newOutputStream(new StandardEncryptingChannelFactory()
                    .newEncryptingChannel(Channels.newChannel(out), recipientWriters(ageRecipients)));
        } catch (GeneralSecurityException e) {
            throw new IOException("age encryption could not start: " + e.getMessage(), e);
        }
    }

    private static OutputStream compressor(OutputStream out, Compression compression) throws IOException {
        switch (compression.algorithm()) {
            case ZSTD:
                // One worker thread compresses while the caller renders the next chunk; the frame
                // checksum lets plain `zstd -d` detect damage too.
                ZstdOutputStream zstd = new ZstdOutputStream(new BufferedOutputStream(out, 256 * 1024),
                        compression.level());
                zstd.setChecksum(true);
                zstd.setWorkers(1);
                return zstd;
            case GZIP:
                GzipParameters parameters = new GzipParameters();
                parameters.setCompressionLevel(compression.level());
                return new GzipCompressorOutputStream(new BufferedOutputStream(out, 64 * 1024), parameters);
            case NONE:
                return new BufferedOutputStream(out, 256 * 1024);
            default:
                throw new IllegalArgumentException("unknown compression " + compression);
        }
    }

    /** Adds one entry and returns its SHA-256. */
    public String addEntry(String name, byte[] bytes, int length) throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(length);
        entry.setMode(0100644);
        entry.setLastModifiedTime(modTime);
        tar.putArchiveEntry(entry);
        tar.write(bytes, 0, length);
        tar.closeArchiveEntry();
        return Sha256.of(bytes, 0, length);
    }

    /**
     * What {@link #addEntry(String, InputStream, long, Instant)} wrote.
     *
     * @param sha256     SHA-256 of the entry's bytes, exactly {@code size} of them
     * @param sourceSize how many bytes the source held; differs from the entry's size when the
     *                   source changed length after it was listed
     */
    public record StreamedEntry(String sha256, long sourceSize) {
    }

    /**
     * Adds one entry of a size known beforehand, streaming its bytes from {@code source} through a
     * small buffer. The tar header states {@code size} before the bytes, so exactly {@code size}
     * bytes are written whatever the source does: a source that ends early is padded with zero
     * bytes, and one that holds more is cut off (and read to its end only to count it). The
     * archive stays well-formed either way; the caller compares {@link StreamedEntry#sourceSize()}.
     *
     * @param modified the entry's modification time, or {@code null} for the archive's time
     */
    public StreamedEntry addEntry(String name, InputStream source, long size, Instant modified) throws IOException {
        if (finished) {
            throw new IllegalStateException("archive already finished");
        }
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(size);
        entry.setMode(0100644);
        entry.setLastModifiedTime(modified == null ? modTime : FileTime.from(modified));
        tar.putArchiveEntry(entry);
        MessageDigest digest = Sha256.newDigest();
        byte[] buffer = new byte[64 * 1024];
        long written = 0;
        long read = 0;
        int n;
        while ((n = source.read(buffer)) >= 0) {
            int keep = (int) Math.min(n, size - written);
            if (keep > 0) {
                tar.write(buffer, 0, keep);
                digest.update(buffer, 0, keep);
                written += keep;
            }
            read += n;
        }
        java.util.Arrays.fill(buffer, (byte) 0);
        while (written < size) {
            int pad = (int) Math.min(buffer.length, size - written);
            tar.write(buffer, 0, pad);
            digest.update(buffer, 0, pad);
            written += pad;
        }
        tar.closeArchiveEntry();
        return new StreamedEntry(Sha256.hex(digest.digest()), read);
    }

    /** Ends the tar stream and the compression frame, and flushes everything to the store's stream. */
    public void finish() throws IOException {
        if (!finished) {
            finished = true;
            tar.finish();
            tar.close(); // closes the compressor, which ends its frame; the store stream is only flushed
        }
    }

    /**
     * Releases the compressor after a failure without finishing the archive; the upload it wrote
     * to is aborted by the caller, so the bytes never become visible.
     */
    public void abandon() {
        if (!finished) {
            finished = true;
            try {
                compressed.close();
            } catch (IOException | RuntimeException ignored) {
                // the store stream is already broken or the upload is being aborted
            }
        }
    }

    /** Compressed bytes written so far. */
    public long bytesWritten() {
        return counted.count();
    }

    /** SHA-256 of the whole archive; valid after {@link #finish()}. */
    public String archiveSha256() {
        if (!finished) {
            throw new IllegalStateException("archive not finished");
        }
        return counted.sha256();
    }
}
