package io.backupkit;

import io.backupkit.spi.WriteGate;
import java.time.Duration;
import java.util.Objects;

/**
 * How a full restore runs.
 *
 * <pre>{@code
 * service.restore(id, RestoreOptions.builder()
 *     .writeGate(HikariWriteGate.of(hikariDataSource))   // hold app writes during the swap
 *     .maxWritePause(Duration.ofMillis(250))
 *     .build());
 * }</pre>
 *
 * @param writeGate          holds application writes while the database is swapped; {@link WriteGate#none()}
 *                           only when nothing else uses the database (the CLI with the app stopped)
 * @param maxWritePause      the longest the gate may hold writes, waiting for in-flight work included
 * @param allowNewerSchema   restore even when the backup's schema version is newer than the live one
 * @param safetyBackup       take a {@code pre-restore} backup first (default true)
 * @param appSchemaVersion   the schema version the application expects; when null the live
 *                           database's {@code user_version} is used. A backup with a higher version
 *                           is refused unless {@code allowNewerSchema}
 * @param afterRestore       runs on the staged database before the swap, e.g. the host's migrations
 * @param allowForeignKeyViolations restore even when the rebuilt database fails {@code PRAGMA foreign_key_check}
 *                           (an application that runs with foreign keys off may have backed up orphans)
 * @param mediaRestore       what to do with the backup's media files when the service has a writable
 *                           media source; {@link MediaRestoreMode#MISSING_ONLY} by default
 * @param allowRedacted      restore a redacted backup (its manifest lists redactions: secrets left
 *                           out, columns masked by a profile or rule) over live data, which replaces
 *                           the live values with the placeholders; refused without it
 * @param verifyContent      render every staged table again and compare its content checksum with
 *                           the manifest's before the swap (default true); see docs/restore.md. Only
 *                           dialects that can read their staging from other connections do it (SQLite);
 *                           the PostgreSQL dialect skips it (docs/postgres.md)
 */
public record RestoreOptions(WriteGate writeGate, Duration maxWritePause, boolean allowNewerSchema,
                             boolean safetyBackup, Long appSchemaVersion, AfterRestore afterRestore,
                             boolean allowForeignKeyViolations, MediaRestoreMode mediaRestore,
                             boolean allowRedacted, boolean verifyContent) {

    /** The label of the safety backups that restores take. */
    public static final String PRE_RESTORE_LABEL = "pre-restore";

    public RestoreOptions {
        Objects.requireNonNull(writeGate, "writeGate");
        Objects.requireNonNull(maxWritePause, "maxWritePause");
        Objects.requireNonNull(afterRestore, "afterRestore");
        Objects.requireNonNull(mediaRestore, "mediaRestore");
        if (maxWritePause.isNegative() || maxWritePause.isZero()) {
            throw new IllegalArgumentException("maxWritePause must be positive but was " + maxWritePause);
        }
    }

    /** A builder with safe defaults: no gate (set one for a live app), 250 ms pause, safety backup on. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link RestoreOptions}. */
    public static final class Builder {
        private WriteGate writeGate = WriteGate.none();
        private Duration maxWritePause = Duration.ofMillis(250);
        private boolean allowNewerSchema;
        private boolean safetyBackup = true;
        private Long appSchemaVersion;
        private AfterRestore afterRestore = AfterRestore.none();
        private boolean allowForeignKeyViolations;
        private MediaRestoreMode mediaRestore = MediaRestoreMode.MISSING_ONLY;
        private boolean allowRedacted;
        private boolean verifyContent = true;

        private Builder() {
        }

        /** Sets the gate that holds application writes during the swap. */
        public Builder writeGate(WriteGate gate) {
            this.writeGate = Objects.requireNonNull(gate, "writeGate");
            return this;
        }

        /** Sets the longest write pause. */
        public Builder maxWritePause(Duration pause) {
            this.maxWritePause = Objects.requireNonNull(pause, "maxWritePause");
            return this;
        }

        /** Allows restoring a backup whose schema version is newer than the live database's. */
        public Builder allowNewerSchema(boolean allow) {
            this.allowNewerSchema = allow;
            return this;
        }

        /** Whether to take a {@code pre-restore} safety backup first. */
        public Builder safetyBackup(boolean take) {
            this.safetyBackup = take;
            return this;
        }

        /** Declares the schema version the application expects (instead of the live {@code user_version}). */
        public Builder appSchemaVersion(long version) {
            this.appSchemaVersion = version;
            return this;
        }

        /** Runs a callback on the staged database before the swap. */
        public Builder afterRestore(AfterRestore callback) {
            this.afterRestore = Objects.requireNonNull(callback, "afterRestore");
            return this;
        }

        /**
         * Restores even when the rebuilt database has rows whose foreign keys point nowhere, as
         * the backed-up database did if the application ran with foreign keys off.
         */
        public Builder allowForeignKeyViolations(boolean allow) {
            this.allowForeignKeyViolations = allow;
            return this;
        }

        /** What to do with media files; {@link MediaRestoreMode#MISSING_ONLY} by default. */
        public Builder mediaRestore(MediaRestoreMode mode) {
            this.mediaRestore = Objects.requireNonNull(mode, "mediaRestore");
            return this;
        }

        /**
         * Restores a redacted backup over live data anyway: secrets it left out are lost, masked
         * columns (password hashes, emails...) get the masked values. Restoring into a database
         * that does not exist yet needs no flag.
         */
        public Builder allowRedacted(boolean allow) {
            this.allowRedacted = allow;
            return this;
        }

        /**
         * Whether to compare every staged table's content checksum with the manifest's before the
         * swap (default true). Turning it off saves one more read of the staged data (it runs on
         * two readers beside the integrity and foreign-key checks, then beside the safety backup)
         * and keeps the integrity, foreign-key and row-count checks. Dialects without a staged
         * snapshot (PostgreSQL) skip the check either way.
         */
        public Builder verifyContent(boolean verify) {
            this.verifyContent = verify;
            return this;
        }

        /** Validates and builds. */
        public RestoreOptions build() {
            return new RestoreOptions(writeGate, maxWritePause, allowNewerSchema, safetyBackup, appSchemaVersion,
                    afterRestore, allowForeignKeyViolations, mediaRestore, allowRedacted, verifyContent);
        }
    }
}
