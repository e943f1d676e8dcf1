package io.backupkit.internal;

import io.backupkit.BackupInfo;
import java.util.Objects;

/**
 * The small JSON object stored beside each archive ({@code ID.json}) so that listing never
 * downloads archives. It holds no row data and no keys.
 *
 * @param sidecarVersion the sidecar format version
 * @param backup         the listing data
 */
public record Sidecar(int sidecarVersion, BackupInfo backup) {

    /** The version this library writes. */
    public static final int VERSION = 1;

    /** The suffix of sidecar object names. */
    public static final String SUFFIX = ".json";

    public Sidecar {
        Objects.requireNonNull(backup, "backup");
    }

    /** The sidecar object name for a backup id. */
    public static String objectName(String id) {
        return id + SUFFIX;
    }
}
