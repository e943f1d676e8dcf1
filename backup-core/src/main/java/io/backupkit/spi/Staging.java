package io.backupkit.spi;

import io.backupkit.ManifestEntry;
import io.backupkit.TablePreview;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/**
 * A database being rebuilt from an archive, beside (or away from) the live one. Closing a staging
 * that was not swapped in deletes it.
 */
public interface Staging extends AutoCloseable {

    /**
     * Loads one SQL entry, in archive order. Data entries go through a strict parser and bind
     * their literals as parameters; schema statements come from the validated manifest.
     *
     * @throws io.backupkit.InvalidArchiveException naming the entry and line when the content is not allowed
     */
    void load(ManifestEntry entry, InputStream content) throws Exception;

    /**
     * Makes the loaded data readable by {@link #openStagedSnapshot()}, called once after the last
     * {@link #load} and before {@link #complete()}, so that the content check can read the staged
     * tables while {@code complete()} runs its own checks. Dialects without a staged snapshot leave it
     * empty; {@code complete()} must work whether or not it was called.
     */
    default void commitLoaded() throws Exception {
    }

    /**
     * Finishes the database and checks it: integrity, foreign keys, and row counts against the
     * manifest. Returns the problems found; empty when the staging is sound. Foreign-key problems
     * start with {@code foreign_key_check}, so that a caller can tolerate them on request.
     */
    List<String> complete() throws Exception;

    /**
     * A read snapshot of the staged database, opened after {@link #commitLoaded()}: the restore renders
     * every table again through it and compares each table's content checksum
     * ({@link io.backupkit.TableSummary#contentChecksum()}) with the manifest's. Empty when the
     * dialect cannot offer one; the content check is then skipped.
     */
    default java.util.Optional<Snapshot> openStagedSnapshot() throws Exception {
        return java.util.Optional.empty();
    }

    /**
     * Runs a callback on a connection to the staged database, in a transaction committed when it
     * returns, then checks the database again. Called after {@link #complete()}.
     *
     * @return problems found by the checks afterwards; empty when sound
     */
    List<String> runOnStaged(io.backupkit.AfterRestore callback, io.backupkit.BackupManifest manifest) throws Exception;

    /**
     * Merges the selected part of the staged database into the live one, in one transaction on a
     * connection from {@code live}, without deleting anything outside the selection.
     */
    io.backupkit.SelectiveRestoreResult mergeIntoLive(javax.sql.DataSource live, io.backupkit.Selection selection)
            throws Exception;

    /** Compares the staged database with the live one, table by table, by primary key, streaming. */
    List<TablePreview> compareWithLive() throws Exception;

    /** Tables and columns in the live database, as {@code table -> columns}, for schema differences. */
    java.util.Map<String, List<String>> liveSchema() throws Exception;

    /** The live database's schema version, for example SQLite's {@code user_version}. */
    String liveSchemaVersion() throws Exception;

    /**
     * Replaces the live database with the staged one atomically: readers see the old or the new
     * database, never a mix. Writes are held through {@code gate} for at most {@code maxPause}.
     *
     * @return how long writes were held
     */
    Duration swapIntoLive(WriteGate gate, Duration maxPause) throws Exception;

    @Override
    void close() throws Exception;
}
