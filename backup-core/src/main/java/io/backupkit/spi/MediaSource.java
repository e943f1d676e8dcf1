package io.backupkit.spi;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Where an application keeps its media (uploads, attachments): a flat listing of files that a
 * backup copies under {@code media/} in the same archive as the database.
 *
 * <p>A backup lists the source right after its database snapshot opens and copies exactly the
 * files listed then; files created later are left for the next backup. Reading happens later, so
 * a listed file may be gone by then: {@link #open(String)} then throws
 * {@link java.nio.file.NoSuchFileException} and the backup records the file as missing instead of
 * failing.
 *
 * <p>A source may also be writable ({@link #writable()}): a full restore then puts back the
 * backed-up files that are missing from it. Restores never delete media and, unless asked to, never
 * replace a file that exists (see {@link io.backupkit.MediaRestoreMode}).
 *
 * <p>Implementations must be thread-safe: several backups may list and read at once.
 */
public interface MediaSource {

    /** A human-readable location for messages and logs, for example {@code file:/var/app/uploads}; never holds credentials. */
    String description();

    /** Every file, sorted by name, each with its size (and modification time when known). */
    List<MediaObject> list() throws IOException;

    /**
     * Streams one listed file.
     *
     * @throws java.nio.file.NoSuchFileException the file was deleted since it was listed
     */
    InputStream open(String name) throws IOException;

    /** Whether {@link #write} is supported, so that a restore can put files back. */
    default boolean writable() {
        return false;
    }

    /**
     * Writes one file, replacing any file of that name. The file must appear complete or not at
     * all: a failed or interrupted write leaves the previous file (or none) in place and no partial
     * file under {@code name}.
     *
     * <p>The content comes as a local file whose bytes the restore has already checked against the
     * backup's manifest, so an implementation may read it more than once (to retry a request) and
     * must neither move nor delete it.
     *
     * @param name    a valid {@link MediaObject} name
     * @param content a local file holding exactly the bytes to write
     * @throws UnsupportedOperationException the source is read-only
     */
    default void write(String name, java.nio.file.Path content) throws IOException {
        throw new UnsupportedOperationException("media source " + description() + " is read-only");
    }
}
