package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backupkit.AgeIdentity;
import io.backupkit.BackupCatalog;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.LocalFolderStore;
import io.backupkit.RedactionRules;
import io.backupkit.RestoreOptions;
import io.backupkit.SigningKeys;
import io.backupkit.SizeLimits;
import io.backupkit.internal.ArchiveLayout;
import io.backupkit.internal.ArchiveReader;
import io.backupkit.internal.ArchiveWriter;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 §9: no credential, key, identity, signing key or row value appears in a log line or an
 * exception message (with its causes and suppressed exceptions), on the success paths (backup,
 * verify, preview, restore, undo, import) and on the failure paths (missing and wrong identity,
 * damaged, forged and hostile archives, limits, a refused redacted restore, an unsupported database
 * reached through a URL with a password). Logs are captured from slf4j-simple's {@code System.err}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecretHygieneTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String ROW_TEXT = "ROWVALUE-Zq8J3kP";
    private static final String ROW_EMAIL = "hygiene.person.x7@example.org";
    private static final String ROW_NUMBER = "73914286051937";
    private static final String ROW_BLOB_HEX = "C0FFEE5EC2E7AB";
    private static final String URL_PASSWORD = "UrlPassw0rd-Hq2";
    private static final byte[] HMAC_KEY = "hmac-key-material-0123456789".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;
    private AgeIdentity identity;
    private KeyPair signing;
    private PrintStream originalErr;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final List<Throwable> thrown = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, amount INTEGER, photo BLOB, "
                        + "password_hash TEXT)",
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), body TEXT)",
                "INSERT INTO users VALUES (1, '" + ROW_TEXT + "', '" + ROW_EMAIL + "', " + ROW_NUMBER + ", X'"
                        + ROW_BLOB_HEX + "', '$argon2id$" + ROW_TEXT + "')",
                "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                        + "INSERT INTO users SELECT i, 'user ' || i, 'u' || i || '@example.com', i, NULL, 'h' || i FROM n",
                "INSERT INTO notes VALUES (1, 1, 'note " + ROW_TEXT + "')");
        identity = AgeIdentity.generate();
        signing = SigningKeys.generate();
        originalErr = System.err;
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                captured.write(b);
                originalErr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                captured.write(b, off, len);
                originalErr.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreErr() {
        System.setErr(originalErr);
    }

    /** Every string that must never be logged or put in a message. */
    private List<String> secrets() {
        String keyFile = identity.toKeyFile();
        String secretKey = keyFile.lines().filter(l -> l.startsWith("AGE-SECRET-KEY-")).findFirst().orElseThrow();
        byte[] pkcs8 = signing.getPrivate().getEncoded();
        String pem = SigningKeys.toPem(signing.getPrivate());
        String pemBody = pem.lines().filter(l -> !l.startsWith("-----")).reduce("", String::concat);
        return List.of(ROW_TEXT, ROW_EMAIL, ROW_NUMBER, ROW_BLOB_HEX, ROW_BLOB_HEX.toLowerCase(), URL_PASSWORD,
                secretKey, secretKey.toLowerCase(), secretKey.substring(15, 45),
                Base64.getEncoder().encodeToString(pkcs8), pemBody.substring(0, 40),
                HexFormat.of().formatHex(pkcs8).substring(32), new String(HMAC_KEY, StandardCharsets.US_ASCII),
                HexFormat.of().formatHex(HMAC_KEY), Base64.getEncoder().encodeToString(HMAC_KEY));
    }

    private BackupService.Builder builder(DataSource dataSource, Path store) {
        return BackupService.builder()
                .dataSource(dataSource)
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(store))
                .options(BackupOptions.builder().tempDirectory(temp).build());
    }

    private BackupService encrypted() {
        return builder(FaultTestKit.dataSource(live), storeFolder)
                .encryptTo(identity.recipients())
                .signWith(signing.getPrivate())
                .trustedKeys(List.of(signing.getPublic()))
                .redaction(RedactionRules.builder().hmac("users", "email", HMAC_KEY).build())
                .build();
    }

    private void expectFailure(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            thrown.add(e);
            return;
        }
        throw new AssertionError("the action was expected to fail");
    }

    private void assertNothingLeaked() {
        List<String> texts = new ArrayList<>();
        texts.add(captured.toString(StandardCharsets.UTF_8));
        for (Throwable t : thrown) {
            collect(t, texts);
        }
        assertThat(captured.toString(StandardCharsets.UTF_8)).as("something was logged").contains("backup");
        for (String text : texts) {
            for (String secret : secrets()) {
                assertThat(text).as("log or message leaking a secret").doesNotContain(secret);
            }
        }
    }

    private static void collect(Throwable t, List<String> texts) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            texts.add(String.valueOf(c.getMessage()));
            texts.add(c.toString());
            for (Throwable s : c.getSuppressed()) {
                collect(s, texts);
            }
            if (c.getCause() == c) {
                break;
            }
        }
    }

    @Test
    void successPathsLogNoSecret() throws Exception {
        BackupService service = encrypted();
        String id = service.backup().id();
        BackupService reading = service.withIdentity(identity);
        assertThat(reading.verify(id).ok()).isTrue();
        reading.preview(id);
        reading.exportSql(id, OutputStream.nullOutputStream());
        reading.restore(id, RestoreOptions.builder().allowRedacted(true).build());
        reading.undoLastRestore(RestoreOptions.builder().build());
        BackupCatalog uploads = BackupCatalog.of(LocalFolderStore.at(dir.resolve("uploads")), List.of(new SqliteDialect()))
                .withIdentity(identity).withTrustedKeys(List.of(signing.getPublic()));
        String archiveName = service.info(id).archiveName();
        try (InputStream side = Files.newInputStream(storeFolder.resolve(id + ".json"));
             InputStream archive = Files.newInputStream(storeFolder.resolve(archiveName))) {
            uploads.importBackup(side, archive, 100_000_000);
        }
        // the sidecar holds none of it either
        String sidecar = Files.readString(storeFolder.resolve(id + ".json"));
        for (String secret : secrets()) {
            assertThat(sidecar).doesNotContain(secret);
        }
        assertNothingLeaked();
    }

    @Test
    void failurePathsLogAndSayNoSecret() throws Exception {
        BackupService service = encrypted();
        String id = service.backup().id();
        expectFailure(() -> service.restore(id, RestoreOptions.builder().build()));                    // no identity
        expectFailure(() -> service.withIdentity(AgeIdentity.generate()).preview(id));                   // wrong identity
        expectFailure(() -> builder(FaultTestKit.dataSource(live), storeFolder).encryptTo(identity.recipients())
                .trustedKeys(List.of(SigningKeys.generate().getPublic())).build().withIdentity(identity)
                .restore(id, RestoreOptions.builder().build()));                                          // foreign key
        expectFailure(() -> builder(FaultTestKit.dataSource(live), storeFolder)
                .options(BackupOptions.builder().tempDirectory(temp).limits(SizeLimits.builder()
                        .maxExpandedBytes(1000).build()).build())
                .trustedKeys(List.of(signing.getPublic())).build().withIdentity(identity).verify(id));    // limit
        expectFailure(() -> builder(FaultTestKit.dataSource(live), storeFolder)
                .options(BackupOptions.builder().tempDirectory(temp).limits(SizeLimits.builder()
                        .maxBackupBytes(1000).build()).build()).build().backup());                       // limit

        // a damaged encrypted archive
        Path stored = storeFolder.resolve(service.info(id).archiveName());
        byte[] bytes = Files.readAllBytes(stored);
        byte[] damaged = bytes.clone();
        damaged[damaged.length / 2] ^= 0x10;
        Files.write(stored, damaged);
        expectFailure(() -> service.withIdentity(identity).restore(id, RestoreOptions.builder().build()));
        Files.write(stored, bytes);

        // a redacted backup refused over live data
        BackupService sharing = builder(FaultTestKit.dataSource(live), dir.resolve("shared"))
                .redaction(RedactionRules.sharingProfile()).build();
        String shared = sharing.backup().id();
        expectFailure(() -> sharing.restore(shared, RestoreOptions.builder().build()));

        // hostile data entries whose broken statements sit next to row values
        BackupService plain = builder(FaultTestKit.dataSource(live), dir.resolve("plain"))
                .redaction(RedactionRules.none()).build();
        for (String statement : List.of(
                "INSERT INTO \"users\" (\"id\",\"name\") VALUES (900, '" + ROW_TEXT + "' '" + ROW_TEXT + "');",
                "INSERT INTO \"users\" (\"id\",\"name\") VALUES (" + ROW_NUMBER + "x, 'a');",
                "INSERT INTO \"users\" (\"id\",\"name\") VALUES (99999999999" + ROW_NUMBER + ", 'a');",
                "INSERT INTO \"users\" (\"id\",\"photo\") VALUES (901, X'" + ROW_BLOB_HEX + "' X'00');",
                "INSERT INTO \"users\" (\"id\",\"name\") VALUES (902, '" + ROW_TEXT + "'",
                "UPDATE \"users\" SET \"name\" = '" + ROW_TEXT + "';",
                "INSERT INTO \"users\" (\"id\",\"name\") VALUES (903, upper('" + ROW_TEXT + "'));")) {
            String plainId = plain.backup().id();
            forgeDataEntry(dir.resolve("plain"), plainId, statement);
            expectFailure(() -> plain.restore(plainId, RestoreOptions.builder().build()));
        }

        // an unsupported database reached through a URL with a password
        DataSource oracle = urlDataSource("jdbc:oracle:thin:scott/" + URL_PASSWORD + "@//db:1521/APP?password="
                + URL_PASSWORD, "Oracle");
        expectFailure(() -> BackupService.builder().dataSource(oracle).store(LocalFolderStore.at(dir.resolve("o")))
                .build());
        DataSource postgres = urlDataSource("jdbc:postgresql://app:" + URL_PASSWORD + "@db:5432/app?sslpassword="
                + URL_PASSWORD, "PostgreSQL");
        expectFailure(() -> BackupService.builder().dataSource(postgres).store(LocalFolderStore.at(dir.resolve("p")))
                .build());

        assertThat(thrown).hasSize(16);
        assertThat(thrown.get(14).getMessage()).contains("jdbc:oracle:thin:scott/***@");
        assertThat(thrown.get(15).getMessage()).contains("jdbc:postgresql://app:***@db:5432/app");
        assertNothingLeaked();
    }

    /** A data source whose connections report the given URL and product (and fail anything else). */
    private static DataSource urlDataSource(String url, String product) {
        DatabaseMetaData md = (DatabaseMetaData) Proxy.newProxyInstance(SecretHygieneTest.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, (p, m, a) -> switch (m.getName()) {
                    case "getURL" -> url;
                    case "getDatabaseProductName" -> product;
                    case "getDatabaseProductVersion" -> "1.0";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        Connection c = (Connection) Proxy.newProxyInstance(SecretHygieneTest.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (p, m, a) -> switch (m.getName()) {
                    case "getMetaData" -> md;
                    case "close" -> null;
                    case "isClosed" -> false;
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return (DataSource) Proxy.newProxyInstance(SecretHygieneTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (p, m, a) -> switch (m.getName()) {
                    case "getConnection" -> c;
                    case "toString" -> "proxy data source";
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** Appends a statement to the users data entry and repacks with every checksum fixed. */
    private static void forgeDataEntry(Path store, String id, String statement) throws Exception {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        byte[][] manifestJson = new byte[1][];
        Path archive = store.resolve(id + ".tar.zst");
        try (InputStream in = Files.newInputStream(archive)) {
            ArchiveReader.read(in, Compression.Algorithm.ZSTD, (name, size, content) -> {
                if (name.equals(ArchiveLayout.MANIFEST)) {
                    manifestJson[0] = content.readAllBytes();
                } else {
                    entries.put(name, content.readAllBytes());
                }
            });
        }
        ObjectNode manifest = (ObjectNode) MAPPER.readTree(manifestJson[0]);
        for (JsonNode e : manifest.get("entries")) {
            String name = e.get("name").asText();
            if (e.get("kind").asText().equals("DATA") && e.get("table").asText().equals("users")) {
                entries.put(name, (new String(entries.get(name), StandardCharsets.UTF_8) + statement + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            byte[] bytes = entries.get(name);
            ((ObjectNode) e).put("size", bytes.length).put("sha256", sha256(bytes));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ArchiveWriter writer = new ArchiveWriter(out, Compression.zstd(3), Instant.now());
        for (Map.Entry<String, byte[]> e : entries.entrySet()) {
            writer.addEntry(e.getKey(), e.getValue(), e.getValue().length);
        }
        byte[] json = MAPPER.writeValueAsBytes(manifest);
        writer.addEntry(ArchiveLayout.MANIFEST, json, json.length);
        writer.finish();
        Files.write(archive, out.toByteArray());
        Path sidecar = store.resolve(id + ".json");
        ObjectNode side = (ObjectNode) MAPPER.readTree(sidecar.toFile());
        ((ObjectNode) side.get("backup")).put("sizeBytes", writer.bytesWritten())
                .put("archiveSha256", writer.archiveSha256());
        Files.write(sidecar, MAPPER.writeValueAsBytes(side));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
