package io.backupkit;

import java.util.Objects;

/**
 * A size limit of {@link SizeLimits} was exceeded: the backup, import or read stopped, and nothing
 * was stored or changed. A web layer maps it to HTTP 413 (Payload Too Large).
 *
 * <pre>{@code
 * try {
 *     catalog.importBackup(sidecarUpload, archiveUpload);
 * } catch (LimitExceededException e) {
 *     ctx.status(413).result(e.limit() + ": at most " + e.maximum() + ", got " + e.observed());
 * }
 * }</pre>
 */
public class LimitExceededException extends BackupException {
    private static final long serialVersionUID = 1L;

    /** Which limit. */
    public enum Limit {
        /** {@link SizeLimits#maxBackupBytes()}, from the estimate before a backup starts. */
        BACKUP_BYTES_ESTIMATED,
        /** {@link SizeLimits#maxBackupBytes()}, while a backup streams. */
        BACKUP_BYTES,
        /** {@link SizeLimits#maxArchiveBytes()}. */
        ARCHIVE_BYTES,
        /** {@link SizeLimits#maxUploadBytes()}. */
        UPLOAD_BYTES,
        /** {@link SizeLimits#maxExpandedBytes()}. */
        EXPANDED_BYTES,
        /** {@link SizeLimits#maxExpansionRatio()}. */
        EXPANSION_RATIO
    }

    private final Limit limit;
    private final long maximum;
    private final long observed;

    /**
     * @param context  what was being done, e.g. {@code "backup 2026...: "}; never row data or keys
     * @param limit    the limit
     * @param maximum  its configured value
     * @param observed the value that went over it (at the moment the check fired)
     */
    public LimitExceededException(String context, Limit limit, long maximum, long observed) {
        super(context + describe(limit, maximum, observed));
        this.limit = Objects.requireNonNull(limit, "limit");
        this.maximum = maximum;
        this.observed = observed;
    }

    private static String describe(Limit limit, long maximum, long observed) {
        return switch (limit) {
            case BACKUP_BYTES_ESTIMATED -> "the database is estimated at " + observed
                    + " bytes, over the backup size limit of " + maximum + " bytes (maxBackupBytes); nothing was stored";
            case BACKUP_BYTES -> "the backup reached " + observed + " bytes before compression, over the limit of "
                    + maximum + " bytes (maxBackupBytes); it was aborted and nothing was stored";
            case ARCHIVE_BYTES -> "the archive reached " + observed + " stored bytes, over the limit of " + maximum
                    + " bytes (maxArchiveBytes); it was aborted and nothing was stored";
            case UPLOAD_BYTES -> "the upload is at least " + observed + " bytes, over the limit of " + maximum
                    + " bytes (maxUploadBytes); nothing was stored";
            case EXPANDED_BYTES -> "the archive expands to more than " + maximum + " bytes (maxExpandedBytes; "
                    + observed + " read): refused as a possible decompression bomb";
            case EXPANSION_RATIO -> "the archive expands " + observed + " times its stored size, over the limit of "
                    + maximum + " (maxExpansionRatio): refused as a possible decompression bomb";
        };
    }

    /** Which limit was exceeded. */
    public Limit limit() {
        return limit;
    }

    /** The limit's value (bytes, or a ratio for {@link Limit#EXPANSION_RATIO}). */
    public long maximum() {
        return maximum;
    }

    /** The value observed when the limit fired. */
    public long observed() {
        return observed;
    }

    @Override
    public String code() {
        return "limit_exceeded";
    }
}
