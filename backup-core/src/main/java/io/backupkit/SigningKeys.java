package io.backupkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 signing keys for {@link BackupService.Builder#signWith} and
 * {@link BackupService.Builder#trustedKeys}: generation, and reading PEM ({@code BEGIN PRIVATE KEY},
 * {@code BEGIN PUBLIC KEY}, as {@code openssl genpkey -algorithm ed25519} writes) or bare base64
 * of the PKCS#8 / X.509 encodings. Key material never appears in exception messages.
 */
public final class SigningKeys {

    private SigningKeys() {
    }

    /** A new Ed25519 key pair. */
    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is not available in this JVM", e);
        }
    }

    /** Parses an Ed25519 private key: PEM or base64 of its PKCS#8 encoding. */
    public static PrivateKey parsePrivateKey(String text) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(decode(text)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 private key (PEM or base64 PKCS#8)");
        }
    }

    /** Parses an Ed25519 public key: PEM or base64 of its X.509 encoding. */
    public static PublicKey parsePublicKey(String text) {
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(decode(text)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not an Ed25519 public key (PEM or base64 X.509)");
        }
    }

    /** Reads {@link #parsePrivateKey} from a file. */
    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file));
    }

    /** Reads {@link #parsePublicKey} from a file. */
    public static PublicKey readPublicKey(Path file) {
        return parsePublicKey(read(file));
    }

    /** PEM text of a key: {@code PRIVATE KEY} (PKCS#8) or {@code PUBLIC KEY} (X.509). */
    public static String toPem(Key key) {
        String type = key instanceof PrivateKey ? "PRIVATE KEY" : "PUBLIC KEY";
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
                + "\n-----END " + type + "-----\n";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read key file " + file + ": " + e.getMessage(), e);
        }
    }

    private static byte[] decode(String text) {
        StringBuilder base64 = new StringBuilder();
        for (String line : text.split("\\R")) {
            String trimmed = line.strip();
            if (!trimmed.startsWith("-----") && !trimmed.isEmpty()) {
                base64.append(trimmed);
            }
        }
        return Base64.getDecoder().decode(base64.toString());
    }
}
