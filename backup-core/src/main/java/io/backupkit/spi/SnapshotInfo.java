package io.backupkit.spi;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Facts about an open snapshot that go into the manifest.
 *
 * @param databaseVersion the server or library version, for example {@code 3.54.1}
 * @param snapshotAt      when the snapshot's read transaction began
 * @param properties      database settings worth recording, for example {@code user_version}
 * @param warnings        advice for the operator, also logged (for example: not in WAL mode)
 */
public record SnapshotInfo(String databaseVersion, Instant snapshotAt, Map<String, String> properties,
                           List<String> warnings) {
    public SnapshotInfo {
        Objects.requireNonNull(databaseVersion, "databaseVersion");
        Objects.requireNonNull(snapshotAt, "snapshotAt");
        properties = Map.copyOf(properties);
        warnings = List.copyOf(warnings);
    }
}
