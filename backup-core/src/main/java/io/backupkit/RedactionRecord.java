package io.backupkit;

import java.util.Objects;

/**
 * What a backup redacted, recorded in its manifest (never the key or the replaced values).
 *
 * @param table  the table
 * @param column the column, or {@code null} when the whole table was excluded
 * @param action {@code exclude-table}, {@code null}, {@code fixed}, {@code hmac-sha256} or {@code custom}
 */
public record RedactionRecord(String table, String column, String action) {
    public RedactionRecord {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(action, "action");
    }
}
