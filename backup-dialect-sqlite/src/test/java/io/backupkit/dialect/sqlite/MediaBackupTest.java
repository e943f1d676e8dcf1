package io.backupkit.dialect.sqlite;

import static io.backupkit.dialect.sqlite.SqliteTestTools.assertIdentical;
import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupRequest;
import io.backupkit.BackupService;
import io.backupkit.Compression;
import io.backupkit.LocalDirectoryMediaSource;
import io.backupkit.LocalFolderStore;
import io.backupkit.ManifestEntry;
import io.backupkit.MediaRestoreMode;
import io.backupkit.MediaRestoreResult;
import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.RestoreOptions;
import io.backupkit.VerificationResult;
import io.backupkit.VerifyDepth;
import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media files in the same archive as the database: streamed under {@code media/}, checksummed in
 * the manifest, recoverable with {@code zstd}, {@code tar} and {@code sha256sum}, listed at
 * snapshot time, ignored by SQL export, and put back by a full restore.
 */
class MediaBackupTest {

    private static final String MARKER = "media-marker-never-in-sql";

    @TempDir
    Path dir;

    private Path db;
    private Path mediaFolder;
    private Path storeFolder;
    private final Map<String, byte[]> files = new LinkedHashMap<>();

    @BeforeEach
    void setUp() throws Exception {
        db = dir.resolve("app.db");
        SqliteTestTools.execute(db, "PRAGMA journal_mode=WAL",
                "CREATE TABLE photos (id INTEGER PRIMARY KEY, media_key TEXT NOT NULL)",
                "INSERT INTO photos (media_key) VALUES ('big/three MiB.bin'), ('one.bin')");
        mediaFolder = Files.createDirectories(dir.resolve("media"));
        storeFolder = dir.resolve("store");
        byte[] big = new byte[3 * 1024 * 1024];
        new Random(42).nextBytes(big);
        files.put("a/b/c/deep.txt", (MARKER + " deep\n").getBytes(StandardCharsets.UTF_8));
        files.put("big/three MiB.bin", big);
        files.put("empty.bin", new byte[0]);
        files.put("one.bin", new byte[] {7});
        files.put("sub dir/ünïcödé ✓ name.txt", (MARKER + " unicode\n").getBytes(StandardCharsets.UTF_8));
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path path = mediaFolder.resolve(file.getKey());
            Files.createDirectories(path.getParent());
            Files.write(path, file.getValue());
        }
    }

    private BackupService service(MediaSource media, Compression compression) {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(db))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().compression(compression)
                        .tempDirectory(dir.resolve("tmp")).build())
                .mediaSource(media)
                .build();
    }

    private static Map<String, ManifestEntry> mediaEntries(BackupManifest manifest) {
        return manifest.entries().stream().filter(e -> e.kind() == ManifestEntry.Kind.MEDIA)
                .collect(Collectors.toMap(ManifestEntry::name, Function.identity(), (a, b) -> a, LinkedHashMap::new));
    }

    @Test
    void mediaAreStreamedChecksummedAndRecoverableWithPlainTools() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.zstd(3));
        List<Progress> progress = new ArrayList<>();
        BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(progress::add));

        Map<String, ManifestEntry> media = mediaEntries(manifest);
        assertThat(media.keySet()).containsExactlyElementsOf(files.keySet().stream().map(n -> "media/" + n).toList());
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            ManifestEntry entry = media.get("media/" + file.getKey());
            assertThat(entry.size()).as(file.getKey()).isEqualTo(file.getValue().length);
            assertThat(entry.sha256()).as(file.getKey()).isEqualTo(sha256(file.getValue()));
        }
        List<String> kinds = manifest.entries().stream().map(e -> e.kind().name()).toList();
        assertThat(kinds.subList(kinds.size() - files.size(), kinds.size())).as("media come after all SQL entries")
                .containsOnly("MEDIA");
        assertThat(manifest.mediaMissing()).isEmpty();
        assertThat(manifest.mediaChanged()).isEmpty();
        assertThat(progress).anySatisfy(p -> {
            assertThat(p.phase()).isEqualTo(Phase.MEDIA);
            assertThat(p.table()).isEqualTo("big/three MiB.bin");
        });
        assertThat(service.verify(manifest.id()).ok()).isTrue();
        assertThat(service.verify(manifest.id(), VerifyDepth.DEEP).ok()).isTrue();

        // The export is SQL only.
        ByteArrayOutputStream export = new ByteArrayOutputStream();
        service.exportSql(manifest.id(), export);
        assertThat(export.toString(StandardCharsets.UTF_8)).doesNotContain(MARKER).contains("CREATE TABLE");

        // Plain tools: zstd -d, tar -x, sha256sum.
        Path archive = storeFolder.resolve(service.info(manifest.id()).archiveName());
        Path tarFile = dir.resolve("backup.tar");
        SqliteTestTools.run(List.of(SqliteTestTools.zstd(), "-q", "-d", archive.toString(), "-o", tarFile.toString()),
                null).requireClean();
        Path extracted = Files.createDirectories(dir.resolve("extracted"));
        SqliteTestTools.run(List.of(SqliteTestTools.tar(), "-x", "-f", tarFile.toString(), "-C", extracted.toString(),
                "media"), null).requireClean();
        for (Map.Entry<String, byte[]> file : files.entrySet()) {
            Path restored = extracted.resolve("media").resolve(file.getKey());
            assertThat(restored).as(file.getKey()).isRegularFile().hasBinaryContent(file.getValue());
            String sum = SqliteTestTools.run(List.of(SqliteTestTools.cli("sha256sum"), restored.toString()), null)
                    .requireClean().out();
            assertThat(sum.substring(0, 64)).as("sha256sum of %s", file.getKey())
                    .isEqualTo(media.get("media/" + file.getKey()).sha256());
        }
    }

    @Test
    void fileDeletedAfterListingIsReportedAndFileCreatedAfterListingIsLeftOut() throws Exception {
        MediaSource local = LocalDirectoryMediaSource.at(mediaFolder);
        MediaSource racing = new Wrapper(local) {
            @Override
            public List<MediaObject> list() throws IOException {
                List<MediaObject> listed = local.list();
                Files.delete(mediaFolder.resolve("one.bin"));
                Files.writeString(mediaFolder.resolve("late.txt"), "created after the snapshot");
                return listed;
            }
        };
        BackupService service = service(racing, Compression.zstd(3));
        BackupManifest manifest = service.backup();

        assertThat(manifest.mediaMissing()).containsExactly("one.bin");
        assertThat(mediaEntries(manifest).keySet()).doesNotContain("media/one.bin", "media/late.txt")
                .contains("media/empty.bin", "media/big/three MiB.bin");
        VerificationResult verified = service.verify(manifest.id());
        assertThat(verified.problems()).isEmpty();

        // The next backup lists again and sees the new file.
        BackupManifest next = service(local, Compression.zstd(3)).backup();
        assertThat(mediaEntries(next).keySet()).contains("media/late.txt").doesNotContain("media/one.bin");
        assertThat(next.mediaMissing()).isEmpty();
    }

    @Test
    void mediaAreListedWhenTheSnapshotOpensNotLater() throws Exception {
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.zstd(3));
        boolean[] raced = new boolean[1];
        BackupManifest manifest = service.backup(BackupRequest.defaults().withListener(p -> {
            // After the snapshot opened and before any data or media is written.
            if (p.phase() == Phase.PLAN && !raced[0]) {
                raced[0] = true;
                try {
                    Files.writeString(mediaFolder.resolve("after-snapshot.txt"), "new upload");
                    FaultTestKit.exec(db, "INSERT INTO photos (media_key) VALUES ('after-snapshot.txt')");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }));

        assertThat(raced[0]).isTrue();
        assertThat(manifest.totalRows()).as("the row inserted after the snapshot is not in the backup").isEqualTo(2);
        assertThat(mediaEntries(manifest).keySet()).as("nor is the file created with it")
                .doesNotContain("media/after-snapshot.txt").hasSize(files.size());
    }

    @Test
    void fileThatChangesLengthKeepsTheArchiveWellFormedAndIsReported() throws Exception {
        MediaSource local = LocalDirectoryMediaSource.at(mediaFolder);
        MediaSource changing = new Wrapper(local) {
            @Override
            public InputStream open(String name) throws IOException {
                InputStream in = local.open(name);
                return switch (name) {
                    case "a/b/c/deep.txt" -> new SequenceInputStream(in, new ByteArrayInputStream(new byte[5000]));
                    case "big/three MiB.bin" -> new ByteArrayInputStream(in.readNBytes(1000));
                    default -> in;
                };
            }
        };
        BackupService service = service(changing, Compression.zstd(3));
        BackupManifest manifest = service.backup();

        assertThat(manifest.mediaChanged()).containsExactly(
                new BackupManifest.MediaChange("a/b/c/deep.txt", files.get("a/b/c/deep.txt").length,
                        files.get("a/b/c/deep.txt").length + 5000L),
                new BackupManifest.MediaChange("big/three MiB.bin", 3 * 1024 * 1024, 1000));
        ManifestEntry big = mediaEntries(manifest).get("media/big/three MiB.bin");
        assertThat(big.size()).as("the entry keeps its listed size").isEqualTo(3 * 1024 * 1024);
        byte[] shrunk = new byte[3 * 1024 * 1024];
        System.arraycopy(files.get("big/three MiB.bin"), 0, shrunk, 0, 1000);
        assertThat(big.sha256()).as("cut short and padded with zeros").isEqualTo(sha256(shrunk));
        assertThat(mediaEntries(manifest).get("media/a/b/c/deep.txt").sha256())
                .isEqualTo(sha256(files.get("a/b/c/deep.txt")));
        assertThat(mediaEntries(manifest).get("media/one.bin").sha256()).isEqualTo(sha256(files.get("one.bin")));
        assertThat(service.verify(manifest.id()).problems()).isEmpty();
    }

    @Test
    void verifyNamesADamagedMediaEntry() throws Exception {
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.none());
        BackupManifest manifest = service.backup();
        Path archive = storeFolder.resolve(service.info(manifest.id()).archiveName());
        byte[] bytes = Files.readAllBytes(archive);
        byte[] big = files.get("big/three MiB.bin");
        int at = indexOf(bytes, java.util.Arrays.copyOfRange(big, 1_000_000, 1_000_064));
        assertThat(at).as("the media bytes are stored as they are").isPositive();
        bytes[at + 10] ^= 0x01;
        Files.write(archive, bytes);

        VerificationResult result = service.verify(manifest.id());
        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).anySatisfy(p -> assertThat(p).contains("'media/big/three MiB.bin'")
                .contains("SHA-256"));
    }

    @Test
    void restorePutsBackMissingMediaKeepsNewerFilesAndReportsConflicts() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.zstd(3));
        Path original = RestoreTestKit.snapshotCopy(db, dir.resolve("original.db"));
        BackupManifest backup = service.backup();
        assertThat(mediaEntries(backup)).hasSize(files.size());

        FaultTestKit.exec(db, "DELETE FROM photos", "INSERT INTO photos (media_key) VALUES ('x')");
        Files.delete(mediaFolder.resolve("big/three MiB.bin"));
        Files.delete(mediaFolder.resolve("sub dir/ünïcödé ✓ name.txt"));
        Files.writeString(mediaFolder.resolve("one.bin"), "edited after the backup");
        Files.writeString(mediaFolder.resolve("uploaded-later.txt"), "newer upload");

        var result = service.restore(backup.id(), RestoreOptions.builder().build());

        assertIdentical(original, db);
        assertThat(result.media().restored()).containsExactlyInAnyOrder("big/three MiB.bin", "sub dir/ünïcödé ✓ name.txt");
        assertThat(result.media().conflicts()).containsExactly("one.bin");
        assertThat(result.media().unchanged()).isEqualTo(2);
        assertThat(result.media().failed()).isEmpty();
        assertThat(result.media().bytes()).isEqualTo(files.get("big/three MiB.bin").length
                + files.get("sub dir/ünïcödé ✓ name.txt").length);
        assertThat(mediaFolder.resolve("big/three MiB.bin")).hasBinaryContent(files.get("big/three MiB.bin"));
        assertThat(mediaFolder.resolve("sub dir/ünïcödé ✓ name.txt"))
                .hasBinaryContent(files.get("sub dir/ünïcödé ✓ name.txt"));
        assertThat(mediaFolder.resolve("one.bin")).hasContent("edited after the backup");
        assertThat(mediaFolder.resolve("uploaded-later.txt")).as("restores never delete media").hasContent("newer upload");
        try (var walk = Files.walk(mediaFolder)) {
            assertThat(walk.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith(LocalDirectoryMediaSource.TEMP_PREFIX));
        }
        BackupManifest safety = service.catalog().manifest(result.safetyBackupId());
        assertThat(mediaEntries(safety)).as("safety backups leave media out").isEmpty();

        var undo = service.undoLastRestore(RestoreOptions.builder().build());
        assertThat(undo.media().restored()).isEmpty();
        assertThat(mediaFolder.resolve("big/three MiB.bin")).exists();
    }

    @Test
    void aSelectiveRestorePutsBackOnlyTheMediaTheHostMapsFromTheMergedRows() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.zstd(3));
        BackupManifest backup = service.backup();
        long oneId = FaultTestKit.queryLong(db, "SELECT id FROM photos WHERE media_key = 'one.bin'");
        FaultTestKit.exec(db, "DELETE FROM photos WHERE media_key = 'one.bin'");
        Files.delete(mediaFolder.resolve("one.bin"));
        Files.delete(mediaFolder.resolve("empty.bin")); // missing too, but no merged row references it
        java.util.List<io.backupkit.SelectiveRestoreResult> seen = new java.util.ArrayList<>();

        io.backupkit.SelectiveRestoreResult result = service.restoreSelected(backup.id(),
                io.backupkit.Selection.rows("photos", oneId).withMedia(merged -> {
                    seen.add(merged);
                    java.util.List<String> keys = new java.util.ArrayList<>();
                    for (var row : merged.rows()) {
                        // the host reads the media column of each restored row back from its database
                        try {
                            keys.add(FaultTestKit.queryString(db, "SELECT media_key FROM photos WHERE id = " + row.key()));
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    keys.add("never/backed-up.bin");
                    return keys;
                }));

        assertThat(seen).singleElement().satisfies(r -> assertThat(r.rows()).extracting(row -> row.action())
                .containsExactly(io.backupkit.SelectiveRestoreResult.Action.INSERTED));
        assertThat(FaultTestKit.queryLong(db, "SELECT count(*) FROM photos WHERE media_key = 'one.bin'")).isEqualTo(1);
        assertThat(result.media().restored()).containsExactly("one.bin");
        assertThat(result.media().failed()).containsExactly("never/backed-up.bin: not in the backup");
        assertThat(mediaFolder.resolve("one.bin")).hasBinaryContent(files.get("one.bin"));
        assertThat(mediaFolder.resolve("empty.bin")).as("not referenced by a merged row").doesNotExist();
    }

    @Test
    void overwriteModeReplacesChangedFilesAndSkipModeTouchesNothing() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        BackupService service = service(LocalDirectoryMediaSource.at(mediaFolder), Compression.zstd(3));
        BackupManifest backup = service.backup();
        Files.writeString(mediaFolder.resolve("one.bin"), "edited after the backup");
        Files.delete(mediaFolder.resolve("empty.bin"));

        var skipped = service.restore(backup.id(), RestoreOptions.builder().mediaRestore(MediaRestoreMode.SKIP).build());
        assertThat(skipped.media()).isEqualTo(MediaRestoreResult.NONE);
        assertThat(mediaFolder.resolve("empty.bin")).doesNotExist();

        var overwritten = service.restore(backup.id(), RestoreOptions.builder()
                .mediaRestore(MediaRestoreMode.OVERWRITE).build());
        assertThat(overwritten.media().restored()).containsExactlyInAnyOrder("one.bin", "empty.bin");
        assertThat(overwritten.media().conflicts()).isEmpty();
        assertThat(mediaFolder.resolve("one.bin")).hasBinaryContent(files.get("one.bin"));
        assertThat(mediaFolder.resolve("empty.bin")).isEmptyFile();
    }

    @Test
    void aReadOnlySourceLeavesMediaAloneAndTheDatabaseIsStillRestored() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        BackupService service = service(new Wrapper(LocalDirectoryMediaSource.at(mediaFolder)), Compression.zstd(3));
        Path original = RestoreTestKit.snapshotCopy(db, dir.resolve("original.db"));
        BackupManifest backup = service.backup();
        Files.delete(mediaFolder.resolve("one.bin"));
        FaultTestKit.exec(db, "DELETE FROM photos");

        var result = service.restore(backup.id(), RestoreOptions.builder().build());

        assertIdentical(original, db);
        assertThat(result.media()).isEqualTo(MediaRestoreResult.NONE);
        assertThat(mediaFolder.resolve("one.bin")).doesNotExist();
    }

    @Test
    void aFailingWriteIsReportedPerFileAndLeavesNoPartialFile() throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        LocalDirectoryMediaSource local = LocalDirectoryMediaSource.at(mediaFolder);
        MediaSource failing = new Wrapper(local) {
            @Override
            public boolean writable() {
                return true;
            }

            @Override
            public void write(String name, Path content) throws IOException {
                if (name.startsWith("big/")) {
                    throw new IOException("disk full (simulated)");
                }
                local.write(name, content);
            }
        };
        BackupService service = service(failing, Compression.zstd(3));
        BackupManifest backup = service.backup();
        Files.delete(mediaFolder.resolve("big/three MiB.bin"));
        Files.delete(mediaFolder.resolve("one.bin"));

        var result = service.restore(backup.id(), RestoreOptions.builder().build());

        assertThat(result.media().restored()).containsExactly("one.bin");
        assertThat(result.media().failed()).singleElement().asString()
                .startsWith("big/three MiB.bin: ").contains("disk full");
        assertThat(mediaFolder.resolve("big/three MiB.bin")).doesNotExist();
        assertThat(mediaFolder.resolve("one.bin")).hasBinaryContent(files.get("one.bin"));
    }

    @Test
    void localWriteReplacesAtomicallyAndRefusesNamesOutsideTheFolder() throws Exception {
        LocalDirectoryMediaSource local = LocalDirectoryMediaSource.at(mediaFolder);
        Path content = Files.writeString(dir.resolve("content.txt"), "replacement");
        local.write("one.bin", content);
        assertThat(mediaFolder.resolve("one.bin")).hasContent("replacement");
        assertThat(content).as("the content file is the caller's").exists();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> local.write("one.bin", dir.resolve("missing")))
                .isInstanceOf(IOException.class);
        assertThat(mediaFolder.resolve("one.bin")).hasContent("replacement");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> local.write("../outside.txt", content))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(dir.resolve("outside.txt")).doesNotExist();
        try (var walk = Files.walk(mediaFolder)) {
            assertThat(walk.map(p -> p.getFileName().toString()))
                    .noneMatch(n -> n.startsWith(LocalDirectoryMediaSource.TEMP_PREFIX));
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** Delegates to another source; tests override one method to race with the backup. */
    private static class Wrapper implements MediaSource {
        private final MediaSource delegate;

        Wrapper(MediaSource delegate) {
            this.delegate = delegate;
        }

        @Override
        public String description() {
            return "test:" + delegate.description();
        }

        @Override
        public List<MediaObject> list() throws IOException {
            return delegate.list();
        }

        @Override
        public InputStream open(String name) throws IOException {
            return delegate.open(name);
        }
    }
}
