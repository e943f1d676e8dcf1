package io.backupkit;

/**
 * Size limits on what backupkit writes and reads, so that one oversized database, upload or
 * decompression bomb cannot fill a disk or a heap. A limit of {@link Long#MAX_VALUE} is off.
 *
 * <pre>{@code
 * BackupOptions options = BackupOptions.builder()
 *     .limits(SizeLimits.defaults().toBuilder()
 *         .maxBackupBytes(2L << 30)          // refuse databases estimated above 2 GiB; stop at 2 GiB of SQL
 *         .maxUploadBytes(512L << 20)        // archives uploaded for a restore
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Going over a limit throws {@link LimitExceededException}, which names the limit, its value
 * and the value observed (a web layer maps it to HTTP 413); nothing is stored and no temporary
 * file is left.
 *
 * @param maxBackupBytes    the most bytes a backup may hold before compression (the SQL text of
 *                          the data plus media). Checked before the backup starts against the
 *                          dialect's estimate ({@code (page_count - freelist_count) * page_size}
 *                          for SQLite, plus the listed media sizes) and enforced while streaming;
 *                          default off
 * @param maxArchiveBytes   the most bytes a stored archive (compressed, encrypted) may take;
 *                          enforced while streaming; default off
 * @param maxUploadBytes    the most bytes of an archive imported with
 *                          {@link BackupCatalog#importBackup}; default 1 GiB
 * @param maxExpandedBytes  decompression-bomb guard: the most bytes an archive may expand to when
 *                          read (verify, export, preview, restore, import); default 64 GiB
 * @param maxExpansionRatio decompression-bomb guard: the most expanded bytes per stored byte, checked
 *                          once the expanded size passes {@code ratioGraceBytes}; default 1000
 * @param ratioGraceBytes   expanded bytes read before the ratio is checked (small archives of
 *                          repetitive data legitimately compress very well); default 64 MiB
 */
public record SizeLimits(long maxBackupBytes, long maxArchiveBytes, long maxUploadBytes, long maxExpandedBytes,
                         long maxExpansionRatio, long ratioGraceBytes) {

    /** No limit. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private static final SizeLimits DEFAULTS = new SizeLimits(UNLIMITED, UNLIMITED, 1L << 30, 64L << 30, 1000,
            64L << 20);

    public SizeLimits {
        positive(maxBackupBytes, "maxBackupBytes");
        positive(maxArchiveBytes, "maxArchiveBytes");
        positive(maxUploadBytes, "maxUploadBytes");
        positive(maxExpandedBytes, "maxExpandedBytes");
        positive(maxExpansionRatio, "maxExpansionRatio");
        if (ratioGraceBytes < 0) {
            throw new IllegalArgumentException("ratioGraceBytes must not be negative but was " + ratioGraceBytes);
        }
    }

    private static void positive(long value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1 but was " + value);
        }
    }

    /** The defaults: backups unlimited, uploads 1 GiB, expansion 64 GiB and 1000:1 after 64 MiB. */
    public static SizeLimits defaults() {
        return DEFAULTS;
    }

    /** No limit at all (not recommended for archives from outside). */
    public static SizeLimits none() {
        return new SizeLimits(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, 0);
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return DEFAULTS.toBuilder();
    }

    /** A builder starting from these limits. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxBackupBytes = maxBackupBytes;
        b.maxArchiveBytes = maxArchiveBytes;
        b.maxUploadBytes = maxUploadBytes;
        b.maxExpandedBytes = maxExpandedBytes;
        b.maxExpansionRatio = maxExpansionRatio;
        b.ratioGraceBytes = ratioGraceBytes;
        return b;
    }

    /** Builds {@link SizeLimits}; values are validated by {@link #build()}. */
    public static final class Builder {
        private long maxBackupBytes;
        private long maxArchiveBytes;
        private long maxUploadBytes;
        private long maxExpandedBytes;
        private long maxExpansionRatio;
        private long ratioGraceBytes;

        private Builder() {
        }

        /** Sets the most bytes a backup may hold before compression. */
        public Builder maxBackupBytes(long bytes) {
            this.maxBackupBytes = bytes;
            return this;
        }

        /** Sets the most bytes a stored archive may take. */
        public Builder maxArchiveBytes(long bytes) {
            this.maxArchiveBytes = bytes;
            return this;
        }

        /** Sets the most bytes of an imported (uploaded) archive. */
        public Builder maxUploadBytes(long bytes) {
            this.maxUploadBytes = bytes;
            return this;
        }

        /** Sets the most bytes an archive may expand to when read. */
        public Builder maxExpandedBytes(long bytes) {
            this.maxExpandedBytes = bytes;
            return this;
        }

        /** Sets the most expanded bytes per stored byte. */
        public Builder maxExpansionRatio(long ratio) {
            this.maxExpansionRatio = ratio;
            return this;
        }

        /** Sets how many expanded bytes are read before the ratio is checked. */
        public Builder ratioGraceBytes(long bytes) {
            this.ratioGraceBytes = bytes;
            return this;
        }

        /** Validates and builds. */
        public SizeLimits build() {
            return new SizeLimits(maxBackupBytes, maxArchiveBytes, maxUploadBytes, maxExpandedBytes,
                    maxExpansionRatio, ratioGraceBytes);
        }
    }
}
