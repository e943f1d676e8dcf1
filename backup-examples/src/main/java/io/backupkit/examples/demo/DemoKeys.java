package io.backupkit.examples.demo;

import io.backupkit.AgeIdentity;
import io.backupkit.SigningKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The demo's backup keys, in {@code DATA/keys}: an age identity (backups are encrypted to its
 * recipient) and an Ed25519 signing key pair (backups are signed with it and only backups signed
 * by it are trusted). Generated at first start with permissions 600.
 *
 * <p>A real deployment keeps the age identity offline (a password manager, a USB key) and supplies
 * it only to read a backup: verify, preview, restore. The demo keeps it in the data folder so that
 * every button works out of the box.
 */
final class DemoKeys {

    private static final Logger LOG = LoggerFactory.getLogger(DemoKeys.class);

    private final Path identityFile;
    private final String recipient;
    private final PrivateKey signingKey;
    private final PublicKey verifyKey;

    private DemoKeys(Path identityFile, String recipient, PrivateKey signingKey, PublicKey verifyKey) {
        this.identityFile = identityFile;
        this.recipient = recipient;
        this.signingKey = signingKey;
        this.verifyKey = verifyKey;
    }

    /** Loads the keys from {@code DATA/keys}, generating the missing ones. */
    static DemoKeys loadOrCreate(Path dataDir) throws IOException {
        Path dir = dataDir.resolve("keys");
        if (!Files.isDirectory(dir) && FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(dir);
        }
        Path identity = dir.resolve("backup-age-identity.txt");
        Path signing = dir.resolve("backup-signing.pem");
        Path signingPublic = dir.resolve("backup-signing.pub.pem");
        if (!Files.exists(identity)) {
            AgeIdentity generated = AgeIdentity.generate();
            writePrivate(identity, generated.toKeyFile());
            LOG.info("Generated the backup encryption key (age X25519) in {} (mode 600). Backups are encrypted to "
                    + "its public key; this private part is needed to verify, preview or restore them. In production,"
                    + " keep it offline and supply it only when restoring.", identity);
        }
        if (!Files.exists(signing)) {
            KeyPair pair = SigningKeys.generate();
            writePrivate(signing, SigningKeys.toPem(pair.getPrivate()));
            writePrivate(signingPublic, SigningKeys.toPem(pair.getPublic()));
            LOG.info("Generated the backup signing key (Ed25519) in {} (mode 600). Every backup is signed with it, "
                    + "and only backups carrying a signature that {} verifies are ever restored.", signing,
                    signingPublic.getFileName());
        }
        AgeIdentity loaded = AgeIdentity.fromFile(identity);
        return new DemoKeys(identity, loaded.recipients().get(0), SigningKeys.readPrivateKey(signing),
                SigningKeys.readPublicKey(signingPublic));
    }

    private static void writePrivate(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } else {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The identity, read from its file each time it is needed (never kept in memory here). */
    AgeIdentity identity() {
        return AgeIdentity.fromFile(identityFile);
    }

    String recipient() {
        return recipient;
    }

    PrivateKey signingKey() {
        return signingKey;
    }

    PublicKey verifyKey() {
        return verifyKey;
    }

    /** {@code SHA256:<base64>} of the age recipient, as shown on the settings page. */
    String encryptionFingerprint() {
        return fingerprint(recipient.getBytes(StandardCharsets.US_ASCII));
    }

    /** {@code SHA256:<base64>} of the signing public key's X.509 encoding. */
    String signingFingerprint() {
        return fingerprint(verifyKey.getEncoded());
    }

    private static String fingerprint(byte[] bytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
