package io.backupkit;

import java.util.Map;
import java.util.Objects;

/**
 * The database a backup came from.
 *
 * @param dialect         the dialect name, for example {@code sqlite}
 * @param databaseVersion the database's version
 * @param properties      settings restored with the data, for example {@code user_version}
 */
public record SourceInfo(String dialect, String databaseVersion, Map<String, String> properties) {
    public SourceInfo {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(databaseVersion, "databaseVersion");
        properties = Map.copyOf(properties);
    }
}
