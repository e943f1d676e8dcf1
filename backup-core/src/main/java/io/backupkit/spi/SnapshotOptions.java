package io.backupkit.spi;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a dialect should open a snapshot.
 *
 * @param lockTimeout   how long to wait for a database lock before failing with a specific error
 * @param tempDirectory where a dialect may put a short-lived copy, if it needs one
 */
public record SnapshotOptions(Duration lockTimeout, Path tempDirectory) {
    public SnapshotOptions {
        Objects.requireNonNull(lockTimeout, "lockTimeout");
        Objects.requireNonNull(tempDirectory, "tempDirectory");
    }
}
