package io.backupkit;

import java.util.List;
import java.util.Objects;

/**
 * What a selective restore did, row by row.
 *
 * @param backupId the backup
 * @param rows     one outcome per row considered, parents first
 * @param media    the media files put back for the merged rows ({@link MediaRestoreResult#NONE}
 *                 unless the selection asked for them with {@link Selection#withMedia})
 */
public record SelectiveRestoreResult(String backupId, List<RowOutcome> rows, MediaRestoreResult media) {

    /** What happened to one row. */
    public enum Action {
        /** The row was missing live and was inserted. */
        INSERTED,
        /** The row existed live with other values and was replaced (policy OVERWRITE). */
        OVERWRITTEN,
        /** The row existed live with other values and was kept (policy SKIP, or a parent that exists). */
        SKIPPED,
        /** The row existed live with the same values. */
        UNCHANGED,
        /** A whole table was replaced; {@link RowOutcome#key()} holds the number of rows. */
        TABLE_REPLACED
    }

    /**
     * @param table  the table
     * @param key    the row's primary key (or rowid), as text
     * @param action what happened
     */
    public record RowOutcome(String table, String key, Action action) {
        public RowOutcome {
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(action, "action");
        }
    }

    public SelectiveRestoreResult {
        Objects.requireNonNull(backupId, "backupId");
        rows = List.copyOf(rows);
        Objects.requireNonNull(media, "media");
    }

    /** A result without media. */
    public SelectiveRestoreResult(String backupId, List<RowOutcome> rows) {
        this(backupId, rows, MediaRestoreResult.NONE);
    }

    /** This result with the media put back. */
    public SelectiveRestoreResult withMedia(MediaRestoreResult restored) {
        return new SelectiveRestoreResult(backupId, rows, restored);
    }

    /** How many rows got each action. */
    public long count(Action action) {
        return rows.stream().filter(r -> r.action() == action).count();
    }
}
