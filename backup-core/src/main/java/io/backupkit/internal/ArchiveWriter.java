package io.backupkit.internal;

import com.github.luben.zstd.ZstdOutputStream;
import io.backupkit.Compression;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

/**
 * Writes a backup archive, a compressed tar stream, to a store's stream, one complete entry at a
 * time. Each entry is handed over whole because a tar header states the entry's size before its
 * bytes; callers bound entry sizes (chunks) so memory stays bounded.
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
        this.counted = new DigestingOutputStream(storeStream);
        this.compressed = compressor(counted, compression);
        this.tar = new TarArchiveOutputStream(compressed, 64 * 1024, "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        this.modTime = FileTime.from(modTime);
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
