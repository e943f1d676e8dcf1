package io.backupkit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning for how backups are written. The defaults suit most applications.
 *
 * <pre>{@code
 * BackupOptions options = BackupOptions.builder()
 *     .compression(Compression.zstd(6))
 *     .insertBatchRows(1_000)
 *     .build();
 * }</pre>
 *
 * @param compression     archive compression; default zstd level 3
 * @param insertBatchRows most rows per multi-row INSERT statement; default 500
 * @param insertBatchBytes INSERT statements end once they pass this many bytes; default 256 KiB
 * @param chunkBytes      a table's data is split into archive entries of about this size; default 8 MiB.
 *                        It bounds memory: one chunk is buffered while being written
 * @param lockTimeout     how long to wait for a database lock before failing; default 10 s
 * @param tempDirectory   where a dialect may put a short-lived snapshot copy (SQLite in
 *                        rollback-journal mode); default {@code java.io.tmpdir}
 * @param limits          size limits on backups written and archives read (see {@link SizeLimits});
 *                        default {@link SizeLimits#defaults()}
 */
public record BackupOptions(Compression compression, int insertBatchRows, int insertBatchBytes, int chunkBytes,
                            Duration lockTimeout, Path tempDirectory, SizeLimits limits) {

    public BackupOptions {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(tempDirectory, "tempDirectory");
        Objects.requireNonNull(limits, "limits");
        if (insertBatchRows < 1) {
            throw new IllegalArgumentException("insertBatchRows must be at least 1 but was " + insertBatchRows);
        }
        if (insertBatchBytes < 1) {
            throw new IllegalArgumentException("insertBatchBytes must be at least 1 but was " + insertBatchBytes);
        }
        if (chunkBytes < 4096) {
            throw new IllegalArgumentException("chunkBytes must be at least 4096 but was " + chunkBytes);
        }
        if (lockTimeout.isNegative()) {
            throw new IllegalArgumentException("lockTimeout must not be negative but was " + lockTimeout);
        }
    }

    /** The defaults. */
    public static BackupOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.compression = compression;
        b.insertBatchRows = insertBatchRows;
        b.insertBatchBytes = insertBatchBytes;
        b.chunkBytes = chunkBytes;
        b.lockTimeout = lockTimeout;
        b.tempDirectory = tempDirectory;
        b.limits = limits;
        return b;
    }

    /** Builds {@link BackupOptions}; every setter validates when {@link #build()} runs. */
    public static final class Builder {
        private Compression compression = Compression.zstd(3);
        private int insertBatchRows = 500;
        private int insertBatchBytes = 256 * 1024;
        private int chunkBytes = 8 * 1024 * 1024;
        private Duration lockTimeout = Duration.ofSeconds(10);
        private Path tempDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        private SizeLimits limits = SizeLimits.defaults();

        private Builder() {
        }

        /** Sets the archive compression. */
        public Builder compression(Compression compression) {
            this.compression = Objects.requireNonNull(compression, "compression");
            return this;
        }

        /** Sets the most rows per INSERT statement. */
        public Builder insertBatchRows(int rows) {
            this.insertBatchRows = rows;
            return this;
        }

        /** Sets the size after which an INSERT statement is ended. */
        public Builder insertBatchBytes(int bytes) {
            this.insertBatchBytes = bytes;
            return this;
        }

        /** Sets the approximate size of each data entry. */
        public Builder chunkBytes(int bytes) {
            this.chunkBytes = bytes;
            return this;
        }

        /** Sets how long to wait for a database lock. */
        public Builder lockTimeout(Duration timeout) {
            this.lockTimeout = Objects.requireNonNull(timeout, "lockTimeout");
            return this;
        }

        /** Sets where short-lived snapshot copies go. */
        public Builder tempDirectory(Path directory) {
            this.tempDirectory = Objects.requireNonNull(directory, "tempDirectory");
            return this;
        }

        /** Sets the size limits on backups written and archives read. */
        public Builder limits(SizeLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /** Validates and builds. */
        public BackupOptions build() {
            return new BackupOptions(compression, insertBatchRows, insertBatchBytes, chunkBytes, lockTimeout,
                    tempDirectory, limits);
        }
    }
}
