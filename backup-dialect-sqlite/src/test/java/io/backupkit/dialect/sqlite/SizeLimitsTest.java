package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.backupkit.AgeIdentity;
import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LimitExceededException;
import io.backupkit.LimitExceededException.Limit;
import io.backupkit.LocalFolderStore;
import io.backupkit.RestoreOptions;
import io.backupkit.SigningKeys;
import io.backupkit.SizeLimits;
import io.backupkit.WrongKeyException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4 §6: the backup size limit (estimated before starting, enforced while streaming), the
 * stored-archive limit, the upload limit of {@link BackupCatalog#importBackup}, and the
 * decompression-bomb guard. Every refusal is a {@link LimitExceededException} naming the limit, its
 * value and what was observed, and leaves no backup, no upload and no temporary file.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SizeLimitsTest {

    @TempDir
    Path dir;

    private Path live;
    private Path storeFolder;
    private Path temp;

    @BeforeEach
    void setUp() throws Exception {
        live = Files.createDirectories(dir.resolve("live")).resolve("app.db");
        storeFolder = dir.resolve("store");
        temp = Files.createDirectories(dir.resolve("tmp"));
        // 400 rows of 1 KiB random blobs: about 420 KB of pages, but about 830 KB of SQL (hex doubles blobs)
        FaultTestKit.exec(live,
                "PRAGMA journal_mode=WAL",
                "CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, body BLOB)",
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) "
                        + "INSERT INTO files SELECT i, 'file ' || i, randomblob(1024) FROM n");
    }

    private BackupService service(SizeLimits limits) {
        return BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(temp).chunkBytes(64 * 1024).limits(limits).build())
                .build();
    }

    private long pagesInUse() throws Exception {
        return (FaultTestKit.queryLong(live, "PRAGMA page_count") - FaultTestKit.queryLong(live, "PRAGMA freelist_count"))
                * FaultTestKit.queryLong(live, "PRAGMA page_size");
    }

    private void assertNothingStored() throws Exception {
        assertThat(FaultTestKit.everythingIn(storeFolder)).as("store after the refused backup").isEmpty();
        assertThat(FaultTestKit.everythingIn(temp)).as("temp directory").isEmpty();
    }

    @Test
    void aDatabaseEstimatedOverTheLimitIsRefusedBeforeAnythingIsWritten() throws Exception {
        long estimate = pagesInUse();
        assertThat(estimate).isGreaterThan(400_000);

        Throwable thrown = catchThrowable(() -> service(SizeLimits.builder().maxBackupBytes(200_000).build()).backup());

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.BACKUP_BYTES_ESTIMATED);
        assertThat(e.maximum()).isEqualTo(200_000);
        assertThat(e.observed()).isEqualTo(estimate);
        assertThat(e.getMessage()).contains("estimated at " + estimate, "200000", "maxBackupBytes");
        assertNothingStored();
    }

    @Test
    void aBackupGrowingOverTheLimitWhileStreamingIsAbortedAndNothingIsStored() throws Exception {
        long estimate = pagesInUse();
        long limit = estimate + 100_000; // the estimate passes; the SQL text (hex blobs) does not
        Throwable thrown = catchThrowable(() -> service(SizeLimits.builder().maxBackupBytes(limit).build()).backup());

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.BACKUP_BYTES);
        assertThat(e.maximum()).isEqualTo(limit);
        assertThat(e.observed()).isGreaterThan(limit);
        assertThat(e.getMessage()).contains("aborted", "nothing was stored");
        assertNothingStored();

        // the control: without the limit the same database backs up, and its SQL is over the limit
        BackupManifest manifest = service(SizeLimits.defaults()).backup();
        assertThat(manifest.totalEntryBytes()).isGreaterThan(limit);
    }

    @Test
    void theStoredArchiveLimitAbortsTheUpload() throws Exception {
        Throwable thrown = catchThrowable(() -> service(SizeLimits.builder().maxArchiveBytes(100_000).build()).backup());

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.ARCHIVE_BYTES);
        assertThat(e.maximum()).isEqualTo(100_000);
        assertThat(e.observed()).isGreaterThan(100_000);
        assertNothingStored();
    }

    @Test
    void theEstimateCountsTheListedMediaAndTheStreamCountsTheMediaBytes() throws Exception {
        Path media = Files.createDirectories(dir.resolve("media"));
        Files.write(media.resolve("big.bin"), new byte[3_000_000]);
        long pages = pagesInUse();
        BackupService.Builder b = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .mediaSource(io.backupkit.LocalDirectoryMediaSource.at(media));
        long limit = pages + 2_000_000; // the database alone fits, with the media it does not

        Throwable thrown = catchThrowable(() -> b.options(BackupOptions.builder().tempDirectory(temp)
                .limits(SizeLimits.builder().maxBackupBytes(limit).build()).build()).build().backup());

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.BACKUP_BYTES_ESTIMATED);
        assertThat(e.observed()).isEqualTo(pages + 3_000_000);
        assertNothingStored();
    }

    @Test
    void aLimitThatFitsChangesNothing() throws Exception {
        BackupService service = service(SizeLimits.builder().maxBackupBytes(10_000_000).maxArchiveBytes(10_000_000)
                .build());
        String id = service.backup().id();
        assertThat(service.verify(id).ok()).isTrue();
    }

    // ------------------------------------------------------------------------------------------
    // Decompression bombs

    /** A backup of 16 MiB of one repeated character: it compresses more than 1000:1. */
    private String bomb(BackupService service) throws Exception {
        FaultTestKit.exec(live, "DELETE FROM files",
                "INSERT INTO files VALUES (1, 'bomb', CAST(zeroblob(16777216) AS BLOB))");
        return service.backup().id();
    }

    @Test
    void theExpandedSizeLimitRefusesABombOnEveryRead() throws Exception {
        String id = bomb(service(SizeLimits.defaults()));
        SizeLimits tight = SizeLimits.builder().maxExpandedBytes(4L << 20).build();
        BackupService reader = service(tight);
        String liveSha = RestoreTestKit.sha256(live);

        for (Runnable read : List.<Runnable>of(() -> reader.verify(id), () -> reader.preview(id),
                () -> reader.restore(id, RestoreOptions.builder().build()),
                () -> reader.exportSql(id, java.io.OutputStream.nullOutputStream()))) {
            Throwable thrown = catchThrowable(read::run);
            assertThat(thrown).isInstanceOf(LimitExceededException.class);
            LimitExceededException e = (LimitExceededException) thrown;
            assertThat(e.limit()).isEqualTo(Limit.EXPANDED_BYTES);
            assertThat(e.maximum()).isEqualTo(4L << 20);
            assertThat(e.observed()).isGreaterThan(4L << 20);
            assertThat(e.getMessage()).contains(id, "decompression bomb");
        }
        assertThat(RestoreTestKit.sha256(live)).isEqualTo(liveSha);
        assertThat(RestoreTestKit.stagingFiles(live.getParent())).isEmpty();
        assertThat(FaultTestKit.everythingIn(temp)).isEmpty();
        assertThat(service(SizeLimits.defaults()).list()).hasSize(1); // no pre-restore backup
    }

    @Test
    void theRatioLimitRefusesABombButTheDefaultsReadIt() throws Exception {
        String id = bomb(service(SizeLimits.defaults()));
        BackupInfo info = service(SizeLimits.defaults()).info(id);
        assertThat((32L << 20) / info.sizeBytes()).as("the bomb's ratio").isGreaterThan(100);

        Throwable thrown = catchThrowable(() -> service(SizeLimits.builder().maxExpansionRatio(100)
                .ratioGraceBytes(1 << 20).build()).verify(id));

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.EXPANSION_RATIO);
        assertThat(e.maximum()).isEqualTo(100);
        assertThat(e.observed()).isGreaterThan(100);
        // the control: the defaults (1000:1 only after 64 MiB) read the same archive
        assertThat(service(SizeLimits.defaults()).verify(id).ok()).isTrue();
    }

    // ------------------------------------------------------------------------------------------
    // Imports (an archive uploaded for a restore)

    private Path otherStore() {
        return dir.resolve("uploads");
    }

    private BackupCatalog uploads() {
        return BackupCatalog.of(LocalFolderStore.at(otherStore()), List.of(new SqliteDialect()));
    }

    private InputStream file(Path p) throws Exception {
        return Files.newInputStream(p);
    }

    @Test
    void anImportedBackupIsListedVerifiedAndRestorable() throws Exception {
        BackupService source = service(SizeLimits.defaults());
        BackupInfo original = source.info(source.backup().id());
        Path archive = storeFolder.resolve(original.archiveName());
        Path sidecar = storeFolder.resolve(original.id() + ".json");

        BackupInfo imported = uploads().importBackup(file(sidecar), file(archive), 10_000_000);

        assertThat(imported).isEqualTo(original);
        assertThat(uploads().list()).containsExactly(original);
        assertThat(uploads().verify(original.id()).ok()).isTrue();
        assertThat(Files.readAllBytes(otherStore().resolve(original.archiveName())))
                .isEqualTo(Files.readAllBytes(archive));
        // importing it again is refused, and changes nothing
        Throwable again = catchThrowable(() -> uploads().importBackup(file(sidecar), file(archive), 10_000_000));
        assertThat(again).isInstanceOf(BackupException.class).hasMessageContaining("already in store");
        assertThat(uploads().list()).containsExactly(original);

        // and it restores, from the upload store, into a new database identical to the source
        Path restored = dir.resolve("restored").resolve("app.db");
        Files.createDirectories(restored.getParent());
        BackupService.builder().dataSource(FaultTestKit.dataSource(restored)).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(otherStore())).options(BackupOptions.builder().tempDirectory(temp).build())
                .build().restore(original.id(), RestoreOptions.builder().build());
        assertThat(FaultTestKit.sortedDump(restored)).isEqualTo(FaultTestKit.sortedDump(live));
    }

    @Test
    void anUploadDeclaredOverTheLimitIsRefusedBeforeReadingIt() throws Exception {
        BackupInfo original = service(SizeLimits.defaults()).info(service(SizeLimits.defaults()).backup().id());
        InputStream neverRead = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the archive was read although the sidecar declares it too large");
            }
        };

        Throwable thrown = catchThrowable(() -> uploads().importBackup(
                file(storeFolder.resolve(original.id() + ".json")), neverRead, original.sizeBytes() - 1));

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.UPLOAD_BYTES);
        assertThat(e.maximum()).isEqualTo(original.sizeBytes() - 1);
        assertThat(e.observed()).isEqualTo(original.sizeBytes());
        assertThat(FaultTestKit.everythingIn(otherStore())).isEmpty();
    }

    @Test
    void anUploadLongerThanItsSidecarSaysStopsAtTheLimitAndLeavesNothing() throws Exception {
        BackupInfo original = service(SizeLimits.defaults()).info(service(SizeLimits.defaults()).backup().id());
        long max = original.sizeBytes() + 1000;
        // the sidecar says the real size; the stream goes on with 10 MB of garbage
        InputStream endless = new SequenceInputStream(file(storeFolder.resolve(original.archiveName())),
                new ByteArrayInputStream(new byte[10_000_000]));

        Throwable thrown = catchThrowable(() -> uploads().importBackup(
                file(storeFolder.resolve(original.id() + ".json")), endless, max));

        assertThat(thrown).isInstanceOf(LimitExceededException.class);
        LimitExceededException e = (LimitExceededException) thrown;
        assertThat(e.limit()).isEqualTo(Limit.UPLOAD_BYTES);
        assertThat(e.observed()).isGreaterThan(max);
        assertThat(FaultTestKit.everythingIn(otherStore())).as("no upload and no temporary file").isEmpty();
    }

    @Test
    void aDamagedUploadIsNotStored() throws Exception {
        BackupInfo original = service(SizeLimits.defaults()).info(service(SizeLimits.defaults()).backup().id());
        byte[] damaged = Files.readAllBytes(storeFolder.resolve(original.archiveName()));
        damaged[damaged.length / 2] ^= 0x01;

        Throwable thrown = catchThrowable(() -> uploads().importBackup(
                file(storeFolder.resolve(original.id() + ".json")), new ByteArrayInputStream(damaged), 10_000_000));

        assertThat(thrown).isInstanceOf(InvalidArchiveException.class).hasMessageContaining(original.id())
                .hasMessageContaining("was not stored");
        assertThat(FaultTestKit.everythingIn(otherStore())).isEmpty();
    }

    @Test
    void anUploadedSidecarCannotNameAnotherObjectOrId() throws Exception {
        BackupInfo original = service(SizeLimits.defaults()).info(service(SizeLimits.defaults()).backup().id());
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        byte[] sidecar = Files.readAllBytes(storeFolder.resolve(original.id() + ".json"));
        byte[] archive = Files.readAllBytes(storeFolder.resolve(original.archiveName()));
        for (String[] edit : new String[][] {
                {"archiveName", "../" + original.archiveName()},
                {"archiveName", original.id() + ".json"},
                {"archiveName", "20200101T000000000Z-aaaaaa.tar.zst"},
                {"id", "../../etc/passwd"},
                {"id", "20200101T000000000Z-aaaaaa"}}) {
            com.fasterxml.jackson.databind.node.ObjectNode node =
                    (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(sidecar);
            ((com.fasterxml.jackson.databind.node.ObjectNode) node.get("backup")).put(edit[0], edit[1]);

            Throwable thrown = catchThrowable(() -> uploads().importBackup(
                    new ByteArrayInputStream(mapper.writeValueAsBytes(node)), new ByteArrayInputStream(archive),
                    10_000_000));

            assertThat(thrown).as(edit[0] + " = " + edit[1]).isInstanceOf(InvalidArchiveException.class);
            assertThat(FaultTestKit.everythingIn(otherStore())).as(edit[1]).isEmpty();
        }
        Throwable notJson = catchThrowable(() -> uploads().importBackup(
                new ByteArrayInputStream("{\"backup\": 1".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                new ByteArrayInputStream(archive), 10_000_000));
        assertThat(notJson).isInstanceOf(InvalidArchiveException.class).hasMessageContaining("uploaded sidecar");
    }

    @Test
    void anEncryptedUploadNeedsTheIdentityAndATrustedSignatureBeforeItIsStored() throws Exception {
        AgeIdentity identity = AgeIdentity.generate();
        KeyPair signing = SigningKeys.generate();
        BackupService encrypting = BackupService.builder()
                .dataSource(FaultTestKit.dataSource(live))
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(temp).build())
                .encryptTo(identity.recipients())
                .signWith(signing.getPrivate())
                .build();
        BackupInfo original = encrypting.info(encrypting.backup().id());
        Path sidecar = storeFolder.resolve(original.id() + ".json");
        Path archive = storeFolder.resolve(original.archiveName());

        assertThat(catchThrowable(() -> uploads().importBackup(file(sidecar), file(archive), 10_000_000)))
                .isInstanceOf(WrongKeyException.class);
        assertThat(catchThrowable(() -> uploads().withIdentity(AgeIdentity.generate())
                .withTrustedKeys(List.of(signing.getPublic())).importBackup(file(sidecar), file(archive), 10_000_000)))
                .isInstanceOf(WrongKeyException.class);
        assertThat(catchThrowable(() -> uploads().withIdentity(identity)
                .withTrustedKeys(List.of(SigningKeys.generate().getPublic()))
                .importBackup(file(sidecar), file(archive), 10_000_000)))
                .isInstanceOf(InvalidArchiveException.class).hasMessageContaining("does not verify");
        assertThat(FaultTestKit.everythingIn(otherStore())).isEmpty();

        BackupInfo imported = uploads().withIdentity(identity).withTrustedKeys(List.of(signing.getPublic()))
                .importBackup(file(sidecar), file(archive), 10_000_000);

        assertThat(imported.encrypted()).isTrue();
        assertThat(uploads().list()).containsExactly(original);
    }
}
