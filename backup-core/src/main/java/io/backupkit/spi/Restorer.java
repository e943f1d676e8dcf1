package io.backupkit.spi;

import io.backupkit.BackupManifest;
import java.nio.file.Path;
import javax.sql.DataSource;

/**
 * A dialect's restore support: it checks an archive's schema and builds a staging database from the
 * archive's entries, never executing archive SQL text as it stands.
 *
 * <p>The core has verified every checksum and the manifest before any method here is called.
 */
public interface Restorer {

    /**
     * Rejects the manifest's schema unless every statement is one the dialect allows (tables,
     * indexes, views, triggers, virtual tables) and refers only to the backup's own tables.
     *
     * @throws io.backupkit.InvalidArchiveException naming the statement and what was rejected
     */
    void validateSchema(BackupManifest manifest);

    /**
     * Opens an empty staging database for the backup.
     *
     * @param live          the live database, read only to learn where it lives and what it holds; a server
     *                      dialect may also build a preview's or a deep verify's scratch copy inside it.
     *                      {@code null} for a deep verify from a catalog that has no database
     * @param manifest      the verified manifest
     * @param besideLive    true to stage next to the live database, ready to be swapped in;
     *                      false to stage in {@code tempDirectory} (for a preview, which writes nothing near the live data)
     * @param tempDirectory where temporary staging goes
     */
    Staging openStaging(DataSource live, BackupManifest manifest, boolean besideLive, Path tempDirectory)
            throws Exception;

    /**
     * A preview that merges the archive's rows with the live ones without staging, when this
     * dialect can for this backup and this live database; empty otherwise (the default), and the
     * preview stages the archive instead. It must give the same counts the staging would.
     *
     * @param live          the live database
     * @param manifest      the verified manifest
     * @param tempDirectory where temporary files may go
     */
    default java.util.Optional<StreamingPreview> streamingPreview(DataSource live, BackupManifest manifest,
                                                                   Path tempDirectory) throws Exception {
        return java.util.Optional.empty();
    }

    /** Deletes staging files left by a process that died during a restore; returns how many. */
    int cleanUpAbandonedStaging(DataSource live) throws Exception;
}
