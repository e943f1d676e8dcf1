package io.backupkit;

/** How thoroughly {@code verify} checks a backup. */
public enum VerifyDepth {
    /** The archive's and every entry's SHA-256 and size, and the manifest. Reads the archive once. */
    QUICK,
    /**
     * Everything QUICK does, then rebuilds the backup into a scratch database through the
     * restore path (schema validation, strict parser) and runs the integrity, foreign-key and
     * row-count checks. "A backup not verified is not a backup."
     */
    DEEP
}
