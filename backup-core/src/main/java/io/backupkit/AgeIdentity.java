package io.backupkit;

import com.exceptionfactory.jagged.RecipientStanzaReader;
import com.exceptionfactory.jagged.bech32.Bech32;
import com.exceptionfactory.jagged.bech32.Bech32Address;
import com.exceptionfactory.jagged.x25519.X25519KeyPairGenerator;
import com.exceptionfactory.jagged.x25519.X25519RecipientStanzaReaderFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.KeyAgreement;

/**
 * One or more age X25519 identities (private keys, {@code AGE-SECRET-KEY-1...}) that decrypt
 * encrypted backups. Identities are supplied only when reading (verify, export, preview, restore),
 * are held only in memory, and never appear in {@link #toString()}, logs or exception messages.
 *
 * <pre>{@code
 * AgeIdentity identity = AgeIdentity.fromFile(Path.of("/secure/backup-key.txt"));
 * backups.withIdentity(identity).restore(id, RestoreOptions.defaults());
 * }</pre>
 *
 * <p>The text format is age's key file: lines starting with {@code #} and blank lines are
 * ignored, every other line is one identity. Immutable and thread-safe.
 */
public final class AgeIdentity {

    private static final String SECRET_PREFIX = "AGE-SECRET-KEY-1";
    private static final String RECIPIENT_HRP = "age";

    private final List<String> secrets;
    private final List<String> recipients;

    private AgeIdentity(List<String> secrets) {
        if (secrets.isEmpty()) {
            throw new IllegalArgumentException("no age identity (a line starting with AGE-SECRET-KEY-1) was given");
        }
        this.secrets = List.copyOf(secrets);
        List<String> derived = new ArrayList<>();
        for (String secret : this.secrets) {
            derived.add(recipientOf(secret));
        }
        this.recipients = List.copyOf(derived);
    }

    /** Parses age key file text: comments and blank lines are skipped, every other line is an identity. */
    public static AgeIdentity parse(CharSequence text) {
        Objects.requireNonNull(text, "text");
        List<String> secrets = new ArrayList<>();
        for (String line : text.toString().split("\\R")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            if (!trimmed.toUpperCase(Locale.ROOT).startsWith(SECRET_PREFIX)) {
                throw new IllegalArgumentException("not an age X25519 identity file: a line does not start with "
                        + SECRET_PREFIX);
            }
            secrets.add(trimmed);
        }
        return new AgeIdentity(secrets);
    }

    /** Parses identity bytes (UTF-8 key file text), for example an upload. */
    public static AgeIdentity fromBytes(byte[] keyFile) {
        return parse(new String(keyFile, StandardCharsets.UTF_8));
    }

    /** Reads an age key file, such as one written by {@code age-keygen -o key.txt}. */
    public static AgeIdentity fromFile(Path keyFile) {
        try {
            return fromBytes(Files.readAllBytes(keyFile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the age identity file " + keyFile + ": " + e.getMessage(), e);
        }
    }

    /** Reads the identity from an environment variable holding key file text. */
    public static AgeIdentity fromEnvironment(String variable) {
        String value = System.getenv(variable);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("environment variable " + variable + " is not set");
        }
        return parse(value);
    }

    /** Generates a new random identity. */
    public static AgeIdentity generate() {
        try {
            KeyPair pair = new X25519KeyPairGenerator().generateKeyPair();
            return new AgeIdentity(List.of(pair.getPrivate().toString().toUpperCase(Locale.ROOT)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("X25519 is not available in this JVM", e);
        }
    }

    /** The recipients ({@code age1...} public keys) of these identities, to encrypt to. */
    public List<String> recipients() {
        return recipients;
    }

    /**
     * The identities as an age key file, readable by {@code age -d -i FILE}. This is the secret:
     * write it only where the offline key belongs.
     */
    public String toKeyFile() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < secrets.size(); i++) {
            out.append("# created: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n')
                    .append("# public key: ").append(recipients.get(i)).append('\n')
                    .append(secrets.get(i)).append('\n');
        }
        return out.toString();
    }

    /** The stanza readers that decrypt with these identities. */
    List<RecipientStanzaReader> readers() {
        List<RecipientStanzaReader> readers = new ArrayList<>();
        for (String secret : secrets) {
            try {
                readers.add(X25519RecipientStanzaReaderFactory.newRecipientStanzaReader(secret));
            } catch (GeneralSecurityException e) {
                throw new IllegalArgumentException("an age identity is not a valid X25519 key", e);
            }
        }
        return readers;
    }

    /** Computes the recipient of a secret key: X25519(secret, base point 9). */
    private static String recipientOf(String secret) {
        byte[] scalar = null;
        try {
            Bech32Address address = Bech32.getDecoder().decode(secret);
            scalar = address.getData();
            if (scalar.length != 32) {
                throw new IllegalArgumentException("an age identity does not hold a 32-byte X25519 key");
            }
            KeyFactory factory = KeyFactory.getInstance("X25519");
            KeyAgreement agreement = KeyAgreement.getInstance("X25519");
            agreement.init(factory.generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar)));
            agreement.doPhase(factory.generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519,
                    BigInteger.valueOf(9))), true);
            return Bech32.getEncoder().encode(RECIPIENT_HRP, agreement.generateSecret()).toString();
        } catch (GeneralSecurityException | RuntimeException e) {
            // never include the key text
            throw new IllegalArgumentException("an age identity is not a valid X25519 key (bad checksum or length)");
        } finally {
            if (scalar != null) {
                Arrays.fill(scalar, (byte) 0);
            }
        }
    }

    /** Names the recipients only; the secret never appears. */
    @Override
    public String toString() {
        return "AgeIdentity" + recipients;
    }
}
