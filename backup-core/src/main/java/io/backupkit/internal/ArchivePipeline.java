package io.backupkit.internal;

import io.backupkit.BackupManifest;
import io.backupkit.ManifestEntry;
import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands finished chunks to a background thread that hashes them and writes them into the archive,
 * so that reading the database and writing the archive overlap. Two buffers circulate: one being
 * filled by the reader while the other is written, which bounds memory to two chunks. Media files
 * are queued by name and streamed from their source on the same thread, in order, through a
 * small buffer.
 */
final class ArchivePipeline {

    /** One queued entry: a filled buffer, or (with a null buffer) a media file to stream from its source. */
    private record Chunk(String name, ManifestEntry.Kind kind, String table, long rows, ByteBuf buffer,
                         MediaSource source, MediaObject media) {
    }

    /** A media file could not be read from its source (other than being deleted since listing). */
    static final class MediaReadException extends IOException {
        private static final long serialVersionUID = 1L;

        MediaReadException(String message, IOException cause) {
            super(message, cause);
        }
    }

    private static final Chunk END = new Chunk("", ManifestEntry.Kind.SCHEMA, null, 0, null, null, null);

    private final ArchiveWriter archive;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(1);
    private final BlockingQueue<ByteBuf> empty = new ArrayBlockingQueue<>(2);
    private final List<ManifestEntry> entries = new ArrayList<>();
    private final List<String> mediaMissing = new ArrayList<>();
    private final List<BackupManifest.MediaChange> mediaChanged = new ArrayList<>();
    private final Thread writer;
    private volatile IOException failure;
    private ByteBuf current;
    private boolean finished;

    ArchivePipeline(ArchiveWriter archive, int bufferCapacity, String threadName) {
        this.archive = archive;
        this.current = new ByteBuf(bufferCapacity);
        empty.add(new ByteBuf(bufferCapacity));
        // The store may log from this thread (S3 retries): with the run's MDC, its lines carry the backup id.
        java.util.Map<String, String> mdc = org.slf4j.MDC.getCopyOfContextMap();
        this.writer = new Thread(() -> {
            if (mdc != null) {
                org.slf4j.MDC.setContextMap(mdc);
            }
            drain();
        }, threadName);
        writer.setDaemon(true);
        writer.start();
    }

    /** The buffer to fill with the next entry. */
    ByteBuf buffer() {
        return current;
    }

    /** Queues the current buffer as one entry and makes a fresh buffer current. */
    void submit(String name, ManifestEntry.Kind kind, String table, long rows) throws IOException {
        throwIfFailed();
        try {
            full.put(new Chunk(name, kind, table, rows, current, null, null));
            ByteBuf next = empty.take();
            next.clear();
            current = next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
        throwIfFailed();
    }

    /**
     * Queues one media file, to be streamed into the archive as {@code entryName} with the listed
     * size, after every entry queued before it. A file deleted before it is opened gets no entry
     * and is reported by {@link #mediaMissing()}; one whose length changed is reported by
     * {@link #mediaChanged()}.
     */
    void submitMedia(String entryName, MediaSource source, MediaObject media) throws IOException {
        throwIfFailed();
        try {
            full.put(new Chunk(entryName, ManifestEntry.Kind.MEDIA, null, 0, null, source, media));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
    }

    /** Media files deleted between listing and reading, in archive order; complete after {@link #finish()}. */
    List<String> mediaMissing() {
        return List.copyOf(mediaMissing);
    }

    /** Media files whose length changed between listing and reading; complete after {@link #finish()}. */
    List<BackupManifest.MediaChange> mediaChanged() {
        return List.copyOf(mediaChanged);
    }

    /** Waits until every queued entry is written and returns the entries in archive order. */
    List<ManifestEntry> finish() throws IOException {
        if (!finished) {
            finished = true;
            try {
                full.put(END);
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                writer.interrupt();
                throw new InterruptedIOException("interrupted while finishing the archive");
            }
        }
        throwIfFailed();
        return List.copyOf(entries);
    }

    /** Stops the writer thread after a failure elsewhere; never throws. */
    void abandon() {
        finished = true;
        writer.interrupt();
        try {
            writer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void throwIfFailed() throws IOException {
        IOException e = failure;
        if (e != null) {
            throw e;
        }
    }

    private void drain() {
        try {
            while (true) {
                Chunk chunk = full.take();
                if (chunk == END) {
                    return;
                }
                if (failure == null && chunk.media() != null) {
                    try {
                        writeMedia(chunk);
                    } catch (IOException e) {
                        failure = e;
                    } catch (RuntimeException e) {
                        failure = new IOException(e.toString(), e);
                    }
                    continue;
                }
                if (failure == null && chunk.buffer() != null) {
                    try {
                        ByteBuf b = chunk.buffer();
                        String sha = archive.addEntry(chunk.name(), b.array(), b.length());
                        entries.add(new ManifestEntry(chunk.name(), chunk.kind(), chunk.table(), chunk.rows(),
                                b.length(), sha));
                    } catch (IOException e) {
                        failure = e;
                    } catch (RuntimeException e) {
                        failure = new IOException(e.toString(), e);
                    }
                }
                if (chunk.buffer() != null) {
                    empty.put(chunk.buffer());
                }
            }
        } catch (InterruptedException e) {
            // abandoned
        }
    }

    private void writeMedia(Chunk chunk) throws IOException {
        MediaObject media = chunk.media();
        InputStream in;
        try {
            in = chunk.source().open(media.name());
        } catch (NoSuchFileException e) {
            mediaMissing.add(media.name());
            return;
        } catch (IOException e) {
            throw new MediaReadException("opening media file '" + media.name() + "' failed: " + e, e);
        }
        ArchiveWriter.StreamedEntry written;
        try (InputStream source = new SourceStream(in, media.name())) {
            written = archive.addEntry(chunk.name(), source, media.size(), media.modified());
        }
        entries.add(new ManifestEntry(chunk.name(), ManifestEntry.Kind.MEDIA, null, 0, media.size(), written.sha256()));
        if (written.sourceSize() != media.size()) {
            mediaChanged.add(new BackupManifest.MediaChange(media.name(), media.size(), written.sourceSize()));
        }
    }

    /** Tells the source's read failures apart from the archive's write failures. */
    private static final class SourceStream extends FilterInputStream {
        private final String name;

        SourceStream(InputStream in, String name) {
            super(in);
            this.name = name;
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException e) {
                throw new MediaReadException("reading media file '" + name + "' failed: " + e, e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                throw new MediaReadException("reading media file '" + name + "' failed: " + e, e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                super.close();
            } catch (IOException e) {
                throw new MediaReadException("closing media file '" + name + "' failed: " + e, e);
            }
        }
    }
}
