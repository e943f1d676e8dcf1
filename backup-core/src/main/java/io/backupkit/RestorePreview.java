package io.backupkit;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a full restore of a backup would change, computed without touching the live database or
 * the store: show it to the person about to press "Restaurer".
 *
 * <pre>{@code
 * RestorePreview preview = service.preview(id);
 * System.out.println(preview.summary());   // "Restoring will remove 50 rows of tickets, ..."
 * preview.tables().stream().filter(TablePreview::changes).forEach(System.out::println);
 * }</pre>
 *
 * @param backupId           the backup
 * @param snapshotAt         the point in time the backup holds
 * @param age                how old that point is now
 * @param tables             per table, in the backup's table order, then tables only live
 * @param tablesOnlyLive     tables the live database has and the backup does not (a restore drops them)
 * @param tablesOnlyInBackup tables the backup has and the live database does not
 * @param columnChanges      one line per column added or removed, e.g. {@code tickets: +sla_minutes}
 * @param backupUserVersion  {@code user_version} (schema version) in the backup
 * @param liveUserVersion    {@code user_version} of the live database
 * @param summary            one human line, ending with the warnings
 * @param warnings           what the person should know before restoring, for example that the
 *                           backup is redacted (then a restore needs {@code allowRedacted})
 * @param redactions         what the backup left out or masked, from its manifest; empty for a complete backup
 */
public record RestorePreview(String backupId, Instant snapshotAt, Duration age, List<TablePreview> tables,
                             List<String> tablesOnlyLive, List<String> tablesOnlyInBackup, List<String> columnChanges,
                             String backupUserVersion, String liveUserVersion, String summary, List<String> warnings,
                             List<RedactionRecord> redactions) {
    public RestorePreview {
        Objects.requireNonNull(backupId, "backupId");
        Objects.requireNonNull(snapshotAt, "snapshotAt");
        Objects.requireNonNull(age, "age");
        tables = List.copyOf(tables);
        tablesOnlyLive = List.copyOf(tablesOnlyLive);
        tablesOnlyInBackup = List.copyOf(tablesOnlyInBackup);
        columnChanges = List.copyOf(columnChanges);
        Objects.requireNonNull(summary, "summary");
        warnings = List.copyOf(warnings);
        redactions = List.copyOf(redactions);
    }

    /** Whether the backup is redacted, so that restoring it over live data needs {@code allowRedacted}. */
    public boolean redacted() {
        return !redactions.isEmpty();
    }

    /** Rows the restore would remove, across all tables. */
    public long lostRows() {
        return tables.stream().mapToLong(TablePreview::lostRows).sum();
    }
}
