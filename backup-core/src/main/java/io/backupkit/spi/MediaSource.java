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
}
