package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.luben.zstd.ZstdOutputStream;
import io.backupkit.AgeIdentity;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestoreOptions;
import io.backupkit.internal.ArchiveLayout;
import io.backupkit.internal.ArchiveReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 §8, the cases {@link HostileArchiveTest} does not cover: hostile tar structure (path
 * traversal, absolute paths, symbolic and hard links, duplicate entries, oversized headers),
 * truncated zstd and age streams with the sidecar fixed up, absurd manifest numbers, SQL
 * injection in table names and values, and every kind of statement other than INSERT in a data
 * entry. Archives are repacked at the tar level with the manifest's entry checksums and the
 * sidecar's size and SHA-256 recomputed, so that only the structural checks can catch them. Each
 * must fail with a specific {@link InvalidArchiveException}, leave the live database
 * byte-identical, list nothing new, and write no file anywhere but the (removed) staging file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileArchiveHardeningTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;
    private BackupService service;
    private String id;
    private byte[] originalSidecar;
    private byte[] originalArchive;
    private String liveSha;
    private List<String> listing;
    private List<Path> filesBefore;

    @BeforeEach
    void backUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users(id), title TEXT)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
                        + "INSERT INTO users SELECT i, 'user ' || i, 'u' || i || '@example.com' FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
                        + "INSERT INTO tickets SELECT i, 1 + i % 100, 'pompe ' || i FROM n");
        service = RestoreTestKit.service(live, storeFolder, temp);
        id = service.backup().id();
        originalSidecar = Files.readAllBytes(storeFolder.resolve(id + ".json"));
        originalArchive = Files.readAllBytes(storeFolder.resolve(id + ".tar.zst"));
        FaultTestKit.exec(live, "DELETE FROM tickets WHERE id > 250");
        liveSha = RestoreTestKit.sha256(live);
        listing = RestoreTestKit.listing(service);
    }

    // ------------------------------------------------------------------------------------------
    // A tar-level forger

    /** One tar entry to write: a header and its bytes. */
    private record Raw(TarArchiveEntry header, byte[] bytes) {
    }

    private final class TarForgery {
        final List<Raw> entries = new ArrayList<>();
        final ObjectNode manifest;
        int longFileMode = TarArchiveOutputStream.LONGFILE_POSIX;

        TarForgery() throws IOException {
            byte[][] manifestJson = new byte[1][];
            Map<String, byte[]> read = new LinkedHashMap<>();
            try (InputStream in = Files.newInputStream(storeFolder.resolve(id + ".tar.zst"))) {
                ArchiveReader.read(in, Compression.Algorithm.ZSTD, (name, size, content) -> {
                    if (name.equals(ArchiveLayout.MANIFEST)) {
                        manifestJson[0] = content.readAllBytes();
                    } else {
                        read.put(name, content.readAllBytes());
                    }
                });
            }
            read.forEach((name, bytes) -> entries.add(file(name, bytes)));
            manifest = (ObjectNode) MAPPER.readTree(manifestJson[0]);
        }

        Raw file(String name, byte[] bytes) {
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(bytes.length);
            e.setMode(0100644);
            return new Raw(e, bytes);
        }

        String dataEntry(String table) {
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("kind").asText().equals("DATA") && e.get("table").asText().equals(table)) {
                    return e.get("name").asText();
                }
            }
            throw new AssertionError(table);
        }

        Raw entry(String name) {
            return entries.stream().filter(r -> r.header().getName().equals(name)).findFirst().orElseThrow();
        }

        /** Renames an entry in the tar and in the manifest. */
        void rename(String from, String to) {
            Raw old = entry(from);
            entries.set(entries.indexOf(old), file(to, old.bytes()));
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("name").asText().equals(from)) {
                    ((ObjectNode) e).put("name", to);
                }
            }
        }

        void setText(String name, String text) {
            Raw old = entry(name);
            entries.set(entries.indexOf(old), file(name, text.getBytes(StandardCharsets.UTF_8)));
        }

        String text(String name) {
            return new String(entry(name).bytes(), StandardCharsets.UTF_8);
        }

        ObjectNode entryNode(String name) {
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("name").asText().equals(name)) {
                    return (ObjectNode) e;
                }
            }
            throw new AssertionError(name);
        }

        ObjectNode tableNode(String table) {
            for (JsonNode t : manifest.get("tables")) {
                if (t.get("name").asText().equals(table)) {
                    return (ObjectNode) t;
                }
            }
            throw new AssertionError(table);
        }

        /** The archive bytes: entries with the manifest's sizes and SHA-256 recomputed for files it lists. */
        byte[] pack() throws IOException {
            for (JsonNode e : manifest.get("entries")) {
                String name = e.get("name").asText();
                entries.stream().filter(r -> r.header().getName().equals(name) && r.header().isFile()).findFirst()
                        .ifPresent(r -> ((ObjectNode) e).put("size", r.bytes().length).put("sha256", sha256(r.bytes())));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3);
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(zstd, "UTF-8")) {
                tar.setLongFileMode(longFileMode);
                for (Raw r : entries) {
                    tar.putArchiveEntry(r.header());
                    tar.write(r.bytes());
                    tar.closeArchiveEntry();
                }
                byte[] json = MAPPER.writeValueAsBytes(manifest);
                TarArchiveEntry m = new TarArchiveEntry(ArchiveLayout.MANIFEST);
                m.setSize(json.length);
                tar.putArchiveEntry(m);
                tar.write(json);
                tar.closeArchiveEntry();
                tar.finish();
            }
            return out.toByteArray();
        }

        void write() throws IOException {
            byte[] archive = pack();
            // a thorough forger also rewrites the sidecar's copy of the manifest, which guides the
            // one-pass restore: the checks must then catch the forgery in that copy
            writeArchive(archive, MAPPER.writeValueAsString(manifest));
        }
    }

    /** Stores archive bytes and fixes the sidecar's size and SHA-256 to match them. */
    private void writeArchive(byte[] archive) throws IOException {
        writeArchive(archive, null);
    }

    /** As {@link #writeArchive(byte[])}, and replaces the sidecar's copy of the manifest when given one. */
    private void writeArchive(byte[] archive, String manifestCopy) throws IOException {
        Files.write(storeFolder.resolve(id + ".tar.zst"), archive);
        ObjectNode side = (ObjectNode) MAPPER.readTree(originalSidecar);
        ((ObjectNode) side.get("backup")).put("sizeBytes", archive.length).put("archiveSha256", sha256(archive));
        if (manifestCopy != null) {
            side.put("manifest", manifestCopy);
        }
        Files.write(storeFolder.resolve(id + ".json"), MAPPER.writeValueAsBytes(side));
        filesBefore = FaultTestKit.everythingIn(dir);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Throwable restoreFails(String... fragments) throws IOException {
        Throwable thrown = catchThrowable(() -> service.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).as("restore of the forged backup").isInstanceOf(InvalidArchiveException.class);
        assertThat(thrown.getMessage()).contains(id).contains(fragments);
        assertNothingChanged();
        // the other readers refuse it too, and write nothing either
        assertThat(catchThrowable(() -> service.preview(id))).isInstanceOf(InvalidArchiveException.class);
        assertThat(service.verify(id, io.backupkit.VerifyDepth.DEEP).ok()).as("deep verification").isFalse();
        assertNothingChanged();
        return thrown;
    }

    private void assertNothingChanged() throws IOException {
        assertThat(RestoreTestKit.sha256(live)).as("SHA-256 of the live database").isEqualTo(liveSha);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
        assertThat(RestoreTestKit.listing(service)).isEqualTo(listing);
        List<Path> now = FaultTestKit.everythingIn(dir).stream()
                .filter(p -> !p.toString().endsWith("-wal") && !p.toString().endsWith("-shm")).toList();
        List<Path> before = filesBefore.stream()
                .filter(p -> !p.toString().endsWith("-wal") && !p.toString().endsWith("-shm")).toList();
        assertThat(now).as("files anywhere under the test folder").containsExactlyInAnyOrderElementsOf(before);
        assertThat(Files.exists(Path.of(System.getProperty("java.io.tmpdir"), "evil.sql"))).isFalse();
        assertThat(Files.exists(Path.of("/tmp/backupkit-evil.sql"))).isFalse();
    }

    // ------------------------------------------------------------------------------------------
    // The control

    @Test
    void theRepackedArchiveRestores() throws Exception {
        TarForgery f = new TarForgery();
        f.write();
        assertThat(service.verify(id).ok()).isTrue();
        service.restore(id, RestoreOptions.builder().build());
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(300);
    }

    // ------------------------------------------------------------------------------------------
    // Tar structure

    @Test
    void pathTraversalInAnEntryName() throws Exception {
        TarForgery f = new TarForgery();
        f.rename(f.dataEntry("users"), "sql/../../../../tmp/evil.sql");
        f.write();

        restoreFails("sql/../../../../tmp/evil.sql", "path traversal");
    }

    @Test
    void anAbsoluteEntryName() throws Exception {
        TarForgery f = new TarForgery();
        f.rename(f.dataEntry("users"), "/tmp/backupkit-evil.sql");
        f.write();

        restoreFails("/tmp/backupkit-evil.sql", "absolute path");
    }

    @Test
    void aBackslashEntryName() throws Exception {
        TarForgery f = new TarForgery();
        f.rename(f.dataEntry("users"), "sql\\..\\..\\evil.sql");
        f.write();

        restoreFails("backslash");
    }

    private void withLink(byte type, String expected) throws Exception {
        TarForgery f = new TarForgery();
        TarArchiveEntry link = new TarArchiveEntry("sql/000001-data-users-00001.sql", type);
        link.setLinkName("/etc/passwd");
        f.entries.add(1, new Raw(link, new byte[0]));
        f.write();

        restoreFails("sql/000001-data-users-00001.sql", expected);
    }

    @Test
    void aSymbolicLinkEntry() throws Exception {
        withLink(TarConstants.LF_SYMLINK, "symbolic link");
    }

    @Test
    void aHardLinkEntry() throws Exception {
        withLink(TarConstants.LF_LINK, "hard link");
    }

    @Test
    void aFolderEntry() throws Exception {
        TarForgery f = new TarForgery();
        f.entries.add(0, new Raw(new TarArchiveEntry("sql/"), new byte[0]));
        f.write();

        restoreFails("'sql/'", "folder");
    }

    @Test
    void aDuplicateEntry() throws Exception {
        TarForgery f = new TarForgery();
        String users = f.dataEntry("users");
        Raw copy = f.file(users, "INSERT INTO \"users\" (\"id\",\"name\",\"email\") VALUES (555,'dup','x');\n"
                .getBytes(StandardCharsets.UTF_8));
        f.entries.add(f.entries.indexOf(f.entry(users)) + 1, copy);
        f.write();

        restoreFails(users, "appears twice");
    }

    /**
     * A raw extension header record of the given type declaring {@code size} bytes, then a plain
     * entry it would apply to. (Writing a 200 KB name through commons-compress is quadratic, so the
     * header is written as an entry of that type.)
     */
    private void withExtensionHeader(byte type, int size) throws Exception {
        TarForgery f = new TarForgery();
        TarArchiveEntry header = new TarArchiveEntry("././@LongHeader", type);
        header.setSize(size);
        byte[] body = new byte[size];
        java.util.Arrays.fill(body, (byte) 'a');
        String record = size + " path=";
        System.arraycopy(record.getBytes(StandardCharsets.US_ASCII), 0, body, 0, record.length());
        body[size - 1] = '\n';
        f.entries.add(1, new Raw(header, body));
        f.entries.add(2, f.file("sql/000001-data-users-00001.sql", new byte[0]));
        f.write();

        restoreFails("tar extension header", "type '" + (char) type + "'", "declares " + size + " bytes");
    }

    @Test
    void anOversizedPaxHeader() throws Exception {
        withExtensionHeader(TarConstants.LF_PAX_EXTENDED_HEADER_LC, 200_000);
    }

    @Test
    void anOversizedGnuLongLinkHeader() throws Exception {
        withExtensionHeader(TarConstants.LF_GNUTYPE_LONGLINK, 100_000);
    }

    @Test
    void anOversizedGnuLongNameHeader() throws Exception {
        withExtensionHeader(TarConstants.LF_GNUTYPE_LONGNAME, 100_000);
    }

    // ------------------------------------------------------------------------------------------
    // Truncated streams whose sidecar was fixed to match

    @Test
    void aTruncatedZstdStream() throws Exception {
        byte[] archive = new TarForgery().pack();
        writeArchive(java.util.Arrays.copyOf(archive, archive.length - 40));

        restoreFails("damaged");
    }

    @Test
    void aTruncatedAgeStream() throws Exception {
        AgeIdentity identity = AgeIdentity.generate();
        BackupService encrypting = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live)).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(temp).build())
                .encryptTo(identity.recipients())
                .allowUnsigned(true) // so that only the age layer can catch the truncation
                .build().withIdentity(identity);
        String encryptedId = encrypting.backup().id();
        Path stored = storeFolder.resolve(encryptedId + ".tar.zst.age");
        byte[] bytes = Files.readAllBytes(stored);
        for (int cut : new int[] {bytes.length - 1, bytes.length - 17, bytes.length / 2, 200, 40}) {
            byte[] truncated = java.util.Arrays.copyOf(bytes, cut);
            Files.write(stored, truncated);
            Path sidecar = storeFolder.resolve(encryptedId + ".json");
            ObjectNode side = (ObjectNode) MAPPER.readTree(sidecar.toFile());
            ((ObjectNode) side.get("backup")).put("sizeBytes", truncated.length).put("archiveSha256", sha256(truncated));
            Files.write(sidecar, MAPPER.writeValueAsBytes(side));
            listing = RestoreTestKit.listing(service);
            filesBefore = FaultTestKit.everythingIn(dir);

            Throwable thrown = catchThrowable(() -> encrypting.restore(encryptedId, RestoreOptions.builder().build()));

            assertThat(thrown).as("cut at %d of %d", cut, bytes.length).isInstanceOf(InvalidArchiveException.class);
            assertThat(thrown.getMessage()).contains(encryptedId, "damaged");
            assertNothingChanged();
        }
    }

    // ------------------------------------------------------------------------------------------
    // Absurd numbers

    private void manifestEdit(Consumer<TarForgery> edit, String... fragments) throws Exception {
        TarForgery f = new TarForgery();
        edit.accept(f);
        byte[] archive = f.pack();
        writeArchive(archive, MAPPER.writeValueAsString(f.manifest));
        restoreFails(fragments);
    }

    /** Packs, then overwrites one field of the manifest after the checksums were recomputed. */
    private void absurdEntryField(String field, long value, String... fragments) throws Exception {
        TarForgery f = new TarForgery();
        String users = f.dataEntry("users");
        f.pack();
        f.entryNode(users).put(field, value);
        // pack() would recompute the size; write the manifest as edited
        ObjectNode manifest = f.manifest;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZstdOutputStream zstd = new ZstdOutputStream(out, 3);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(zstd, "UTF-8")) {
            for (Raw r : f.entries) {
                tar.putArchiveEntry(r.header());
                tar.write(r.bytes());
                tar.closeArchiveEntry();
            }
            byte[] json = MAPPER.writeValueAsBytes(manifest);
            TarArchiveEntry m = new TarArchiveEntry(ArchiveLayout.MANIFEST);
            m.setSize(json.length);
            tar.putArchiveEntry(m);
            tar.write(json);
            tar.closeArchiveEntry();
        }
        writeArchive(out.toByteArray(), MAPPER.writeValueAsString(manifest));
        restoreFails(fragments);
    }

    @Test
    void aNegativeEntrySize() throws Exception {
        absurdEntryField("size", -1, "absurd size");
    }

    @Test
    void moreRowsThanBytesInAnEntry() throws Exception {
        absurdEntryField("rows", 1_000_000_000_000L, "impossible");
    }

    @Test
    void anAbsurdTableRowCount() throws Exception {
        manifestEdit(f -> f.tableNode("users").put("rows", Long.MAX_VALUE), "users", String.valueOf(Long.MAX_VALUE));
    }

    @Test
    void aNegativeTableEntryCount() throws Exception {
        manifestEdit(f -> f.tableNode("tickets").put("entries", -3), "tickets", "absurd");
    }

    @Test
    void anAbsurdFormatVersion() throws Exception {
        manifestEdit(f -> f.manifest.put("formatVersion", Integer.MAX_VALUE), "format version");
    }

    // ------------------------------------------------------------------------------------------
    // SQL injection

    @Test
    void sqlInjectionInATableNameOfTheManifest() throws Exception {
        String evil = "users\"; DROP TABLE tickets; --";
        manifestEdit(f -> {
            f.tableNode("users").put("name", evil);
            ArrayNode order = (ArrayNode) f.manifest.get("plan").get("tableOrder");
            for (int i = 0; i < order.size(); i++) {
                if (order.get(i).asText().equals("users")) {
                    order.set(i, MAPPER.getNodeFactory().textNode(evil));
                }
            }
            f.entryNode(f.dataEntry("users")).put("table", evil);
        }, "users\"");
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(250);
    }

    @Test
    void sqlInjectionInATableNameOfAnInsert() throws Exception {
        TarForgery f = new TarForgery();
        String users = f.dataEntry("users");
        f.setText(users, f.text(users) + "INSERT INTO \"users\"; DROP TABLE tickets; --\" (\"id\") VALUES (1);\n");
        f.write();

        restoreFails(users, "line");
    }

    @Test
    void sqlInjectionInAValueIsStoredAsPlainText() throws Exception {
        TarForgery f = new TarForgery();
        String users = f.dataEntry("users");
        String evil = "Robert'); DROP TABLE tickets; --";
        f.setText(users, f.text(users) + "INSERT INTO \"users\" (\"id\",\"name\",\"email\") VALUES (9001,'"
                + evil.replace("'", "''") + "','x');\n");
        f.entryNode(users).put("rows", 101);
        f.tableNode("users").put("rows", 101);
        // the added row would fail the table's content checksum; without one (as in a backup made
        // before checksums existed) the value must still arrive as plain text, never as SQL
        f.tableNode("users").remove("contentChecksum");
        f.write();

        service.restore(id, RestoreOptions.builder().build());

        assertThat(FaultTestKit.queryString(live, "SELECT name FROM users WHERE id = 9001")).isEqualTo(evil);
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(300);
    }

    @Test
    void statementsOtherThanInsertInADataEntry() throws Exception {
        List<String> statements = List.of(
                "UPDATE \"users\" SET \"name\" = 'x';",
                "DELETE FROM \"tickets\";",
                "REPLACE INTO \"users\" (\"id\",\"name\",\"email\") VALUES (1,'x','y');",
                "INSERT OR REPLACE INTO \"users\" (\"id\",\"name\",\"email\") VALUES (1,'x','y');",
                "INSERT INTO \"users\" (\"id\",\"name\",\"email\") SELECT 9000,'x','y';",
                "SELECT * FROM \"users\";",
                "CREATE TABLE evil (x);",
                "BEGIN;",
                "COMMIT;",
                "VACUUM;",
                "DETACH DATABASE main;",
                "WITH x AS (SELECT 1) INSERT INTO \"users\" (\"id\",\"name\",\"email\") SELECT 9000,'x','y' FROM x;",
                "INSERT INTO \"users\" (\"id\",\"name\",\"email\") VALUES (9000,'x','y') RETURNING *;",
                "INSERT INTO \"users\" (\"id\",\"name\",\"email\") VALUES (9000,'x','y') ON CONFLICT DO NOTHING;");
        for (String statement : statements) {
            Files.write(storeFolder.resolve(id + ".tar.zst"), originalArchive);
            TarForgery f = new TarForgery();
            String users = f.dataEntry("users");
            String text = f.text(users);
            int line = (int) text.chars().filter(c -> c == '\n').count() + 1;
            f.setText(users, text + statement + "\n");
            f.write();

            Throwable thrown = restoreFails(users);
            assertThat(thrown.getMessage()).as(statement).contains("line " + line);
        }
    }
}
