package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.backupkit.BackupException;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.InvalidArchiveException;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import io.backupkit.internal.ArchiveLayout;
import io.backupkit.internal.ArchiveReader;
import io.backupkit.internal.ArchiveWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "Bad input": hostile archives made from a real backup by unpacking it, editing an
 * entry or the manifest, and packing it again with every checksum recomputed (entry sizes and
 * SHA-256 in {@code manifest.json}, the whole archive's SHA-256 and size in the sidecar), so that
 * only the strict checks of the restore can catch the edit. Each must fail with a specific error
 * naming the entry (and the line, for data entries), and leave the live database byte-identical,
 * no staging file behind and nothing new in the store (in particular no {@code pre-restore} backup).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileArchiveTest {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;
    private BackupService service;
    private String id;
    private byte[] originalArchive;
    private byte[] originalSidecar;
    private String liveSha;
    private List<Path> liveFiles;
    private List<String> listing;

    @BeforeEach
    void backUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "PRAGMA user_version=3",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY AUTOINCREMENT, user_id INTEGER REFERENCES users(id), "
                        + "title TEXT)",
                "CREATE INDEX idx_tickets_user ON tickets(user_id)",
                "CREATE TRIGGER tickets_touch AFTER INSERT ON tickets BEGIN "
                        + "UPDATE users SET email = email WHERE id = NEW.user_id; END",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
                        + "INSERT INTO users SELECT i, 'user ''' || i, 'u' || i || '@example.com' FROM n",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                        + "INSERT INTO tickets (user_id, title) SELECT 1 + i % 200, 'pompe ' || i FROM n");
        service = RestoreTestKit.service(live, storeFolder, temp);
        id = service.backup().id();
        originalArchive = Files.readAllBytes(archive());
        originalSidecar = Files.readAllBytes(sidecar());
        // the live database as it is now: what every rejected restore must leave alone
        FaultTestKit.exec(live, "DELETE FROM tickets WHERE id > 450", "UPDATE users SET name = 'changed' WHERE id = 7");
        liveSha = RestoreTestKit.sha256(live);
        liveFiles = RestoreTestKit.liveFolderFiles(live.getParent());
        listing = RestoreTestKit.listing(service);
    }

    private Path archive() {
        return storeFolder.resolve(id + ".tar.zst");
    }

    private Path sidecar() {
        return storeFolder.resolve(id + ".json");
    }

    // ------------------------------------------------------------------------------------------
    // The forger

    /** An unpacked archive: its SQL entries in archive order and its manifest as a JSON tree. */
    private final class Forgery {
        final Map<String, byte[]> entries = new LinkedHashMap<>();
        final ObjectNode manifest;

        Forgery() throws IOException {
            byte[][] manifestJson = new byte[1][];
            try (InputStream in = Files.newInputStream(archive())) {
                ArchiveReader.read(in, Compression.Algorithm.ZSTD, (name, size, content) -> {
                    if (name.equals(ArchiveLayout.MANIFEST)) {
                        manifestJson[0] = content.readAllBytes();
                    } else {
                        entries.put(name, content.readAllBytes());
                    }
                });
            }
            manifest = (ObjectNode) MAPPER.readTree(manifestJson[0]);
        }

        /** The name of the first entry of a kind (and table, for data entries). */
        String entry(String kind, String table) {
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("kind").asText().equals(kind) && (table == null || table.equals(e.get("table").asText()))) {
                    return e.get("name").asText();
                }
            }
            throw new AssertionError("no " + kind + " entry for " + table);
        }

        String text(String entry) {
            return new String(entries.get(entry), StandardCharsets.UTF_8);
        }

        void setText(String entry, String text) {
            entries.put(entry, text.getBytes(StandardCharsets.UTF_8));
        }

        /** Appends a statement to an entry and returns the line it starts on. */
        int append(String entry, String statement) {
            String text = text(entry);
            assertThat(text).endsWith("\n");
            setText(entry, text + statement + "\n");
            return (int) text.chars().filter(c -> c == '\n').count() + 1;
        }

        ObjectNode entryNode(String entry) {
            for (JsonNode e : manifest.get("entries")) {
                if (e.get("name").asText().equals(entry)) {
                    return (ObjectNode) e;
                }
            }
            throw new AssertionError("no manifest entry " + entry);
        }

        ObjectNode tableNode(String table) {
            for (JsonNode t : manifest.get("tables")) {
                if (t.get("name").asText().equals(table)) {
                    return (ObjectNode) t;
                }
            }
            throw new AssertionError("no manifest table " + table);
        }

        /**
         * Replaces a schema statement in the manifest and rewrites the schema and post-data
         * entries from the manifest, exactly as the writer lays them out, so that they agree.
         */
        void replaceSchema(String name, String sql) {
            boolean found = false;
            for (JsonNode s : manifest.get("schema")) {
                if (s.get("name").asText().equals(name) && !s.get("phase").asText().equals("FINISH")) {
                    ((ObjectNode) s).put("sql", sql);
                    found = true;
                }
            }
            assertThat(found).as("schema statement " + name).isTrue();
            for (String phase : List.of("SCHEMA", "POST_DATA")) {
                StringBuilder text = new StringBuilder();
                for (JsonNode s : manifest.get("schema")) {
                    if (s.get("phase").asText().equals(phase)) {
                        text.append(s.get("sql").asText()).append(";\n");
                    }
                }
                setText(entry(phase, null), text.toString());
            }
        }

        /**
         * Packs the archive again with the manifest's entry sizes and SHA-256 recomputed, and
         * rewrites the sidecar with the new archive's size and SHA-256.
         */
        void write() throws IOException {
            for (JsonNode e : manifest.get("entries")) {
                byte[] bytes = entries.get(e.get("name").asText());
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
            Files.write(archive(), out.toByteArray());
            ObjectNode side = (ObjectNode) MAPPER.readTree(originalSidecar);
            ((ObjectNode) side.get("backup")).put("sizeBytes", writer.bytesWritten())
                    .put("archiveSha256", writer.archiveSha256());
            // a thorough forger also rewrites the sidecar's copy of the manifest, which guides the
            // one-pass restore; the checks on that copy must catch what they caught in the archive
            side.put("manifest", new String(json, java.nio.charset.StandardCharsets.UTF_8));
            Files.write(sidecar(), MAPPER.writeValueAsBytes(side));
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Forgery forge() throws IOException {
        return new Forgery();
    }

    // ------------------------------------------------------------------------------------------
    // Checks

    private Throwable restoreFails(Class<? extends Throwable> type, String... fragments) {
        Throwable thrown = catchThrowable(() -> service.restore(id, RestoreOptions.builder().build()));
        assertThat(thrown).as("restore of the forged backup").isInstanceOf(type);
        assertThat(thrown.getMessage()).contains(fragments);
        assertNothingChanged();
        return thrown;
    }

    private void assertNothingChanged() {
        assertThat(RestoreTestKit.sha256(live)).as("SHA-256 of the live database file").isEqualTo(liveSha);
        assertThat(RestoreTestKit.liveFolderFiles(live.getParent())).as("files in the live folder").isEqualTo(liveFiles);
        RestoreTestKit.assertNoWalContent(live);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).as("staging files in the live folder").isEmpty();
        assertThat(RestoreTestKit.filesIn(temp)).as("files in the temp directory").isEmpty();
        assertThat(RestoreTestKit.listing(service)).as("backups listed").isEqualTo(listing);
        assertThat(RestoreTestKit.labelled(service, RestoreOptions.PRE_RESTORE_LABEL)).isEmpty();
    }

    // ------------------------------------------------------------------------------------------
    // The control: the forger itself changes nothing that matters

    @Test
    void aRepackedButUneditedArchiveStillRestores() throws Exception {
        Forgery f = forge();
        f.write();
        assertThat(Files.readAllBytes(archive())).as("the archive was rewritten").isNotEqualTo(originalArchive);
        assertThat(service.verify(id).ok()).isTrue();

        RestoreResult result = service.restore(id, RestoreOptions.builder().build());

        assertThat(result.rows()).isEqualTo(700);
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(500);
        SqliteTestTools.assertHealthy(live);
    }

    // ------------------------------------------------------------------------------------------
    // Damage that checksums catch

    @Test
    void truncatedArchive() throws Exception {
        Files.write(archive(), java.util.Arrays.copyOf(originalArchive, originalArchive.length / 2));

        restoreFails(InvalidArchiveException.class, id, id + ".tar.zst");
    }

    @Test
    void aFlippedByteAnywhere() throws Exception {
        int n = originalArchive.length;
        for (int position : new int[] {0, 1, 4, 13, n / 8, n / 4, n / 3, n / 2, 2 * n / 3, 3 * n / 4, n - 9, n - 1}) {
            byte[] damaged = originalArchive.clone();
            damaged[position] ^= 0x20;
            Files.write(archive(), damaged);

            Throwable thrown = restoreFails(InvalidArchiveException.class, id);
            assertThat(thrown.getMessage()).as("flipped byte at %d of %d", position, n).contains(".tar.zst");
        }
    }

    // ------------------------------------------------------------------------------------------
    // The one-pass restore: the sidecar's copy of the manifest guides the loading

    @Test
    void theSidecarCarriesACopyOfTheManifestThatEqualsTheArchives() throws Exception {
        JsonNode side = MAPPER.readTree(originalSidecar);
        assertThat(side.hasNonNull("manifest")).as("the sidecar of an unencrypted backup has a manifest copy").isTrue();
        assertThat(MAPPER.readTree(side.get("manifest").asText()))
                .isEqualTo(MAPPER.readTree(new Forgery().manifest.toString()));
    }

    @Test
    void anArchiveWhoseManifestWasForgedButNotTheSidecarsCopyIsRefused() throws Exception {
        Forgery f = forge();
        f.manifest.withArray("labels").add("forged");
        f.write();
        ObjectNode side = (ObjectNode) MAPPER.readTree(Files.readAllBytes(sidecar()));
        side.set("manifest", MAPPER.readTree(originalSidecar).get("manifest"));
        Files.write(sidecar(), MAPPER.writeValueAsBytes(side));

        restoreFails(InvalidArchiveException.class, id, "differs from the manifest it was checked against");
    }

    @Test
    void aSidecarCopyThatDiffersFromTheUntouchedArchiveIsRefused() throws Exception {
        ObjectNode side = (ObjectNode) MAPPER.readTree(originalSidecar);
        ObjectNode copy = (ObjectNode) MAPPER.readTree(side.get("manifest").asText());
        copy.withArray("labels").add("forged");
        side.put("manifest", MAPPER.writeValueAsString(copy));
        Files.write(sidecar(), MAPPER.writeValueAsBytes(side));

        restoreFails(InvalidArchiveException.class, id, "differs from the manifest it was checked against");
        // verify reads the archive's own manifest, and flags the copy a restore would follow
        assertThat(service.verify(id).problems())
                .contains("the sidecar's copy of manifest.json differs from the archive's manifest.json");
    }

    @Test
    void aSidecarWithACopyIsRestoredInOnePassAndOneWithoutInTwo() throws Exception {
        java.util.concurrent.atomic.AtomicInteger archiveReads = new java.util.concurrent.atomic.AtomicInteger();
        io.backupkit.spi.Store counting = new io.backupkit.testing.StreamWrappingStore(
                io.backupkit.LocalFolderStore.at(storeFolder)) {
            @Override
            protected java.io.OutputStream wrap(String name, java.io.OutputStream out) {
                return out;
            }

            @Override
            public java.io.InputStream open(String name) throws IOException {
                if (name.equals(id + ".tar.zst")) {
                    archiveReads.incrementAndGet();
                }
                return super.open(name);
            }
        };
        BackupService reading = BackupService.builder().dataSource(FaultTestKit.dataSource(live))
                .dialect(new SqliteDialect()).store(counting)
                .options(io.backupkit.BackupOptions.builder().tempDirectory(temp).build())
                .build();

        reading.restore(id, RestoreOptions.builder().safetyBackup(false).build());
        assertThat(archiveReads).as("archive reads with the sidecar's copy").hasValue(1);
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(500);

        ObjectNode side = (ObjectNode) MAPPER.readTree(originalSidecar);
        side.remove("manifest");
        Files.write(sidecar(), MAPPER.writeValueAsBytes(side));
        FaultTestKit.exec(live, "DELETE FROM tickets WHERE id > 450");
        archiveReads.set(0);
        reading.restore(id, RestoreOptions.builder().safetyBackup(false).build());
        assertThat(archiveReads).as("archive reads without a copy: one for the manifest, one to load").hasValue(2);
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(500);
    }

    @Test
    void unknownManifestFormatVersion() throws Exception {
        Forgery f = forge();
        f.manifest.put("formatVersion", 2);
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "format version 2");
    }

    @Test
    void aBackupOfAnotherDialect() throws Exception {
        Forgery f = forge();
        ((ObjectNode) f.manifest.get("source")).put("dialect", "postgresql");
        f.write();

        restoreFails(InvalidArchiveException.class, id, "postgresql");
    }

    // ------------------------------------------------------------------------------------------
    // Data entries: only INSERT INTO <known table> (<known columns>) VALUES (<literals>)

    private void dataEntryHolding(String statement, String... fragments) throws Exception {
        Forgery f = forge();
        String entry = f.entry("DATA", "users");
        int line = f.append(entry, statement);
        f.write();

        List<String> expected = new java.util.ArrayList<>(List.of(entry, "line " + line));
        expected.addAll(List.of(fragments));
        restoreFails(InvalidArchiveException.class, expected.toArray(String[]::new));
    }

    @Test
    void dataEntryWithDropTable() throws Exception {
        dataEntryHolding("DROP TABLE users;", "DROP");
    }

    @Test
    void dataEntryWithAttach() throws Exception {
        dataEntryHolding("ATTACH DATABASE '" + dir.resolve("x.db") + "' AS x;", "ATTACH");
        assertThat(dir.resolve("x.db")).as("the attached file was never created").doesNotExist();
    }

    @Test
    void dataEntryWithPragma() throws Exception {
        dataEntryHolding("PRAGMA writable_schema=1;", "PRAGMA");
    }

    @Test
    void dataEntryCallingLoadExtension() throws Exception {
        dataEntryHolding("INSERT INTO users (id) VALUES (load_extension('x'));");
    }

    /** The same call in the writer's exact spelling, so that only the literal check can stop it. */
    @Test
    void dataEntryCallingLoadExtensionInTheWritersSpelling() throws Exception {
        dataEntryHolding("INSERT INTO \"users\" (\"id\") VALUES (load_extension('x'));", "load_extension");
    }

    @Test
    void dataEntryWithAnExpressionInsteadOfALiteral() throws Exception {
        dataEntryHolding("INSERT INTO \"users\" (\"id\",\"name\") VALUES (9999, (SELECT group_concat(name) FROM users));");
    }

    @Test
    void dataEntryInsertingIntoATableNotInTheManifest() throws Exception {
        dataEntryHolding("INSERT INTO \"secrets\" (\"a\") VALUES (1);", "secrets");
    }

    @Test
    void dataEntryInsertingIntoAnotherKnownTable() throws Exception {
        Forgery f = forge();
        String entry = f.entry("DATA", "users");
        f.append(entry, "INSERT INTO \"tickets\" (\"id\",\"user_id\",\"title\") VALUES (9999,1,'smuggled');");
        // keep the counts consistent, so that only the table check can catch it
        f.entryNode(entry).put("rows", 201);
        f.tableNode("users").put("rows", 201);
        f.write();

        restoreFails(InvalidArchiveException.class, entry, "tickets");
    }

    @Test
    void dataEntryWithAnUnknownColumn() throws Exception {
        dataEntryHolding("INSERT INTO \"users\" (\"id\",\"is_admin\") VALUES (9999,1);", "is_admin");
    }

    @Test
    void finishEntryWithAnotherPragma() throws Exception {
        Forgery f = forge();
        String entry = f.entry("FINISH", null);
        int line = f.append(entry, "PRAGMA writable_schema = 1;");
        f.write();

        restoreFails(InvalidArchiveException.class, entry, "line " + line, "writable_schema");
    }

    // ------------------------------------------------------------------------------------------
    // Row counts

    @Test
    void manifestRowCountDoesNotMatchTheEntry() throws Exception {
        Forgery f = forge();
        String entry = f.entry("DATA", "users");
        f.entryNode(entry).put("rows", 201);
        f.tableNode("users").put("rows", 201);
        f.write();

        restoreFails(InvalidArchiveException.class, entry, "200", "201");
    }

    @Test
    void entryMissingARowTheManifestCounts() throws Exception {
        Forgery f = forge();
        String entry = f.entry("DATA", "users");
        String text = f.text(entry);
        // drop the last row: "...,\n(200,...);\n" becomes "...;\n"
        int lastRow = text.lastIndexOf(",\n(");
        f.setText(entry, text.substring(0, lastRow) + ";\n");
        f.write();

        restoreFails(InvalidArchiveException.class, entry, "199", "200");
    }

    @Test
    void tableRowCountDoesNotMatchTheManifestTable() throws Exception {
        Forgery f = forge();
        f.tableNode("tickets").put("rows", 499);
        f.write();

        restoreFails(InvalidArchiveException.class, "tickets", "500", "499");
    }

    // ------------------------------------------------------------------------------------------
    // Schema statements: the one kind of archive text that runs, so each is checked

    @Test
    void schemaStatementWithASecondStatement() throws Exception {
        Forgery f = forge();
        f.replaceSchema("users", "CREATE TABLE t(a); DROP TABLE users");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "second statement");
    }

    @Test
    void triggerWritingToATableNotInTheSchema() throws Exception {
        Forgery f = forge();
        f.replaceSchema("tickets_touch", "CREATE TRIGGER tickets_touch AFTER INSERT ON tickets BEGIN "
                + "UPDATE users SET email = email WHERE id = NEW.user_id; DELETE FROM app_secrets; END");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "tickets_touch", "app_secrets");
    }

    @Test
    void triggerWithAStatementOtherThanDml() throws Exception {
        Forgery f = forge();
        f.replaceSchema("tickets_touch", "CREATE TRIGGER tickets_touch AFTER INSERT ON tickets BEGIN "
                + "DROP TABLE users; END");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "tickets_touch", "DROP");
    }

    @Test
    void createTempTable() throws Exception {
        Forgery f = forge();
        f.replaceSchema("users", "CREATE TEMP TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT)");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "TEMP");
    }

    @Test
    void viewCallingLoadExtension() throws Exception {
        Forgery f = forge();
        f.replaceSchema("idx_tickets_user", "CREATE VIEW idx_tickets_user AS SELECT load_extension('/tmp/evil')");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "load_extension");
    }

    @Test
    void schemaEntryThatDiffersFromTheManifest() throws Exception {
        Forgery f = forge();
        String entry = f.entry("SCHEMA", null);
        f.append(entry, "DROP TABLE users;");
        f.write();

        restoreFails(InvalidArchiveException.class, entry, "manifest.json");
    }

    @Test
    void manifestPageSizeThatIsNotANumber() throws Exception {
        Forgery f = forge();
        ((ObjectNode) f.manifest.get("source").get("properties")).put("page_size", "4096; PRAGMA writable_schema=1");
        f.write();

        restoreFails(InvalidArchiveException.class, "manifest.json", "page_size");
    }

    // ------------------------------------------------------------------------------------------
    // Schema versions

    @Test
    void aBackupFromANewerSchemaVersionIsRefusedUnlessAllowed() throws Exception {
        FaultTestKit.exec(live, "PRAGMA user_version=2");
        liveSha = RestoreTestKit.sha256(live);

        Throwable thrown = restoreFails(BackupException.class, id, "schema version", "3", "2");
        assertThat(thrown).hasMessageContaining("allowNewerSchema");

        RestoreResult result = service.restore(id, RestoreOptions.builder().allowNewerSchema(true).build());

        assertThat(result.safetyBackupId()).isNotNull();
        assertThat(SqliteTestTools.pragma(live, "user_version")).isEqualTo("3");
        assertThat(FaultTestKit.queryLong(live, "SELECT count(*) FROM tickets")).isEqualTo(500);
    }

    @Test
    void aBackupFromTheSameOrAnOlderSchemaVersionIsRestored() throws Exception {
        FaultTestKit.exec(live, "PRAGMA user_version=4");

        service.restore(id, RestoreOptions.builder().build());

        assertThat(SqliteTestTools.pragma(live, "user_version")).isEqualTo("3");
    }

    // ------------------------------------------------------------------------------------------
    // Content checksums: the staged tables are rendered again and compared with the manifest

    @Test
    void everyTableOfAnUnredactedBackupCarriesAContentChecksum() throws Exception {
        Forgery f = forge();
        for (String table : List.of("users", "tickets")) {
            assertThat(f.tableNode(table).get("contentChecksum").asText()).as(table).matches("crc32c:[0-9a-f]{8}");
        }
    }

    @Test
    void aValueChangedInADataEntryWithRecomputedEntryChecksumsIsCaughtByTheContentChecksum() throws Exception {
        Forgery f = forge();
        String data = f.entry("DATA", "tickets");
        assertThat(f.text(data)).contains("'pompe 17'");
        f.setText(data, f.text(data).replace("'pompe 17'", "'pompe 71'"));
        f.write();
        assertThat(service.verify(id).ok()).as("entry checksums and sizes agree with the forged manifest").isTrue();
        var deep = service.verify(id, io.backupkit.VerifyDepth.DEEP);
        assertThat(deep.ok()).isFalse();
        assertThat(deep.problems()).singleElement().asString().contains("table 'tickets'", "content checksum");

        restoreFails(InvalidArchiveException.class, id, "table 'tickets'", "content checksum");
    }

    @Test
    void aWrongContentChecksumInTheManifestIsReportedForThatTableOnly() throws Exception {
        Forgery f = forge();
        f.tableNode("users").put("contentChecksum", "crc32c:00000000");
        f.write();

        Throwable thrown = restoreFails(InvalidArchiveException.class, id, "table 'users'", "crc32c:00000000");
        assertThat(thrown.getMessage()).doesNotContain("table 'tickets'");
    }

    @Test
    void aBackupWithoutContentChecksumsStillRestores() throws Exception {
        Forgery f = forge();
        f.tableNode("users").remove("contentChecksum");
        f.tableNode("tickets").remove("contentChecksum");
        f.write();

        RestoreResult result = service.restore(id, RestoreOptions.builder().build());

        assertThat(result.rows()).isEqualTo(700);
    }
}
