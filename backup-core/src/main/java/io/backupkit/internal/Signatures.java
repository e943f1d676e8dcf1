package io.backupkit.internal;

import io.backupkit.BackupInfo;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.List;

/**
 * Ed25519 signatures over a small backup statement. The manifest lives inside the archive, so it
 * cannot hold the archive's own hash; the statement therefore binds the sidecar's security-relevant
 * fields (id, archive name, size, whole-archive SHA-256, encrypted flag) to the manifest's SHA-256,
 * and the signature is stored in the sidecar.
 */
public final class Signatures {

    /** The only algorithm used. */
    public static final String ALGORITHM = "Ed25519";

    /** Ends every problem that refuses a backup for its signature (see {@code BackupCatalog}). */
    public static final String REFUSAL = " (refused; configure trusted keys, or allowUnsigned to accept it)";

    private Signatures() {
    }

    /** Whether a verification problem is a signature refusal rather than damage. */
    public static boolean isRefusal(String problem) {
        return problem.endsWith(REFUSAL);
    }

    /** The exact bytes that are signed. */
    public static byte[] statement(BackupInfo info, String manifestSha256) {
        String text = "backupkit-signed-backup-v1\n"
                + "id=" + info.id() + "\n"
                + "archiveName=" + info.archiveName() + "\n"
                + "sizeBytes=" + info.sizeBytes() + "\n"
                + "archiveSha256=" + info.archiveSha256() + "\n"
                + "encrypted=" + info.encrypted() + "\n"
                + "manifestSha256=" + manifestSha256 + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The bytes signed for a verification record: the backup id, the archive's SHA-256 (so a record
     * cannot be moved to another archive) and the record itself.
     */
    public static byte[] verificationStatement(BackupInfo info, io.backupkit.BackupVerification v) {
        String text = "backupkit-verification-v1\n"
                + "id=" + info.id() + "\n"
                + "archiveSha256=" + info.archiveSha256() + "\n"
                + "at=" + v.at() + "\n"
                + "depth=" + v.depth() + "\n"
                + "ok=" + v.ok() + "\n"
                + "problem=" + v.problem().replace('\n', ' ') + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Signs a verification record. */
    public static Sidecar.Signature signVerification(PrivateKey key, BackupInfo info, io.backupkit.BackupVerification v) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(verificationStatement(info, v));
            return new Sidecar.Signature(ALGORITHM, null, Base64.getEncoder().encodeToString(signer.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing the verification of backup " + info.id() + " failed", e);
        }
    }

    /** Signs the statement for a backup. */
    public static Sidecar.Signature sign(PrivateKey key, BackupInfo info, String manifestSha256) {
        try {
            Signature signer = Signature.getInstance(ALGORITHM);
            signer.initSign(key);
            signer.update(statement(info, manifestSha256));
            return new Sidecar.Signature(ALGORITHM, manifestSha256, Base64.getEncoder().encodeToString(signer.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing backup " + info.id() + " with Ed25519 failed", e);
        }
    }

    /** Checks that a signing key is a usable Ed25519 private key. */
    public static void requireSigningKey(PrivateKey key) {
        try {
            Signature.getInstance(ALGORITHM).initSign(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the signing key is not an Ed25519 private key", e);
        }
    }

    /** Whether any of the keys made the signature over the statement. */
    public static boolean verify(List<PublicKey> trusted, byte[] statement, String signatureBase64) {
        byte[] signature;
        try {
            signature = Base64.getDecoder().decode(signatureBase64);
        } catch (IllegalArgumentException e) {
            return false;
        }
        for (PublicKey key : trusted) {
            try {
                Signature verifier = Signature.getInstance(ALGORITHM);
                verifier.initVerify(key);
                verifier.update(statement);
                if (verifier.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // a malformed signature or a key of another type: not a match
            }
        }
        return false;
    }
}
