package io.backupkit;

import java.sql.Connection;

/**
 * Runs on the staged database after its data is loaded and checked, before it replaces the live
 * one: for example the host's migrations when the backup comes from an older schema version. If it
 * throws, the restore stops and the live database is left as it was.
 *
 * <pre>{@code
 * RestoreOptions.builder()
 *     .afterRestore((staged, manifest) -> flyway.migrate(staged))
 *     .build();
 * }</pre>
 */
@FunctionalInterface
public interface AfterRestore {

    /**
     * @param staged   a connection to the staged database, in a transaction committed after the call
     * @param manifest the restored backup's manifest
     */
    void apply(Connection staged, BackupManifest manifest) throws Exception;

    /** Does nothing; always the same instance, which restores recognise and skip (no second check of the staged database). */
    static AfterRestore none() {
        return NoCallback.INSTANCE;
    }

    /** The callback of {@link #none()}. */
    enum NoCallback implements AfterRestore {
        /** The only instance. */
        INSTANCE;

        @Override
        public void apply(Connection staged, BackupManifest manifest) {
        }
    }
}
