package io.backupkit.internal;

import io.backupkit.BackupInfo;
import java.util.Objects;

/**
 * The small JSON object stored beside each archive ({@code ID.json}) so that listing never
 * downloads archives. It holds no row data and no keys.
 *
 * @param sidecarVersion the sidecar format version
 * @param backup         the listing data
 * @param signature      the Ed25519 signature over the backup statement, or null when unsigned
 * @param verificationSignature the Ed25519 signature over the verification statement
 *                       ({@link Signatures#verificationStatement}), or null
 * @param manifest       a copy of the archive's {@code manifest.json} text, or null (encrypted
 *                       backups never carry one, and neither do very large manifests). It lets a
 *                       restore load the archive in one pass: the copy guides the loading, and the
 *                       archive's own manifest, read last, must equal it. It is public data only:
 *                       schema, entry names, counts and digests, no rows.
 */
public record Sidecar(int sidecarVersion, BackupInfo backup, Signature signature, Signature verificationSignature,
                      String manifest) {

    /** The version this library writes. */
    public static final int VERSION = 1;

    /** The suffix of sidecar object names. */
    public static final String SUFFIX = ".json";

    public Sidecar {
        Objects.requireNonNull(backup, "backup");
    }

    /** A sidecar without a copy of the manifest. */
    public Sidecar(int sidecarVersion, BackupInfo backup, Signature signature, Signature verificationSignature) {
        this(sidecarVersion, backup, signature, verificationSignature, null);
    }

    /** A sidecar without a verification signature. */
    public Sidecar(int sidecarVersion, BackupInfo backup, Signature signature) {
        this(sidecarVersion, backup, signature, null);
    }

    /** An unsigned sidecar. */
    public Sidecar(int sidecarVersion, BackupInfo backup) {
        this(sidecarVersion, backup, null);
    }

    /**
     * A signature over {@link Signatures#statement}: public data only.
     *
     * @param algorithm      always {@code Ed25519}
     * @param manifestSha256 SHA-256 of the archive's manifest.json bytes, which the statement covers
     * @param value          the signature, base64
     */
    public record Signature(String algorithm, String manifestSha256, String value) {
    }

    /** The sidecar object name for a backup id. */
    public static String objectName(String id) {
        return id + SUFFIX;
    }
}
