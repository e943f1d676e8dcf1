package io.backupkit.storage.s3.testing;

import io.backupkit.storage.s3.S3Store;

import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.filesystem.FilesystemApiMetadata;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 API server for tests: S3Proxy in this JVM, listening on 127.0.0.1 on a free port,
 * checking AWS signatures against {@link #ACCESS_KEY}/{@link #SECRET_KEY}, and keeping objects in
 * memory or in a folder (jclouds' {@code transient} or {@code filesystem} blob store).
 *
 * <pre>{@code
 * try (S3ProxyServer server = S3ProxyServer.inMemory()) {
 *     String bucket = server.createBucket();
 *     S3Store store = server.storeBuilder(bucket).prefix("app").build();
 *     ...
 *     assertThat(server.multipartUploadsInProgress(bucket)).isEmpty();
 * }
 * }</pre>
 *
 * <p>The blob stores are built from their API metadata rather than by name, because a lookup by
 * name loads every jclouds provider on the class path, and S3Proxy's Azure provider needs the Azure
 * SDK, which this project leaves out.
 *
 * <p>{@link #stop()} and {@link #start()} take the server down and bring it back on the same port
 * with the same objects, as a real server that restarts.
 */
public final class S3ProxyServer implements AutoCloseable {

    /** The access key the server accepts. */
    public static final String ACCESS_KEY = "backupkit-test-access-key";
    /** The secret key the server accepts; tests check that it never shows in messages. */
    public static final String SECRET_KEY = "backupkit-test-SECRET-0123456789";
    /** Any region: S3Proxy does not check it, but the SDK signs with it. */
    public static final String REGION = "us-east-1";

    private final BlobStoreContext context;
    private final AtomicInteger buckets = new AtomicInteger();
    private S3Proxy proxy;
    private int port;
    private S3Client admin;

    private S3ProxyServer(BlobStoreContext context) throws Exception {
        this.context = context;
        start();
    }

    /** A server keeping objects in memory. */
    public static S3ProxyServer inMemory() throws Exception {
        return new S3ProxyServer(ContextBuilder.newBuilder(new TransientApiMetadata())
                .credentials("identity", "credential")
                .build(BlobStoreContext.class));
    }

    /** A server keeping objects as files below {@code folder}. */
    public static S3ProxyServer onFilesystem(Path folder) throws Exception {
        Properties properties = new Properties();
        properties.setProperty("jclouds.filesystem.basedir", folder.toAbsolutePath().toString());
        return new S3ProxyServer(ContextBuilder.newBuilder(new FilesystemApiMetadata())
                .credentials("identity", "credential")
                .overrides(properties)
                .build(BlobStoreContext.class));
    }

    /** Starts listening: on a free port the first time, on the same port after {@link #stop()}. */
    public synchronized void start() throws Exception {
        if (proxy != null) {
            return;
        }
        S3Proxy p = S3Proxy.builder()
                .blobStore(context.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:" + port))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        p.start();
        port = p.getPort();
        proxy = p;
    }

    /** Stops listening; the objects stay, for a later {@link #start()}. */
    public synchronized void stop() throws Exception {
        if (proxy != null) {
            proxy.stop();
            proxy = null;
        }
    }

    /** The server's URL, e.g. {@code http://127.0.0.1:43121}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    /** The blob store behind the server, to look at or tamper with objects without going through S3. */
    public BlobStore blobStore() {
        return context.getBlobStore();
    }

    /** Creates a new, empty bucket with a unique name and returns the name. */
    public String createBucket() {
        String name = "test-bucket-" + buckets.incrementAndGet();
        context.getBlobStore().createContainerInLocation(null, name);
        return name;
    }

    /** A builder for a store on this server, with the right endpoint, region, path style and credentials. */
    public S3Store.Builder storeBuilder(String bucket) {
        return S3Store.builder()
                .bucket(bucket)
                .endpointOverride(endpoint())
                .region(REGION)
                .pathStyleAccess(true)
                .credentials(ACCESS_KEY, SECRET_KEY);
    }

    /** The {@code s3://} URI of a bucket and prefix on this server, as the CLI takes it (credentials come from the environment). */
    public String uri(String bucket, String prefix) {
        return "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint() + "&region=" + REGION + "&pathStyle=true";
    }

    /** Every key in the bucket, nested ones and all, as ListObjectsV2 returns them. */
    public List<String> allKeys(String bucket) {
        List<String> keys = new ArrayList<>();
        for (var page : admin().listObjectsV2Paginator(r -> r.bucket(bucket))) {
            page.contents().stream().map(S3Object::key).forEach(keys::add);
        }
        return keys;
    }

    /** The keys of the multipart uploads in progress in the bucket, as ListMultipartUploads returns them. */
    public List<String> multipartUploadsInProgress(String bucket) {
        return admin().listMultipartUploads(r -> r.bucket(bucket)).uploads().stream().map(MultipartUpload::key).toList();
    }

    /** A plain SDK client talking to this server directly. */
    public synchronized S3Client admin() {
        if (admin == null) {
            admin = S3Client.builder()
                    .endpointOverride(endpoint())
                    .region(Region.of(REGION))
                    .forcePathStyle(true)
                    .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                    .httpClientBuilder(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.builder())
                    .build();
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close();
        }
        try {
            stop();
        } catch (Exception e) {
            throw new IllegalStateException("S3Proxy did not stop", e);
        } finally {
            context.close();
        }
    }
}
