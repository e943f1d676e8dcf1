package io.backupkit.spi;

import io.backupkit.ManifestEntry;
import io.backupkit.TablePreview;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * A preview that compares an archive's rows with the live database's as the entries stream past,
 * without staging them: both sides are read in key order and merged, so no table is held in
 * memory. A dialect offers one through {@link Restorer#streamingPreview} when it can for a given
 * backup and live database; otherwise the preview stages the archive and compares with SQL.
 *
 * <p>Used by one thread; {@link #close()} releases the live snapshot whatever happened.
 */
public interface StreamingPreview extends AutoCloseable {

    /** Receives each verified entry in archive order, as {@link Staging#load} does. */
    void load(ManifestEntry entry, InputStream content) throws Exception;

    /**
     * After the last entry: one preview per manifest table, then one per live table the backup
     * does not have, as {@link Staging#compareWithLive()} gives them.
     */
    List<TablePreview> finish() throws Exception;

    /** The live database's tables and their columns, as {@link Staging#liveSchema()} gives them. */
    Map<String, List<String>> liveSchema() throws Exception;

    /** The live database's schema version, as {@link Staging#liveSchemaVersion()} gives it. */
    String liveSchemaVersion() throws Exception;

    @Override
    void close() throws Exception;

    /**
     * Thrown from {@link #load} when the archive turns out not to suit the merge (rows out of key
     * order, an INSERT naming other columns, interleaved tables): the preview then starts again with
     * a staging database, which accepts whatever a restore accepts.
     */
    final class Unsuitable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param why what did not suit the merge, for the log */
        public Unsuitable(String why) {
            super(why);
        }
    }
}
