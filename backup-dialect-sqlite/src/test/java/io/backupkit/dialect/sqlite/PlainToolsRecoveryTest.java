package io.backupkit.dialect.sqlite;

import static io.backupkit.dialect.sqlite.SqliteTestTools.assertHealthy;
import static io.backupkit.dialect.sqlite.SqliteTestTools.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.ManifestEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recovery the README documents, with nothing but standard tools: {@code zstd -d}, then
 * {@code tar -x}, then {@code cat sql/*.sql | sqlite3 new.db}. The result must be identical to
 * the source, and {@code manifest.json} must describe every SQL entry with a correct SHA-256.
 */
class PlainToolsRecoveryTest {

    @TempDir
    Path work;

    @Test
    void maintenanceDatabaseRecoversWithZstdTarAndSqlite3() throws Exception {
        Path original = SqliteTestTools.maintenanceDb(Files.createDirectories(work.resolve("source")));
        SqliteTestTools.stampHeader(original, 12, 34);
        // Small chunks, so the table data spans several entries that must be loaded in name order.
        recoverAndCompare(original, BackupOptions.builder().chunkBytes(256 * 1024).build());
    }

    @Test
    void northwindRecoversWithZstdTarAndSqlite3() throws Exception {
        Path original = SqliteTestTools.copyDataset("northwind.sqlite", work);
        SqliteTestTools.stampHeader(original, 1, -2);
        recoverAndCompare(original, BackupOptions.defaults());
    }

    private void recoverAndCompare(Path original, BackupOptions options) throws Exception {
        Path storeFolder = Files.createDirectories(work.resolve("store"));
        BackupService service = SqliteTestTools.service(original, storeFolder, options);
        BackupManifest manifest = service.backup();
        String archiveName = service.info(manifest.id()).archiveName();
        Path archive = storeFolder.resolve(archiveName);
        assertThat(archive).isRegularFile();
        assertThat(archiveName).endsWith(".tar.zst");

        Path recovery = Files.createDirectories(work.resolve("recovery"));
        Path tarFile = recovery.resolve("backup.tar");
        SqliteTestTools.run(List.of(SqliteTestTools.zstd(), "-q", "-d", archive.toString(), "-o", tarFile.toString()),
                null).requireClean();
        Path extracted = Files.createDirectories(recovery.resolve("extracted"));
        SqliteTestTools.run(List.of(SqliteTestTools.tar(), "-x", "-f", tarFile.toString(), "-C", extracted.toString()),
                null).requireClean();

        // Exactly as an operator would type it; the shell sorts the glob by name (LC_ALL=C).
        Path restored = recovery.resolve("new.db");
        SqliteTestTools.shell("cat sql/*.sql | '" + SqliteTestTools.sqlite3() + "' '" + restored + "'", extracted)
                .requireClean();

        assertIdentical(original, restored);
        assertHealthy(restored);
        SqliteTestTools.assertRowCounts(manifest, restored);

        List<String> sqlFiles;
        try (Stream<Path> files = Files.list(extracted.resolve("sql"))) {
            sqlFiles = files.map(p -> "sql/" + p.getFileName()).sorted().toList();
        }
        try (Stream<Path> top = Files.list(extracted)) {
            assertThat(top.map(p -> p.getFileName().toString()))
                    .as("the archive holds only the sql folder and the manifest")
                    .containsExactlyInAnyOrder("sql", "manifest.json");
        }
        assertManifestDescribesEntries(extracted, sqlFiles, manifest);
    }

    private static void assertManifestDescribesEntries(Path extracted, List<String> sqlFiles, BackupManifest manifest)
            throws Exception {
        JsonNode json = new ObjectMapper().readTree(extracted.resolve("manifest.json").toFile());
        assertThat(json.path("id").asText()).isEqualTo(manifest.id());
        assertThat(json.path("formatVersion").asInt()).isEqualTo(BackupManifest.FORMAT_VERSION);

        Map<String, JsonNode> listed = new LinkedHashMap<>();
        for (JsonNode entry : json.withArray("entries")) {
            listed.put(entry.path("name").asText(), entry);
        }
        assertThat(List.copyOf(listed.keySet())).as("entries listed in manifest.json, in archive order")
                .isEqualTo(sqlFiles);
        assertThat(sqlFiles).as("names sort into load order: schema, data, post-data, finish")
                .isEqualTo(manifest.entries().stream().map(ManifestEntry::name).toList());
        assertThat(manifest.entries().stream().map(ManifestEntry::kind).toList())
                .as("entry kinds in load order").isSorted();

        for (String name : sqlFiles) {
            byte[] content = Files.readAllBytes(extracted.resolve(name));
            JsonNode entry = listed.get(name);
            assertThat(entry.path("sha256").asText()).as("sha256 of " + name)
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
            assertThat(entry.path("size").asLong()).as("size of " + name).isEqualTo(content.length);
        }
        assertThat(manifest.entries().stream().filter(e -> e.kind() == ManifestEntry.Kind.DATA)
                .mapToLong(ManifestEntry::rows).sum()).as("rows over all data entries").isEqualTo(manifest.totalRows());
    }
}
