package io.backupkit.internal;

import io.backupkit.ManifestEntry;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Hands finished chunks to a background thread that hashes them and writes them into the archive,
 * so that reading the database and writing the archive overlap. Two buffers circulate: one being
 * filled by the reader while the other is written, which bounds memory to two chunks.
 */
final class ArchivePipeline {

    private record Chunk(String name, ManifestEntry.Kind kind, String table, long rows, ByteBuf buffer) {
    }

    private static final Chunk END = new Chunk("", ManifestEntry.Kind.SCHEMA, null, 0, null);

    private final ArchiveWriter archive;
    private final BlockingQueue<Chunk> full = new ArrayBlockingQueue<>(1);
    private final BlockingQueue<ByteBuf> empty = new ArrayBlockingQueue<>(2);
    private final List<ManifestEntry> entries = new ArrayList<>();
    private final Thread writer;
    private volatile IOException failure;
    private ByteBuf current;
    private boolean finished;

    ArchivePipeline(ArchiveWriter archive, int bufferCapacity, String threadName) {
        this.archive = archive;
        this.current = new ByteBuf(bufferCapacity);
        empty.add(new ByteBuf(bufferCapacity));
        this.writer = new Thread(this::drain, threadName);
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
            full.put(new Chunk(name, kind, table, rows, current));
            ByteBuf next = empty.take();
            next.clear();
            current = next;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the archive");
        }
        throwIfFailed();
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
                if (failure == null) {
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
                empty.put(chunk.buffer());
            }
        } catch (InterruptedException e) {
            // abandoned
        }
    }
}
