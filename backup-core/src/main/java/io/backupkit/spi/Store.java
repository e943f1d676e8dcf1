package io.backupkit.spi;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * Where backups are kept: a flat namespace of immutable objects, written by streaming.
 *
 * <p>An object written through {@link #upload(String)} is invisible to {@link #list()} and
 * {@link #open(String)} until {@link Upload#commit()} returns; an aborted or crashed upload leaves
 * nothing behind that a later listing shows. The core writes each backup as two objects, the
 * archive and then a small sidecar, so a backup is listed only once both are complete.
 *
 * <pre>{@code
 * try (Store.Upload upload = store.upload("20261126T101500123Z-a1b2c3.tar.zst")) {
 *     archive.writeTo(upload.stream());
 *     upload.commit();
 * }
 * }</pre>
 *
 * <p>Implementations must be thread-safe: several uploads may run at once.
 */
public interface Store {

    /** A human-readable location for messages and logs, for example {@code file:/var/backups}; never holds credentials. */
    String description();

    /**
     * Starts writing a new object. Names are unique per backup, so an upload never replaces a
     * committed object; implementations fail with {@link java.nio.file.FileAlreadyExistsException}
     * rather than overwrite.
     */
    Upload upload(String name) throws IOException;

    /**
     * Starts rewriting a small object that may already exist, such as a backup's sidecar when a
     * verification is recorded in it: like {@link #upload(String)}, but {@link Upload#commit()}
     * replaces the object atomically, so that readers see the old bytes or the new ones, never
     * neither and never a mix. Only objects of a few KiB are written this way.
     *
     * <p>The default throws {@link UnsupportedOperationException}; on such a store the core keeps
     * no verification records (verifications still run and are reported).
     */
    default Upload replace(String name) throws IOException {
        throw new UnsupportedOperationException(description() + " cannot replace objects");
    }

    /** Streams a committed object. Throws {@link java.nio.file.NoSuchFileException} when absent. */
    InputStream open(String name) throws IOException;

    /** Names of all committed objects, sorted. Partial uploads are never listed. */
    List<String> list() throws IOException;

    /** Deletes a committed object; deleting an absent object is not an error. */
    void delete(String name) throws IOException;

    /**
     * One object being written. Closing an upload that was not committed aborts it.
     */
    interface Upload extends Closeable {

        /** The stream to write the object's bytes to. Do not close it; commit or abort the upload instead. */
        OutputStream stream();

        /** Makes the object durable and visible atomically. */
        void commit() throws IOException;

        /** Discards everything written; idempotent and never throws. */
        void abort();

        /** Aborts unless {@link #commit()} succeeded. */
        @Override
        void close();
    }
}
