package io.backupkit.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.StorageException;
import io.backupkit.VerificationResult;
import io.backupkit.spi.Store;
import io.backupkit.storage.s3.testing.CuttableLink;
import io.backupkit.storage.s3.testing.S3ProxyServer;
import io.backupkit.testing.FailingStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the contract leaves out: multipart uploads part by part, a server that goes away mid-upload
 * and mid-download, whole backups through {@link BackupService}, bad configuration and bad input,
 * and store URIs. Everything runs against S3Proxy on 127.0.0.1.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class S3StoreTest {

    private static final int MIB = 1024 * 1024;

    private static S3ProxyServer server;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.inMemory();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void freshBucket() {
        bucket = server.createBucket();
    }

    @AfterEach
    void closeAll() throws Exception {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T closeable) {
        toClose.add(closeable);
        return closeable;
    }

    private S3Store store(S3Store.Builder builder) {
        return closeLater(builder.build());
    }

    // ---------------------------------------------------------------- multipart uploads

    @Test
    void multipartUploadSendsOnePartAtATimeAndRoundTrips() throws Exception {
        RecordingInterceptor requests = new RecordingInterceptor();
        S3Store store = store(S3Store.builder().bucket(bucket).prefix("mp").partSize(5 * MIB)
                .client(recordingClient(requests)));
        byte[] content = randomBytes(20 * MIB + 123, 11);

        try (Store.Upload upload = store.upload("big.tar.zst")) {
            // 64 KiB writes, as the archive writer makes them.
            for (int offset = 0; offset < content.length; offset += 64 * 1024) {
                upload.stream().write(content, offset, Math.min(64 * 1024, content.length - offset));
            }
            assertThat(store.list()).as("invisible before commit").isEmpty();
            assertThat(server.multipartUploadsInProgress(bucket)).containsExactly("mp/big.tar.zst");
            upload.commit();
        }

        assertThat(requests.operations()).filteredOn(op -> !op.equals("ListObjectsV2")).containsExactly(
                "HeadObject", "CreateMultipartUpload",
                "UploadPart", "UploadPart", "UploadPart", "UploadPart", "UploadPart", "HeadObject",
                "CompleteMultipartUpload");
        assertThat(requests.contentLengths("UploadPart"))
                .containsExactly((long) 5 * MIB, (long) 5 * MIB, (long) 5 * MIB, (long) 5 * MIB, 123L);
        assertThat(requests.header("UploadPart", "Content-MD5")).as("each part is checked by the server").allMatch(v -> v != null);
        assertThat(requests.header("CompleteMultipartUpload", "If-None-Match")).containsExactly("*");
        assertThat(store.list()).containsExactly("big.tar.zst");
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).containsExactly("mp/big.tar.zst");
        try (InputStream in = store.open("big.tar.zst")) {
            assertThat(in.readAllBytes()).isEqualTo(content);
        }
    }

    @Test
    void smallObjectIsOnePutWithIfNoneMatchAndServerSideEncryptionHeaders() throws Exception {
        RecordingInterceptor requests = new RecordingInterceptor();
        S3Store store = store(S3Store.builder().bucket(bucket).serverSideEncryptionKms("alias/backups")
                .client(recordingClient(requests)));
        byte[] content = "{\"sidecar\":true}".getBytes(StandardCharsets.UTF_8);

        try (Store.Upload upload = store.upload("x.json")) {
            upload.stream().write(content);
            upload.commit();
        }

        assertThat(requests.operations()).containsExactly("HeadObject", "HeadObject", "PutObject");
        assertThat(requests.header("PutObject", "If-None-Match")).containsExactly("*");
        assertThat(requests.header("PutObject", "x-amz-server-side-encryption")).containsExactly("aws:kms");
        assertThat(requests.header("PutObject", "x-amz-server-side-encryption-aws-kms-key-id")).containsExactly("alias/backups");
        assertThat(requests.header("PutObject", "Content-MD5")).doesNotContainNull();
        assertThat(StoreContractTestSupport.read(store, "x.json")).isEqualTo(content);
    }

    @Test
    void multipartUploadCarriesServerSideEncryptionOnCreate() throws Exception {
        RecordingInterceptor requests = new RecordingInterceptor();
        S3Store store = store(S3Store.builder().bucket(bucket).partSize(5 * MIB).serverSideEncryptionS3()
                .client(recordingClient(requests)));

        StoreContractTestSupport.write(store, "enc.bin", randomBytes(6 * MIB, 3));

        assertThat(requests.header("CreateMultipartUpload", "x-amz-server-side-encryption")).containsExactly("AES256");
        assertThat(StoreContractTestSupport.read(store, "enc.bin")).isEqualTo(randomBytes(6 * MIB, 3));
    }

    @Test
    void aCompleteWhoseAnswerIsLostAndIsRetriedStillCommits() throws Exception {
        // The first CompleteMultipartUpload succeeds but its answer turns into a 500, as a proxy
        // failing on the way back would (or a retry meeting NoSuchUpload after a lost answer).
        RecordingInterceptor requests = new RecordingInterceptor().failFirstAnswerTo("CompleteMultipartUpload", 500);
        S3Store store = store(S3Store.builder().bucket(bucket).partSize(5 * MIB).client(recordingClient(requests)));
        byte[] content = randomBytes(6 * MIB, 17);

        StoreContractTestSupport.write(store, "retried", content);

        assertThat(requests.operations()).as("the store asked whether the upload was still there")
                .containsSubsequence("CompleteMultipartUpload", "ListParts", "HeadObject");
        assertThat(StoreContractTestSupport.read(store, "retried")).isEqualTo(content);
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
    }

    @Test
    void aPutWhoseRetryMeetsIfNoneMatchWithOurOwnBytesStillCommits() throws Exception {
        // As AWS answers a retried PutObject whose first attempt stored the object: 412.
        RecordingInterceptor requests = new RecordingInterceptor().failFirstAnswerTo("PutObject", 412);
        S3Store store = store(S3Store.builder().bucket(bucket).client(recordingClient(requests)));

        StoreContractTestSupport.write(store, "small", new byte[] {4, 2});

        assertThat(StoreContractTestSupport.read(store, "small")).containsExactly(4, 2);
    }

    @Test
    void anInProgressUploadIsSeenByTheLeftoverCheckSoThatCheckHasTeeth() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).prefix("p").partSize(5 * MIB));
        Store.Upload upload = store.upload("pending");
        upload.stream().write(randomBytes(6 * MIB, 4));

        assertThat(server.multipartUploadsInProgress(bucket)).containsExactly("p/pending");

        upload.close();
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).as("no part blobs either").isEmpty();
    }

    @Test
    void abortAndCloseWithoutCommitAfterSeveralPartsLeaveNothing() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).partSize(5 * MIB));
        Store.Upload aborted = store.upload("aborted");
        aborted.stream().write(randomBytes(11 * MIB, 12));
        assertThat(server.multipartUploadsInProgress(bucket)).containsExactly("aborted");

        aborted.abort();
        aborted.abort();
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThatThrownBy(() -> aborted.stream().write(1)).isInstanceOf(IOException.class).hasMessageContaining("aborted");
        assertThatThrownBy(aborted::commit).isInstanceOf(IllegalStateException.class);

        try (Store.Upload closed = store.upload("closed")) {
            closed.stream().write(randomBytes(11 * MIB, 13));
        }
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).isEmpty();
        assertThat(store.list()).isEmpty();
    }

    @Test
    void writerFailingAfterSeveralPartsThenClosingLeavesNothing() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).partSize(5 * MIB));
        IOException sourceFailure = new IOException("database connection lost");

        assertThatThrownBy(() -> {
            try (Store.Upload upload = store.upload("half")) {
                upload.stream().write(randomBytes(12 * MIB, 14));
                throw sourceFailure;
            }
        }).isSameAs(sourceFailure);

        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).isEmpty();
    }

    @Test
    void nameTakenDuringAMultipartUploadFailsAtCommitAndKeepsTheWinner() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).partSize(5 * MIB));
        byte[] winner = randomBytes(1000, 15);
        try (Store.Upload loser = store.upload("raced")) {
            loser.stream().write(randomBytes(7 * MIB, 16));
            StoreContractTestSupport.write(store, "raced", winner);

            assertThatThrownBy(loser::commit).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        }

        assertThat(StoreContractTestSupport.read(store, "raced")).isEqualTo(winner);
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).containsExactly("raced");
    }

    @Test
    void cleanUpAbandonedUploadsAbortsOldUploadsUnderThePrefixOnly() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).prefix("p").partSize(5 * MIB));
        S3Store other = store(server.storeBuilder(bucket).prefix("other").partSize(5 * MIB));
        // A writer that "crashed": its upload is never closed.
        store.upload("crashed").stream().write(randomBytes(6 * MIB, 5));
        other.upload("elsewhere").stream().write(randomBytes(6 * MIB, 6));

        assertThat(store.cleanUpAbandonedUploads(Duration.ofHours(1))).as("too young to be abandoned").isZero();
        assertThat(store.cleanUpAbandonedUploads(Duration.ZERO)).isEqualTo(1);

        assertThat(server.multipartUploadsInProgress(bucket)).containsExactly("other/elsewhere");
        assertThat(other.cleanUpAbandonedUploads(Duration.ZERO)).isEqualTo(1);
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
    }

    @Test
    void listSkipsNestedFoldersHiddenKeysAndOtherPrefixes() throws Exception {
        S3Store store = store(server.storeBuilder(bucket).prefix("/backups/app/"));
        S3Client admin = server.admin();
        for (String key : List.of("backups/app/a", "backups/app/nested/b", "backups/app/.hidden", "backups/apple",
                "backups/c", "top")) {
            admin.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromString(key));
        }
        StoreContractTestSupport.write(store, "z", new byte[] {1});

        assertThat(store.prefix()).isEqualTo("backups/app/");
        assertThat(store.list()).containsExactly("a", "z");
        assertThat(StoreContractTestSupport.read(store, "a")).isEqualTo("backups/app/a".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anObjectLargerThanTheHeapIsUploadedInConstantMemory(@TempDir Path dir) throws Exception {
        // A child JVM with a 24 MiB heap uploads 64 MiB with 8 MiB parts: buffering the object would fail.
        String uri = server.uri(bucket, "heap");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx24m", "-cp", System.getProperty("java.class.path"), UploadMain.class.getName(), uri, "64");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY);
        pb.environment().put("AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        Process process = pb.start();
        assertThat(process.waitFor(45, TimeUnit.SECONDS)).as("child finished").isTrue();
        String output = java.nio.file.Files.readString(dir.resolve("out.txt"));
        assertThat(process.exitValue()).as("child exit code; output:%n%s", output).isZero();

        S3Store store = store(server.storeBuilder(bucket).prefix("heap"));
        assertThat(store.list()).containsExactly("big.bin");
        try (InputStream in = store.open("big.bin")) {
            assertThat(UploadMain.sameAsGenerated(in, 64)).isTrue();
        }
    }

    // ---------------------------------------------------------------- the server goes away

    @Test
    void serverCutOffMidUploadFailsTheUploadAndTheAbortLeavesNoParts() throws Exception {
        CuttableLink link = closeLater(CuttableLink.to(server.port()));
        S3Store store = store(server.storeBuilder(bucket).prefix("cut").endpointOverride(link.endpoint())
                .partSize(5 * MIB).maxAttempts(2));
        byte[] content = randomBytes(20 * MIB, 7);

        Store.Upload upload = store.upload("cut.tar.zst");
        link.cutAfterUploadedBytes(7 * MIB); // in the middle of part 2
        assertThatThrownBy(() -> {
            for (int offset = 0; offset < content.length; offset += MIB) {
                upload.stream().write(content, offset, MIB);
            }
        }).isInstanceOf(IOException.class)
                .hasMessageContaining("part 2 of 'cut.tar.zst'")
                .hasMessageContaining("s3://" + bucket + "/cut/");
        // The abort that followed the failure could not reach the server either.
        assertThat(server.multipartUploadsInProgress(bucket)).containsExactly("cut/cut.tar.zst");
        assertThatThrownBy(upload::commit).isInstanceOf(IOException.class).hasMessageContaining("refusing to publish");

        link.restore();
        upload.close(); // tries the abort again, and now it gets through

        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).isEmpty();
        assertThat(store.list()).isEmpty();
        assertThatThrownBy(() -> store.open("cut.tar.zst")).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void serverThatStopsAndRestartsMidUploadLeavesNothingOnceAborted(@TempDir Path dir) throws Exception {
        try (S3ProxyServer fs = S3ProxyServer.onFilesystem(dir)) {
            String fsBucket = fs.createBucket();
            S3Store store = store(fs.storeBuilder(fsBucket).partSize(5 * MIB).maxAttempts(1));
            Store.Upload upload = store.upload("restart.bin");
            upload.stream().write(randomBytes(6 * MIB, 8)); // part 1 is on the server

            fs.stop();
            assertThatThrownBy(() -> upload.stream().write(randomBytes(5 * MIB, 9)))
                    .isInstanceOf(IOException.class).hasMessageContaining("part 2 of 'restart.bin'")
                    .hasMessageContaining("connection");
            fs.start();
            assertThat(fs.multipartUploadsInProgress(fsBucket)).containsExactly("restart.bin");

            upload.abort();

            assertThat(fs.multipartUploadsInProgress(fsBucket)).isEmpty();
            assertThat(fs.allKeys(fsBucket)).isEmpty();
        }
    }

    @Test
    void serverCutOffMidDownloadFailsTheRead() throws Exception {
        CuttableLink link = closeLater(CuttableLink.to(server.port()));
        S3Store store = store(server.storeBuilder(bucket).endpointOverride(link.endpoint()).maxAttempts(1));
        byte[] object = randomBytes(64 * MIB, 10);
        StoreContractTestSupport.write(store, "down.bin", object);

        // The read must fail; it must never hand back a silently truncated object. (Rarely the
        // whole response is already past the link when it is cut; then the bytes must be complete.)
        byte[][] read = new byte[1][];
        Throwable failure = org.assertj.core.api.Assertions.catchThrowable(() -> {
            try (InputStream in = store.open("down.bin")) {
                byte[] head = in.readNBytes(MIB);
                link.cut();
                byte[] rest = in.readAllBytes();
                read[0] = java.util.Arrays.copyOf(head, head.length + rest.length);
                System.arraycopy(rest, 0, read[0], head.length, rest.length);
            }
        });
        if (failure != null) {
            assertThat(failure).isInstanceOf(IOException.class);
        } else {
            assertThat(read[0]).as("a download that did not fail is complete").isEqualTo(object);
        }
    }

    // ---------------------------------------------------------------- whole backups

    @Test
    void wholeBackupRoundTripsThroughS3(@TempDir Path dir) throws Exception {
        Path db = smallDatabase(dir.resolve("app.db"), 0);
        S3Store store = store(server.storeBuilder(bucket).prefix("prod/app"));
        BackupService service = BackupService.builder().dataSource(dataSource(db)).store(store).build();

        BackupManifest manifest = service.backup();

        List<BackupInfo> backups = service.list();
        assertThat(backups).extracting(BackupInfo::id).containsExactly(manifest.id());
        assertThat(store.list()).hasSize(2).allMatch(name -> name.startsWith(manifest.id()));
        VerificationResult verification = service.verify(manifest.id());
        assertThat(verification.ok()).as("problems: %s", verification.problems()).isTrue();
        ByteArrayOutputStream sql = new ByteArrayOutputStream();
        service.exportSql(manifest.id(), sql);
        String script = sql.toString(StandardCharsets.UTF_8);
        assertThat(script).contains("CREATE TABLE", "machines", "Pompe à chaleur 250");
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
    }

    @Test
    void anArchiveChangedInTheBucketAfterUploadFailsVerifyAndIsNeverRestored(@TempDir Path dir) throws Exception {
        Path db = smallDatabase(dir.resolve("app.db"), 0);
        S3Store store = store(server.storeBuilder(bucket).prefix("prod/app"));
        BackupService service = BackupService.builder().dataSource(dataSource(db)).store(store).build();
        BackupManifest manifest = service.backup();
        String key = "prod/app/" + service.info(manifest.id()).archiveName();
        byte[] archive = server.admin().getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
        archive[archive.length / 2] ^= 0x01; // one bit, in the middle, same length
        server.admin().putObject(r -> r.bucket(bucket).key(key), software.amazon.awssdk.core.sync.RequestBody.fromBytes(archive));
        byte[] before = java.nio.file.Files.readAllBytes(db);

        VerificationResult verification = service.verify(manifest.id());

        assertThat(verification.ok()).isFalse();
        assertThat(String.join("\n", verification.problems())).contains(service.info(manifest.id()).archiveName(), "damaged");
        assertThatThrownBy(() -> service.restore(manifest.id(), io.backupkit.RestoreOptions.builder().build()))
                .isInstanceOf(io.backupkit.InvalidArchiveException.class).hasMessageContaining(manifest.id());
        assertThat(java.nio.file.Files.readAllBytes(db)).as("live database unchanged").isEqualTo(before);
        assertThat(service.list()).extracting(BackupInfo::id).as("no safety backup listed").containsExactly(manifest.id());
    }

    @Test
    void backupThatFailsMidUploadLeavesNoObjectAndNoParts(@TempDir Path dir) throws Exception {
        Path db = smallDatabase(dir.resolve("app.db"), 10 * MIB);
        S3Store s3 = store(server.storeBuilder(bucket).partSize(5 * MIB));
        Store failing = new FailingStore(s3, 6 * MIB); // after one part went up
        BackupService service = BackupService.builder().dataSource(dataSource(db)).store(failing).build();

        assertThatThrownBy(service::backup).isInstanceOf(StorageException.class);

        assertThat(s3.list()).isEmpty();
        assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
        assertThat(server.allKeys(bucket)).isEmpty();
    }

    // ---------------------------------------------------------------- bad configuration

    @Test
    void missingBucketIsNamed() throws Exception {
        S3Store store = store(server.storeBuilder("no-such-bucket").maxAttempts(1));

        assertThatThrownBy(store::list).isInstanceOf(IOException.class)
                .hasMessageContaining("the bucket 'no-such-bucket' does not exist");
        assertThatThrownBy(() -> StoreContractTestSupport.write(store, "x", new byte[] {1}))
                .isInstanceOf(IOException.class).hasMessageContaining("does not exist");
    }

    @Test
    void wrongCredentialsAreAccessDeniedWithoutTheSecretInTheMessage() throws Exception {
        String wrongSecret = "WRONG-secret-must-not-leak-42";
        S3Store store = store(S3Store.builder().bucket(bucket).endpointOverride(server.endpoint()).pathStyleAccess(true)
                .credentials(S3ProxyServer.ACCESS_KEY, wrongSecret).maxAttempts(1));

        assertThatThrownBy(store::list).isInstanceOf(IOException.class)
                .hasMessageContaining("access denied")
                .satisfies(e -> assertThat(stackText(e)).doesNotContain(wrongSecret));
        assertThatThrownBy(() -> StoreContractTestSupport.write(store, "x", new byte[] {1}))
                .isInstanceOf(IOException.class).hasMessageContaining("access denied");
        assertThat(server.allKeys(bucket)).isEmpty();
    }

    @Test
    void unreachableEndpointSaysSo() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        S3Store store = store(server.storeBuilder(bucket)
                .endpointOverride(java.net.URI.create("http://127.0.0.1:" + closedPort)).maxAttempts(2));

        assertThatThrownBy(store::list).isInstanceOf(IOException.class).hasMessageContaining("cannot be reached");
        assertThatThrownBy(() -> store.open("x")).isInstanceOf(IOException.class).hasMessageContaining("cannot be reached");
    }

    @Test
    void builderValidatesAndExplains() {
        assertThatThrownBy(() -> S3Store.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("bucket was not set");
        assertThatThrownBy(() -> S3Store.builder().bucket("a/b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bucket");
        assertThatThrownBy(() -> S3Store.builder().partSize(5 * MIB - 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 MiB");
        assertThatThrownBy(() -> S3Store.builder().prefix("a/../b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Store.builder().prefix("a//b")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Store.builder().endpointOverride(java.net.URI.create("ftp://host")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("http");
        assertThatThrownBy(() -> S3Store.builder().endpointOverride(java.net.URI.create("http://key:secret@host")))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("secret");
        assertThatThrownBy(() -> S3Store.builder().serverSideEncryptionS3().serverSideEncryptionKms(null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
        assertThatThrownBy(() -> S3Store.builder().maxAttempts(3).retryStrategy(
                software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> S3Store.builder().maxAttempts(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> S3Store.builder().bucket("b").region("us-east-1").client(server.admin()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("region");
        assertThat(S3Store.builder().prefix("/a/b/").bucket("b").region("us-east-1").build()).satisfies(s -> {
            assertThat(s.prefix()).isEqualTo("a/b/");
            assertThat(s.partSize()).isEqualTo(8 * MIB);
            s.close();
        });
    }

    @Test
    void aGivenClientIsNotClosedWithTheStore() throws Exception {
        S3Client client = server.admin();
        S3Store store = S3Store.builder().bucket(bucket).client(client).build();
        store.close();

        assertThat(client.listObjectsV2(r -> r.bucket(bucket)).contents()).isEmpty();
    }

    // ---------------------------------------------------------------- URIs and descriptions

    @Test
    void fromUriTakesEndpointRegionPathStyleAndCredentialsFromTheEnvironment() throws Exception {
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET_KEY);
        S3Store store = closeLater(S3Store.fromUri(server.uri(bucket, "from/uri") + "&partSize=16MiB", env));

        StoreContractTestSupport.write(store, "hello", "hi".getBytes(StandardCharsets.UTF_8));

        assertThat(store.bucket()).isEqualTo(bucket);
        assertThat(store.prefix()).isEqualTo("from/uri/");
        assertThat(store.partSize()).isEqualTo(16 * MIB);
        assertThat(server.allKeys(bucket)).containsExactly("from/uri/hello");
    }

    @Test
    void fromUriWithWrongEnvironmentCredentialsIsDenied() {
        S3Store store = closeLater(S3Store.fromUri(server.uri(bucket, "p"),
                Map.of("AWS_ACCESS_KEY_ID", "nobody", "AWS_SECRET_ACCESS_KEY", "not-the-secret-xyz")));

        assertThatThrownBy(store::list).isInstanceOf(IOException.class).hasMessageContaining("access denied")
                .satisfies(e -> assertThat(stackText(e)).doesNotContain("not-the-secret-xyz"));
    }

    @Test
    void fromUriParsesAndRejectsWithClearMessages() {
        Map<String, String> none = Map.of();
        assertThat(parse("s3://bucket", none)).satisfies(s -> {
            assertThat(s.bucket()).isEqualTo("bucket");
            assertThat(s.prefix()).isEmpty();
            assertThat(s.description()).isEqualTo("s3://bucket/ at http://127.0.0.1:9");
        });
        assertThat(parse("s3://b/a%20b/c+d/", none).prefix()).isEqualTo("a b/c+d/");
        assertThat(parse("s3://b/p?partSize=5242880", none).partSize()).isEqualTo(5 * MIB);
        assertThat(parse("s3://b/p?partSize=1GiB", none).partSize()).isEqualTo(1024 * MIB);
        assertThat(parse("s3://b/p?sse=aws:kms&kmsKeyId=alias/k&pathStyle=false&checksums=when_supported"
                + "&conditionalWrites=false", none).bucket()).isEqualTo("b");
        assertThat(S3Store.fromUri("s3://b/p", Map.of("AWS_REGION", "eu-west-3"))).satisfies(s -> {
            assertThat(s.description()).as("AWS itself: no endpoint").isEqualTo("s3://b/p/");
            s.close();
        });

        assertRejected("http://bucket/p", "starts with s3://");
        assertRejected("s3://", "bucket");
        assertRejected("s3:///prefix", "bucket");
        assertRejected("s3://b/p?foo=1", "Unknown S3 store URI parameter 'foo'");
        assertRejected("s3://b/p?region=x&region=y", "given twice");
        assertRejected("s3://b/p?partSize=1MiB", "partSize");
        assertRejected("s3://b/p?partSize=lots", "partSize");
        assertRejected("s3://b/p?pathStyle=maybe", "pathStyle");
        assertRejected("s3://b/p?endpoint=ftp://host", "http");
        assertRejected("s3://b/p?endpoint=http://key:hunter2@host", "credentials");
        assertRejected("s3://b/../escape", "'..'");
        assertRejected("s3://b/p?sse=DES", "sse");
        assertRejected("s3://b/p?kmsKeyId=k", "aws:kms");
        assertRejected("s3://b/p?sse=AES256&kmsKeyId=k", "aws:kms");
        assertRejected("s3://b/p?checksums=never", "checksums");
        assertThatThrownBy(() -> S3Store.fromUri("s3://AKIAEXAMPLE:hunter2@bucket/p", none))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Credentials do not belong")
                .message().doesNotContain("hunter2").doesNotContain("AKIAEXAMPLE");
    }

    @Test
    void descriptionNamesBucketPrefixAndEndpointButNeverCredentials() {
        S3Store store = store(server.storeBuilder(bucket).prefix("a/b"));

        assertThat(store.description()).isEqualTo("s3://" + bucket + "/a/b/ at " + server.endpoint());
        assertThat(store.toString()).contains(store.description());
        for (String text : List.of(store.description(), store.toString())) {
            assertThat(text).doesNotContain(S3ProxyServer.SECRET_KEY).doesNotContain(S3ProxyServer.ACCESS_KEY);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static S3Store parse(String uri, Map<String, String> env) {
        // An endpoint that is never contacted: building a store sends nothing.
        String withEndpoint = uri + (uri.contains("?") ? "&" : "?") + "endpoint=http://127.0.0.1:9";
        S3Store store = S3Store.fromUri(uri.contains("endpoint=") ? uri : withEndpoint, env);
        store.close();
        return store;
    }

    private static void assertRejected(String uri, String messagePart) {
        assertThatThrownBy(() -> S3Store.fromUri(uri, Map.of())).as(uri)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(messagePart);
    }

    private static String stackText(Throwable e) {
        java.io.StringWriter text = new java.io.StringWriter();
        e.printStackTrace(new java.io.PrintWriter(text));
        return text.toString();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static SQLiteDataSource dataSource(Path db) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db.toAbsolutePath());
        return ds;
    }

    /** A small maintenance-like database; {@code blobBytes} of incompressible photos make the archive that large. */
    private static Path smallDatabase(Path db, int blobBytes) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db.toAbsolutePath());
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL, photo BLOB)");
            s.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, machine_id INTEGER NOT NULL REFERENCES machines(id), "
                    + "title TEXT NOT NULL, cost REAL)");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 500) "
                    + "INSERT INTO machines SELECT i, 'Pompe à chaleur ' || i, NULL FROM n");
            s.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) "
                    + "INSERT INTO tickets SELECT i, 1 + i % 500, 'ticket ' || i, i / 7.0 FROM n");
            if (blobBytes > 0) {
                int each = 256 * 1024;
                s.execute("UPDATE machines SET photo = randomblob(" + each + ") WHERE id <= " + (blobBytes / each));
            }
        }
        return db;
    }

    /** Records each request's operation, headers and body length, in order. */
    private static final class RecordingInterceptor implements ExecutionInterceptor {
        private record Seen(String operation, Map<String, List<String>> headers, Long contentLength) {
        }

        private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
        private String failOperation;
        private int failStatus;

        /** Turns the first answer to {@code operation}, whatever it was, into {@code status}. */
        RecordingInterceptor failFirstAnswerTo(String operation, int status) {
            this.failOperation = operation;
            this.failStatus = status;
            return this;
        }

        @Override
        public SdkHttpResponse modifyHttpResponse(Context.ModifyHttpResponse context, ExecutionAttributes attributes) {
            String operation = context.request().getClass().getSimpleName().replaceAll("Request$", "");
            synchronized (this) {
                if (operation.equals(failOperation)) {
                    failOperation = null;
                    return context.httpResponse().toBuilder().statusCode(failStatus).build();
                }
            }
            return context.httpResponse();
        }

        /**
         * Records the request as the store made it, then drops the server-side encryption headers,
         * which S3Proxy answers with 501 Not Implemented. Runs before signing.
         */
        @Override
        public SdkHttpRequest modifyHttpRequest(Context.ModifyHttpRequest context, ExecutionAttributes attributes) {
            SdkHttpRequest http = context.httpRequest();
            String operation = context.request().getClass().getSimpleName().replaceAll("Request$", "");
            Long length = http.firstMatchingHeader("Content-Length").map(Long::parseLong)
                    .orElseGet(() -> context.requestBody().flatMap(b -> b.optionalContentLength()).orElse(null));
            seen.add(new Seen(operation, http.headers(), length));
            SdkHttpRequest.Builder stripped = http.toBuilder();
            http.headers().keySet().stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith("x-amz-server-side-encryption"))
                    .forEach(stripped::removeHeader);
            return stripped.build();
        }

        List<String> operations() {
            return seen.stream().map(Seen::operation).toList();
        }

        List<Long> contentLengths(String operation) {
            return seen.stream().filter(s -> s.operation().equals(operation)).map(Seen::contentLength).toList();
        }

        List<String> header(String operation, String name) {
            return seen.stream().filter(s -> s.operation().equals(operation))
                    .map(s -> s.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                            .map(e -> e.getValue().get(0)).findFirst().orElse(null))
                    .toList();
        }
    }

    private S3Client recordingClient(RecordingInterceptor interceptor) {
        return closeLater(S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(Region.of(S3ProxyServer.REGION))
                .forcePathStyle(true)
                .requestChecksumCalculation(software.amazon.awssdk.core.checksums.RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.addExecutionInterceptor(interceptor))
                .build());
    }

    /** The contract test's read/write helpers, which are protected there. */
    private static final class StoreContractTestSupport {
        private StoreContractTestSupport() {
        }

        static void write(Store store, String name, byte[] content) throws IOException {
            try (Store.Upload upload = store.upload(name)) {
                OutputStream out = upload.stream();
                out.write(content);
                upload.commit();
            }
        }

        static byte[] read(Store store, String name) throws IOException {
            try (InputStream in = store.open(name)) {
                return in.readAllBytes();
            }
        }
    }
}
