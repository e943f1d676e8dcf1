package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.AgeIdentity;
import io.backupkit.BackupCatalog;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LocalFolderStore;
import io.backupkit.ManifestEntry;
import io.backupkit.RestoreOptions;
import io.backupkit.SigningKeys;
import io.backupkit.VerificationResult;
import io.backupkit.WrongKeyException;
import io.backupkit.internal.Json;
import io.backupkit.internal.Sidecar;
import io.backupkit.internal.Signatures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * age encryption (interoperating with the real {@code age} CLI both ways) and Ed25519-signed
 * sidecars: wrong or missing keys, damage, tampered, foreign-signed and unsigned backups.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EncryptionSigningTest {

    private static final String MARKER = "row-value-only-in-the-archive";

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;
    private Path keyFile;
    private String recipient;
    private KeyPair signing;

    @BeforeEach
    void setUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, hash TEXT)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                        + "INSERT INTO users SELECT i, 'user' || i || '@example.com', hex(randomblob(32)) FROM n",
                "INSERT INTO users VALUES (5000, '" + MARKER + "', NULL)");
        // The identity comes from the real age-keygen, so key parsing is checked against age too.
        keyFile = dir.resolve("key.txt");
        SqliteTestTools.Result keygen = SqliteTestTools.run(
                List.of(SqliteTestTools.cli("age-keygen"), "-o", keyFile.toString()), null);
        assertThat(keygen.exitCode()).as(keygen.stderr()).isZero();
        recipient = Files.readAllLines(keyFile).stream().filter(l -> l.startsWith("# public key: "))
                .map(l -> l.substring("# public key: ".length())).findFirst().orElseThrow();
        signing = SigningKeys.generate();
    }

    private BackupService.Builder builder() {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(temp).build());
    }

    private BackupService encryptingService() {
        return builder().encryptTo(List.of(recipient, AgeIdentity.generate().recipients().get(0)))
                .signWith(signing.getPrivate()).trustedKeys(List.of(signing.getPublic())).build();
    }

    private AgeIdentity identity() {
        return AgeIdentity.fromFile(keyFile);
    }

    @Test
    void identityParsedFromAgeKeygenDerivesTheSameRecipient() {
        assertThat(identity().recipients()).containsExactly(recipient);
        assertThat(identity().toString()).doesNotContain("AGE-SECRET-KEY");
        AgeIdentity generated = AgeIdentity.generate();
        assertThat(AgeIdentity.parse(generated.toKeyFile()).recipients()).isEqualTo(generated.recipients());
    }

    @Test
    void ageCliDecryptsOurArchiveIntoTheSameTarEntries() throws Exception {
        BackupManifest manifest = encryptingService().backup();
        BackupInfo info = BackupCatalog.of(LocalFolderStore.at(storeFolder)).info(manifest.id());
        assertThat(info.encrypted()).isTrue();
        assertThat(info.archiveName()).isEqualTo(manifest.id() + ".tar.zst.age");
        Path stored = storeFolder.resolve(info.archiveName());
        // the sidecar's hash and size are those of the stored, encrypted object
        assertThat(RestoreTestKit.sha256(stored)).isEqualTo(info.archiveSha256());
        assertThat(Files.size(stored)).isEqualTo(info.sizeBytes());
        assertThat(new String(Files.readAllBytes(stored), 0, 21, StandardCharsets.US_ASCII))
                .isEqualTo("age-encryption.org/v1");

        Path out = Files.createDirectories(dir.resolve("out"));
        SqliteTestTools.Result decrypted = SqliteTestTools.shell(SqliteTestTools.cli("age") + " -d -i " + keyFile
                + " " + stored + " > plain.tar.zst && " + SqliteTestTools.zstd() + " -q -d plain.tar.zst -o plain.tar"
                + " && " + SqliteTestTools.tar() + " -xf plain.tar && " + SqliteTestTools.tar() + " -tf plain.tar", out);
        assertThat(decrypted.exitCode()).as(decrypted.stderr()).isZero();
        List<String> expectedNames = new ArrayList<>(manifest.entries().stream().map(ManifestEntry::name).toList());
        expectedNames.add("manifest.json");
        assertThat(decrypted.out().lines().toList()).isEqualTo(expectedNames);
        for (ManifestEntry entry : manifest.entries()) {
            Path file = out.resolve(entry.name());
            assertThat(Files.size(file)).isEqualTo(entry.size());
            assertThat(RestoreTestKit.sha256(file)).as(entry.name()).isEqualTo(entry.sha256());
        }
        BackupManifest fromCli = Json.read(Files.readAllBytes(out.resolve("manifest.json")), BackupManifest.class);
        assertThat(fromCli).isEqualTo(manifest);
        // and the same archive verifies deeply and exports through the library with the identity
        BackupService reader = encryptingService().withIdentity(identity());
        assertThat(reader.verify(manifest.id(), io.backupkit.VerifyDepth.DEEP).problems()).isEmpty();
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        reader.exportSql(manifest.id(), sql);
        assertThat(sql.toString(StandardCharsets.UTF_8)).contains(MARKER);
    }

    @Test
    void restoreReadsAnArchiveEncryptedByTheAgeCli() throws Exception {
        BackupService plain = builder().signWith(signing.getPrivate()).trustedKeys(List.of(signing.getPublic()))
                .build();
        BackupManifest manifest = plain.backup();
        String id = manifest.id();
        Path plainArchive = storeFolder.resolve(id + ".tar.zst");
        Path encrypted = storeFolder.resolve(id + ".tar.zst.age");
        SqliteTestTools.Result age = SqliteTestTools.run(List.of(SqliteTestTools.cli("age"), "-r", recipient, "-o",
                encrypted.toString(), plainArchive.toString()), null);
        assertThat(age.exitCode()).as(age.stderr()).isZero();
        Files.delete(plainArchive);
        Sidecar old = readSidecar(id);
        BackupInfo b = old.backup();
        BackupInfo info = new BackupInfo(id, b.createdAt(), encrypted.getFileName().toString(), Files.size(encrypted),
                RestoreTestKit.sha256(encrypted), b.tableCount(), b.totalRows(), true, b.dialect(), b.labels());
        writeSidecar(new Sidecar(Sidecar.VERSION, info,
                Signatures.sign(signing.getPrivate(), info, old.signature().manifestSha256())));

        FaultTestKit.exec(live, "DELETE FROM users WHERE id > 10");
        BackupService service = builder().trustedKeys(List.of(signing.getPublic())).build();
        assertThatThrownBy(() -> service.restore(id, RestoreOptions.builder().safetyBackup(false).build()))
                .isInstanceOf(WrongKeyException.class).hasMessageContaining("is encrypted");
        service.withIdentity(identity()).restore(id, RestoreOptions.builder().safetyBackup(false).build());
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM users")).isEqualTo(3001);

        // the same archive without a signature: refused, unless explicitly allowed
        writeSidecar(new Sidecar(Sidecar.VERSION, info, null));
        FaultTestKit.exec(live, "DELETE FROM users WHERE id > 10");
        assertThatThrownBy(() -> service.withIdentity(identity()).preview(id))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("is not signed");
        BackupService lenient = builder().allowUnsigned(true).build().withIdentity(identity());
        lenient.restore(id, RestoreOptions.builder().safetyBackup(false).build());
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM users")).isEqualTo(3001);
    }

    @Test
    void wrongOrMissingIdentityIsAKeyErrorAndDamageIsDamage() throws Exception {
        String id = encryptingService().backup().id();
        BackupService service = encryptingService();
        assertThatThrownBy(() -> service.verify(id)).isInstanceOf(WrongKeyException.class)
                .hasMessageContaining("is encrypted").hasMessageNotContaining("AGE-SECRET-KEY");
        AgeIdentity stranger = AgeIdentity.generate();
        assertThatThrownBy(() -> service.withIdentity(stranger).restore(id, RestoreOptions.builder().build()))
                .isInstanceOf(WrongKeyException.class).hasMessageContaining("not encrypted to the supplied")
                .hasMessageNotContaining("AGE-SECRET-KEY");
        assertThat(service.withIdentity(identity()).verify(id).ok()).isTrue();

        // a flipped payload byte, with the sidecar hash made to match: the age payload fails to authenticate
        Path archive = storeFolder.resolve(id + ".tar.zst.age");
        byte[] bytes = Files.readAllBytes(archive);
        bytes[bytes.length - 40] ^= 1;
        Files.write(archive, bytes);
        Sidecar old = readSidecar(id);
        BackupInfo b = old.backup();
        BackupInfo info = new BackupInfo(id, b.createdAt(), b.archiveName(), b.sizeBytes(),
                RestoreTestKit.sha256(archive), b.tableCount(), b.totalRows(), true, b.dialect(), b.labels());
        writeSidecar(new Sidecar(Sidecar.VERSION, info, old.signature()));
        VerificationResult damaged = service.withIdentity(identity()).verify(id);
        assertThat(damaged.ok()).isFalse();
        assertThat(String.join("\n", damaged.problems())).contains("damaged");
        assertThatThrownBy(() -> service.withIdentity(identity()).restore(id, RestoreOptions.builder().build()))
                .isInstanceOf(InvalidArchiveException.class).isNotInstanceOf(WrongKeyException.class);

        // a damaged header (its MAC) is damage too, not a key problem
        bytes[bytes.length - 40] ^= 1;
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int mac = text.indexOf("\n--- ") + 5;
        bytes[mac] = (byte) (bytes[mac] == 'A' ? 'B' : 'A');
        Files.write(archive, bytes);
        VerificationResult badHeader = service.withIdentity(identity()).verify(id);
        assertThat(badHeader.ok()).isFalse();
        assertThat(String.join("\n", badHeader.problems())).contains("damaged");
    }

    @Test
    void aTruncatedAgeStreamIsDamageEvenWithAMatchingSidecar() throws Exception {
        String id = encryptingService().backup().id();
        Path archive = storeFolder.resolve(id + ".tar.zst.age");
        byte[] bytes = Files.readAllBytes(archive);
        for (int cut : new int[] {20, bytes.length / 2, 300}) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length - cut);
            Files.write(archive, truncated);
            Sidecar old = readSidecar(id);
            BackupInfo b = old.backup();
            BackupInfo info = new BackupInfo(id, b.createdAt(), b.archiveName(), truncated.length,
                    RestoreTestKit.sha256(archive), b.tableCount(), b.totalRows(), true, b.dialect(), b.labels());
            writeSidecar(new Sidecar(Sidecar.VERSION, info, old.signature()));
            VerificationResult result = encryptingService().withIdentity(identity()).verify(id);
            assertThat(result.ok()).as("cut %d", cut).isFalse();
            assertThat(String.join("\n", result.problems())).as("cut %d", cut).contains("damaged");
        }
    }

    @Test
    void listWorksWithoutKeysAndTheSidecarHoldsNothingSensitive() throws Exception {
        String id = encryptingService().backup().id();
        List<BackupInfo> listed = BackupCatalog.of(LocalFolderStore.at(storeFolder)).list();
        assertThat(listed).extracting(BackupInfo::id).containsExactly(id);
        assertThat(listed.get(0).encrypted()).isTrue();
        String sidecar = Files.readString(storeFolder.resolve(id + ".json"));
        assertThat(sidecar).contains("\"encrypted\" : true")
                .doesNotContain(MARKER)
                .doesNotContain("@example.com")
                .doesNotContain("AGE-SECRET-KEY")
                .doesNotContainIgnoringCase(Files.readAllLines(keyFile).get(2).substring(16, 40))
                .doesNotContain(Base64.getEncoder().encodeToString(signing.getPrivate().getEncoded()));
        assertThat(Files.readAllBytes(storeFolder.resolve(id + ".tar.zst.age")))
                .asString(StandardCharsets.ISO_8859_1).doesNotContain(MARKER).doesNotContain("INSERT INTO");
    }

    @Test
    void tamperedForeignAndUnsignedSignaturesAreRefused() throws Exception {
        String id = encryptingService().backup().id();
        AgeIdentity key = identity();
        BackupService service = encryptingService().withIdentity(key);
        assertThat(service.verify(id).ok()).isTrue();
        Sidecar good = readSidecar(id);

        // tampered: one signature byte changed
        byte[] sig = Base64.getDecoder().decode(good.signature().value());
        sig[5] ^= 1;
        writeSidecar(new Sidecar(Sidecar.VERSION, good.backup(), new Sidecar.Signature("Ed25519",
                good.signature().manifestSha256(), Base64.getEncoder().encodeToString(sig))));
        assertRefused(service, id, "does not verify against any trusted key");

        // a sidecar field changed under a valid signature
        BackupInfo b = good.backup();
        writeSidecar(new Sidecar(Sidecar.VERSION, new BackupInfo(id, b.createdAt(), b.archiveName(), b.sizeBytes(),
                b.archiveSha256(), b.tableCount(), b.totalRows() + 1, true, b.dialect(), b.labels()),
                good.signature()));
        assertThat(service.verify(id).ok()).isTrue(); // display-only field, not part of the statement
        writeSidecar(new Sidecar(Sidecar.VERSION, b, new Sidecar.Signature("Ed25519",
                "0".repeat(64), good.signature().value())));
        assertRefused(service, id, "does not verify against any trusted key");

        // foreign: a valid signature by a key nobody trusts (a forger who knows the recipient)
        KeyPair foreign = SigningKeys.generate();
        writeSidecar(new Sidecar(Sidecar.VERSION, b,
                Signatures.sign(foreign.getPrivate(), b, good.signature().manifestSha256())));
        assertRefused(service, id, "does not verify against any trusted key");

        // unsigned
        writeSidecar(new Sidecar(Sidecar.VERSION, b, null));
        assertRefused(service, id, "is not signed");
        // encrypted and no trusted keys configured at all: still refused
        assertRefused(builder().build().withIdentity(key), id, "is not signed");
        // explicitly allowed
        assertThat(builder().allowUnsigned(true).build().withIdentity(key).verify(id).ok()).isTrue();

        // key rotation: the foreign key becomes trusted beside the old one
        writeSidecar(new Sidecar(Sidecar.VERSION, b,
                Signatures.sign(foreign.getPrivate(), b, good.signature().manifestSha256())));
        List<PublicKey> rotated = List.of(signing.getPublic(), foreign.getPublic());
        assertThat(builder().trustedKeys(rotated).build().withIdentity(key).verify(id).ok()).isTrue();
        writeSidecar(good);
        assertThat(builder().trustedKeys(rotated).build().withIdentity(key).verify(id).ok()).isTrue();
    }

    @Test
    void plainBackupsAreCheckedOnlyWhenTrustIsConfigured() throws Exception {
        String id = builder().build().backup().id();
        assertThat(builder().build().verify(id).ok()).isTrue();
        VerificationResult refused = builder().trustedKeys(List.of(signing.getPublic())).build().verify(id);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.problems()).anyMatch(p -> p.contains("is not signed"));
        String signed = builder().signWith(signing.getPrivate()).build().backup().id();
        assertThat(builder().trustedKeys(List.of(signing.getPublic())).build().verify(signed).ok()).isTrue();
    }

    private void assertRefused(BackupService service, String id, String reason) {
        VerificationResult result = service.verify(id);
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).anyMatch(p -> p.contains(reason));
        assertThatThrownBy(() -> service.restore(id, RestoreOptions.builder().build()))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining(reason);
    }

    private Sidecar readSidecar(String id) throws Exception {
        return Json.read(Files.readAllBytes(storeFolder.resolve(id + ".json")), Sidecar.class);
    }

    private void writeSidecar(Sidecar sidecar) throws Exception {
        Files.write(storeFolder.resolve(sidecar.backup().id() + ".json"), Json.write(sidecar));
    }
}
