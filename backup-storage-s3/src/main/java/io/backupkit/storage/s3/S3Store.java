package io.backupkit.storage.s3;

import io.backupkit.spi.Store;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.regions.providers.SystemSettingsRegionProvider;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

/**
 * A {@link Store} that keeps each object in an S3-compatible bucket (AWS S3, Cloudflare R2, MinIO,
 * Ceph, ...), under an optional key prefix, in the spirit of Litestream's {@code s3} replica client.
 *
 * <pre>{@code
 * try (S3Store store = S3Store.builder()
 *         .bucket("backups")
 *         .prefix("maintenance/prod")
 *         .region("auto")
 *         .endpointOverride(URI.create("https://ACCOUNT.r2.cloudflarestorage.com"))
 *         .build()) {                       // credentials from the SDK's default chain
 *     BackupService service = BackupService.builder().dataSource(dataSource).store(store).build();
 *     service.backup();
 * }
 *
 * // or, as the CLI does:
 * S3Store store = S3Store.fromUri("s3://backups/maintenance/prod?endpoint=http://127.0.0.1:9000&region=us-east-1&pathStyle=true");
 * }</pre>
 *
 * <p><b>Uploads stream.</b> {@link #upload(String)} keeps at most one part ({@link Builder#partSize},
 * 8 MiB by default) in memory: each time the part buffer is full it is sent with {@code UploadPart}
 * and reused, so an archive of any size is uploaded in constant memory. An object that fits in one
 * part is sent with a single {@code PutObject} when committed. Nothing is visible under the object's
 * name before {@link Store.Upload#commit()} completes the multipart upload.
 *
 * <p><b>Failures leave no parts behind.</b> A failed request (after the SDK's retries with backoff),
 * {@link Store.Upload#abort()}, and closing an upload without committing all abort the multipart
 * upload, which deletes its parts. When the server cannot be reached even for the abort, the upload
 * remembers it and a later {@code abort()} or {@code close()} tries again; parts of a writer that
 * crashed are removed by {@link #cleanUpAbandonedUploads(Duration)} or by a bucket lifecycle rule
 * ({@code AbortIncompleteMultipartUpload}).
 *
 * <p><b>No overwrites.</b> An upload checks that its name is free before it starts and again just
 * before it completes, and sends {@code If-None-Match: *} with the final {@code PutObject} or
 * {@code CompleteMultipartUpload}, which AWS S3, R2 and recent MinIO enforce atomically. Servers
 * that ignore that header (S3Proxy, older MinIO and Ceph) leave a window of one round trip between
 * the second check and the completion in which a concurrent writer of the same name could be
 * overwritten; backup names are unique, so that needs a misbehaving caller.
 *
 * <p>Object names follow the same rules as {@link io.backupkit.LocalFolderStore}'s: non-empty, no
 * {@code /}, {@code \}, {@code ..} or NUL, and no leading {@code .}; anything else is rejected with an
 * {@link IllegalArgumentException}. Keys under the prefix that break these rules, and keys in
 * nested "folders", are not listed.
 *
 * <p>Instances are immutable and thread-safe. The store owns the {@link S3Client} it builds and
 * closes it in {@link #close()}; a client given to {@link Builder#client(S3Client)} is left open.
 */
public final class S3Store implements Store, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(S3Store.class);

    private static final int KIB = 1024;
    private static final int MIB = 1024 * KIB;

    /** The smallest part S3 accepts, except for the last one. */
    public static final int MIN_PART_SIZE = 5 * MIB;

    /** Large enough for few requests, small enough for a 64 MiB heap. */
    public static final int DEFAULT_PART_SIZE = 8 * MIB;

    /** The part buffer is one Java array; larger parts gain nothing and risk the heap. */
    public static final int MAX_PART_SIZE = 1024 * MIB;

    /** S3's limit on the number of parts of one multipart upload. */
    static final int MAX_PARTS = 10_000;

    /** Attempts per request, the first included: a little more patient than the SDK's 3 for long backups. */
    public static final int DEFAULT_MAX_ATTEMPTS = 5;

    /** Small objects (sidecars) never need more; larger ones get a buffer of the full part size. */
    private static final int INITIAL_BUFFER_SIZE = 64 * KIB;

    private static final Duration CONNECTION_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(120);

    private static final String CONTENT_TYPE = "application/octet-stream";

    private final S3Client client;
    private final boolean ownsClient;
    private final AutoCloseable ownedCredentials;
    private final String bucket;
    private final String prefix;
    private final int partSize;
    private final ServerSideEncryption sse;
    private final String kmsKeyId;
    private final boolean conditionalWrites;
    /** Whether uploads carry our own Content-MD5, because the SDK adds no checksum of its own. */
    private final boolean contentMd5;
    private final String description;

    private S3Store(Builder b, S3Client client, boolean ownsClient, AutoCloseable ownedCredentials, URI endpoint,
            boolean contentMd5) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.ownedCredentials = ownedCredentials;
        this.bucket = b.bucket;
        this.prefix = b.prefix;
        this.partSize = b.partSize;
        this.sse = b.sse;
        this.kmsKeyId = b.kmsKeyId;
        this.conditionalWrites = b.conditionalWrites;
        this.contentMd5 = contentMd5;
        // Scheme, host and port only: nothing of the endpoint's user info, path or query can leak.
        this.description = "s3://" + bucket + "/" + prefix + (endpoint == null ? "" : " at " + endpoint.getScheme()
                + "://" + endpoint.getHost() + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort()));
    }

    /** Starts configuring a store; {@link Builder#bucket(String)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Opens the store a URI names, with credentials from the {@code AWS_ACCESS_KEY_ID} and
     * {@code AWS_SECRET_ACCESS_KEY} environment variables when both are set (plus
     * {@code AWS_SESSION_TOKEN} when present), else from the SDK's default chain.
     *
     * <p>The form is {@code s3://BUCKET[/PREFIX][?PARAM=VALUE&...]} with these optional parameters:
     * <ul>
     *   <li>{@code endpoint}: the service URL of an S3-compatible store, e.g. {@code http://127.0.0.1:9000};</li>
     *   <li>{@code region}: e.g. {@code us-east-1} or {@code auto}. Without it: with an endpoint, as in
     *       {@link Builder#region(String)}; for AWS itself, {@code AWS_REGION} or the profile's region,
     *       else the URI is refused (EC2's metadata service is not asked);</li>
     *   <li>{@code pathStyle}: {@code true} to address the bucket in the path (MinIO, S3Proxy, Ceph);</li>
     *   <li>{@code partSize}: bytes, or with a unit, e.g. {@code 16MiB};</li>
     *   <li>{@code sse}: {@code AES256} or {@code aws:kms}, and {@code kmsKeyId} for the latter;</li>
     *   <li>{@code checksums}: {@code when_supported} or {@code when_required}; the default is as in
     *       {@link Builder#requestChecksumCalculation};</li>
     *   <li>{@code conditionalWrites}: {@code false} for a server that rejects {@code If-None-Match}
     *       (see {@link Builder#conditionalWrites}).</li>
     * </ul>
     * Credentials in the URI are refused, so they can never end up in a shell history or a log.
     *
     * <pre>{@code
     * S3Store store = S3Store.fromUri("s3://backups/app?endpoint=http://127.0.0.1:9000&region=us-east-1&pathStyle=true");
     * }</pre>
     *
     * @throws IllegalArgumentException if the URI is malformed or names an unknown parameter
     */
    public static S3Store fromUri(String uri) {
        return fromUri(uri, System.getenv());
    }

    /**
     * As {@link #fromUri(String)}, reading the credential variables from {@code environment} rather
     * than the process environment (for tests and embedding).
     */
    public static S3Store fromUri(String uri, Map<String, String> environment) {
        Objects.requireNonNull(environment, "environment");
        Builder builder = parseUri(uri);
        if (builder.region == null && builder.endpoint == null) {
            // For AWS itself, and without asking EC2's metadata service, which a command line on a
            // laptop would wait for in vain.
            String fromEnvironment = environment.get("AWS_REGION");
            if (fromEnvironment != null && !fromEnvironment.isBlank()) {
                builder.region(fromEnvironment.trim());
            } else {
                try {
                    builder.region(new AwsProfileRegionProvider().getRegion().id());
                } catch (SdkClientException e) {
                    throw new IllegalArgumentException("An s3:// store URI without an endpoint needs a region: add "
                            + "region=eu-west-1 (for example) to it, or set AWS_REGION", e);
                }
            }
        }
        String accessKey = environment.get("AWS_ACCESS_KEY_ID");
        String secretKey = environment.get("AWS_SECRET_ACCESS_KEY");
        if (accessKey != null && !accessKey.isEmpty() && secretKey != null && !secretKey.isEmpty()) {
            String sessionToken = environment.get("AWS_SESSION_TOKEN");
            builder.credentials(accessKey, secretKey, sessionToken == null || sessionToken.isEmpty() ? null : sessionToken);
        }
        return builder.build();
    }

    /** Parses everything of a store URI but the credentials; package-private for tests. */
    static Builder parseUri(String uri) {
        Objects.requireNonNull(uri, "uri");
        if (!uri.startsWith("s3://")) {
            throw new IllegalArgumentException("An S3 store URI starts with s3://, as in s3://bucket/prefix");
        }
        String rest = uri.substring("s3://".length());
        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        if (rest.indexOf('#') >= 0) {
            throw new IllegalArgumentException("An S3 store URI has no fragment ('#')");
        }
        int slash = rest.indexOf('/');
        String authority = slash < 0 ? rest : rest.substring(0, slash);
        String path = slash < 0 ? "" : rest.substring(slash + 1);
        if (authority.indexOf('@') >= 0) {
            // Deliberately not quoting the URI: the part before '@' is a secret.
            throw new IllegalArgumentException("Credentials do not belong in an S3 store URI; set AWS_ACCESS_KEY_ID "
                    + "and AWS_SECRET_ACCESS_KEY in the environment instead");
        }
        Builder builder = builder().bucket(decode(authority, "bucket")).prefix(decode(path, "prefix"));
        Map<String, String> params = new LinkedHashMap<>();
        if (!query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter name");
                String value = decode(eq < 0 ? "" : pair.substring(eq + 1), "parameter " + key);
                if (params.put(key, value) != null) {
                    throw new IllegalArgumentException("S3 store URI parameter '" + key + "' is given twice");
                }
            }
        }
        String sse = null;
        String kmsKeyId = null;
        for (Map.Entry<String, String> param : params.entrySet()) {
            String value = param.getValue();
            switch (param.getKey()) {
                case "endpoint" -> builder.endpointOverride(parseEndpoint(value));
                case "region" -> builder.region(value);
                case "pathStyle" -> builder.pathStyleAccess(parseBoolean("pathStyle", value));
                case "conditionalWrites" -> builder.conditionalWrites(parseBoolean("conditionalWrites", value));
                case "partSize" -> builder.partSize(parseSize("partSize", value));
                case "sse" -> sse = value;
                case "kmsKeyId" -> kmsKeyId = value;
                case "checksums" -> builder.requestChecksumCalculation(switch (value.toLowerCase(Locale.ROOT)) {
                    case "when_supported" -> RequestChecksumCalculation.WHEN_SUPPORTED;
                    case "when_required" -> RequestChecksumCalculation.WHEN_REQUIRED;
                    default -> throw new IllegalArgumentException(
                            "S3 store URI parameter checksums must be when_supported or when_required, not '" + value + "'");
                });
                default -> throw new IllegalArgumentException("Unknown S3 store URI parameter '" + param.getKey()
                        + "'; known: endpoint, region, pathStyle, partSize, sse, kmsKeyId, checksums, conditionalWrites");
            }
        }
        if (sse != null) {
            switch (sse) {
                case "AES256" -> {
                    if (kmsKeyId != null) {
                        throw new IllegalArgumentException("S3 store URI parameter kmsKeyId needs sse=aws:kms, not sse=AES256");
                    }
                    builder.serverSideEncryptionS3();
                }
                case "aws:kms" -> builder.serverSideEncryptionKms(kmsKeyId);
                default -> throw new IllegalArgumentException(
                        "S3 store URI parameter sse must be AES256 or aws:kms, not '" + sse + "'");
            }
        } else if (kmsKeyId != null) {
            throw new IllegalArgumentException("S3 store URI parameter kmsKeyId needs sse=aws:kms");
        }
        return builder;
    }

    private static String decode(String text, String what) {
        try {
            // URLDecoder turns '+' into a space, which a key prefix may well contain literally.
            return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid percent-encoding in the " + what + " of an S3 store URI", e);
        }
    }

    private static URI parseEndpoint(String value) {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("S3 store URI parameter endpoint is not a URL: " + e.getMessage(), e);
        }
    }

    private static boolean parseBoolean(String name, String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(
                    "S3 store URI parameter " + name + " must be true or false, not '" + value + "'");
        };
    }

    private static final Pattern SIZE = Pattern.compile("(\\d{1,10})\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)",
            Pattern.CASE_INSENSITIVE);

    private static int parseSize(String name, String value) {
        Matcher m = SIZE.matcher(value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("S3 store URI parameter " + name
                    + " must be a number of bytes, optionally with KiB, MiB or GiB, not '" + value + "'");
        }
        long unit = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "", "b" -> 1;
            case "k", "kb", "kib" -> KIB;
            case "m", "mb", "mib" -> MIB;
            default -> 1024L * MIB;
        };
        long bytes = Long.parseLong(m.group(1)) * unit;
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("S3 store URI parameter " + name + " is too large: " + value);
        }
        return (int) bytes;
    }

    /** The bucket objects are kept in. */
    public String bucket() {
        return bucket;
    }

    /** The key prefix, empty or ending with {@code /}. */
    public String prefix() {
        return prefix;
    }

    /** How many bytes each part of a multipart upload holds, and so how much memory an upload buffers. */
    public int partSize() {
        return partSize;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "S3Store[" + description + "]";
    }

    @Override
    public Upload upload(String name) throws IOException {
        String key = key(name);
        // Fail fast; the commit checks again, since the name may be taken meanwhile.
        if (exists(name, key)) {
            throw alreadyExists(name);
        }
        return new S3Upload(name, key, false);
    }

    /**
     * Rewrites a small object (a sidecar) with one plain {@code PutObject}, which S3 applies
     * atomically: readers see the old object or the new one.
     */
    @Override
    public Upload replace(String name) throws IOException {
        return new S3Upload(name, key(name), true);
    }

    @Override
    public InputStream open(String name) throws IOException {
        String key = key(name);
        ResponseInputStream<GetObjectResponse> response;
        try {
            response = client.getObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            if (isNotFound(e)) {
                NoSuchFileException missing = new NoSuchFileException(name, null, "no such object in " + description);
                missing.initCause(e);
                throw missing;
            }
            throw failure("Cannot read '" + name + "' from", e);
        }
        return new S3Download(response, name, description, this::failure);
    }

    @Override
    public List<String> list() throws IOException {
        List<String> names = new ArrayList<>();
        try {
            // The delimiter folds keys in nested "folders" into common prefixes, which are not ours.
            for (var page : client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix).delimiter("/"))) {
                for (S3Object object : page.contents()) {
                    String name = object.key().substring(prefix.length());
                    if (invalidNameReason(name) == null) {
                        names.add(name);
                    }
                }
            }
        } catch (SdkException e) {
            throw failure("Cannot list", e);
        }
        names.sort(null);
        return names;
    }

    @Override
    public void delete(String name) throws IOException {
        String key = key(name);
        try {
            client.deleteObject(r -> r.bucket(bucket).key(key));
        } catch (SdkException e) {
            if (isNotFound(e) && !isNoSuchBucket(e)) {
                return;
            }
            throw failure("Cannot delete '" + name + "' from", e);
        }
    }

    /**
     * Aborts the multipart uploads under this store's prefix that were started more than
     * {@code olderThan} ago, which is what a writer that crashed or lost the server for good leaves
     * behind. Uploads younger than that may belong to a live writer and are left alone, so pass a
     * duration longer than any backup takes (a day is safe). {@link Duration#ZERO} aborts every
     * upload under the prefix, whatever start time the server reports (S3Proxy reports the time of
     * the listing). A bucket lifecycle rule {@code AbortIncompleteMultipartUpload} does the same on
     * the server's side.
     *
     * <pre>{@code
     * int aborted = store.cleanUpAbandonedUploads(Duration.ofDays(1));
     * }</pre>
     *
     * @return how many multipart uploads were aborted
     * @throws IOException if the uploads cannot be listed or one cannot be aborted
     */
    public int cleanUpAbandonedUploads(Duration olderThan) throws IOException {
        Objects.requireNonNull(olderThan, "olderThan");
        if (olderThan.isNegative()) {
            throw new IllegalArgumentException("olderThan must not be negative but was " + olderThan);
        }
        Instant cutoff = Instant.now().minus(olderThan);
        int aborted = 0;
        try {
            String keyMarker = null;
            String uploadIdMarker = null;
            while (true) {
                ListMultipartUploadsRequest.Builder request = ListMultipartUploadsRequest.builder()
                        .bucket(bucket).prefix(prefix);
                if (keyMarker != null) {
                    request.keyMarker(keyMarker).uploadIdMarker(uploadIdMarker);
                }
                ListMultipartUploadsResponse page = client.listMultipartUploads(request.build());
                for (MultipartUpload upload : page.uploads()) {
                    if (olderThan.isZero() || upload.initiated() == null || !upload.initiated().isAfter(cutoff)) {
                        client.abortMultipartUpload(r -> r.bucket(bucket).key(upload.key()).uploadId(upload.uploadId()));
                        aborted++;
                    }
                }
                if (!Boolean.TRUE.equals(page.isTruncated())) {
                    return aborted;
                }
                keyMarker = page.nextKeyMarker();
                uploadIdMarker = page.nextUploadIdMarker();
            }
        } catch (SdkException e) {
            throw failure("Cannot clean up abandoned uploads in", e);
        }
    }

    /** Closes the S3 client when this store built it; a client given to the builder stays open. */
    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
        if (ownedCredentials != null) {
            try {
                ownedCredentials.close();
            } catch (Exception e) {
                LOG.debug("Closing the credentials provider of {} failed", description, e);
            }
        }
    }

    private boolean exists(String name, String key) throws IOException {
        try {
            client.headObject(r -> r.bucket(bucket).key(key));
            return true;
        } catch (SdkException e) {
            // A missing bucket answers a HEAD with a bare 404 too; the write that follows names it.
            if (isNotFound(e)) {
                return false;
            }
            throw failure("Cannot check whether '" + name + "' exists in", e);
        }
    }

    private FileAlreadyExistsException alreadyExists(String name) {
        return new FileAlreadyExistsException(name, null, "a backup object with this name already exists in " + description);
    }

    private String key(String name) {
        Objects.requireNonNull(name, "name");
        String reason = invalidNameReason(name);
        if (reason != null) {
            throw new IllegalArgumentException("Invalid backup object name '" + name.replace("\0", "\\0") + "': " + reason);
        }
        return prefix + name;
    }

    /** Why {@code name} is not a valid object name, or {@code null} when it is; the same rules as the local store's. */
    static String invalidNameReason(String name) {
        if (name.isEmpty()) {
            return "it is empty";
        }
        if (name.startsWith(".")) {
            return "it must not start with '.', which marks hidden and temporary files";
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            return "it must not contain '/' or '\\'";
        }
        if (name.contains("..")) {
            return "it must not contain '..'";
        }
        if (name.indexOf('\0') >= 0) {
            return "it must not contain NUL";
        }
        return null;
    }

    private static boolean isNotFound(SdkException e) {
        return e instanceof S3Exception s3 && s3.statusCode() == 404;
    }

    private static boolean isNoSuchBucket(SdkException e) {
        return e instanceof S3Exception s3 && "NoSuchBucket".equals(errorCode(s3));
    }

    private static boolean isPreconditionFailed(SdkException e) {
        return e instanceof S3Exception s3 && s3.statusCode() == 412;
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /** An {@link IOException} whose message says what failed, where, and why, never with credentials. */
    private IOException failure(String what, SdkException e) {
        return new IOException(what + " " + description + ": " + reason(e), e);
    }

    /**
     * As {@link #failure}, for a request with a body. When the server refuses such a request early,
     * the JDK's HTTP client either drops the error's body (after {@code Expect: 100-continue}) or
     * fails writing the body to a connection the server closed; the bucket itself then says whether
     * it is missing or forbidden.
     */
    private IOException writeFailure(String what, SdkException e) {
        if (!(e instanceof S3Exception s3 && errorCode(s3) != null)) {
            String diagnosis = diagnoseBucket();
            if (diagnosis != null) {
                return new IOException(what + " " + description + ": " + diagnosis, e);
            }
        }
        return failure(what, e);
    }

    /** What is wrong with the bucket, or {@code null} when it answers or cannot be asked. */
    private String diagnoseBucket() {
        try {
            client.headBucket(r -> r.bucket(bucket));
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return "the bucket '" + bucket + "' does not exist (HTTP 404)";
            }
            if (e.statusCode() == 403) {
                return "access denied (HTTP 403); check the credentials and the bucket's permissions";
            }
            return null;
        } catch (SdkException e) {
            return null;
        }
    }

    private String reason(SdkException e) {
        if (e instanceof S3Exception s3) {
            String code = errorCode(s3);
            String details = s3.awsErrorDetails() == null ? null : s3.awsErrorDetails().errorMessage();
            String status = "HTTP " + s3.statusCode() + (code == null ? "" : " " + code);
            if ("NoSuchBucket".equals(code)) {
                return "the bucket '" + bucket + "' does not exist (" + status + ")";
            }
            if (s3.statusCode() == 403 || "InvalidAccessKeyId".equals(code) || "SignatureDoesNotMatch".equals(code)) {
                return "access denied (" + status + "); check the credentials and the bucket's permissions";
            }
            if (s3.statusCode() == 301 || "PermanentRedirect".equals(code) || "AuthorizationHeaderMalformed".equals(code)) {
                return "wrong region or endpoint for the bucket (" + status + (details == null ? "" : ": " + details) + ")";
            }
            return status + (details == null ? "" : ": " + details);
        }
        for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof NoRouteToHostException) {
                return "the endpoint cannot be reached (" + cause + ")";
            }
            if (cause instanceof SocketTimeoutException) {
                return "the endpoint did not answer in time (" + cause + ")";
            }
            if (cause instanceof IOException) {
                return "the connection to the endpoint broke (" + cause + ")";
            }
        }
        return e instanceof SdkClientException ? e.getMessage() : e.toString();
    }

    private enum State { OPEN, COMMITTED, ABORTED }

    /**
     * One object being written: a part buffer of 64 KiB that grows once to {@link #partSize}, then a
     * multipart upload that is started only when a second part is needed.
     */
    private final class S3Upload implements Upload {
        private final String name;
        private final String key;
        private final PartStream stream = new PartStream();
        private final List<CompletedPart> parts = new ArrayList<>();
        /** Written under {@code this}; volatile so the stream can check it without locking. */
        private volatile State state = State.OPEN;
        /** Set once a request failed: the parts may have a hole, so the object must never be completed. */
        private volatile IOException failure;
        /** The multipart upload, once started; stays set after a failed abort so that a later abort retries. */
        private String uploadId;
        private byte[] buffer = new byte[Math.min(INITIAL_BUFFER_SIZE, partSize)];
        private int count;
        private final boolean replace;

        S3Upload(String name, String key, boolean replace) {
            this.name = name;
            this.key = key;
            this.replace = replace;
        }

        @Override
        public OutputStream stream() {
            return stream;
        }

        @Override
        public synchronized void commit() throws IOException {
            if (state == State.COMMITTED) {
                return;
            }
            if (state == State.ABORTED) {
                throw new IllegalStateException("The upload of '" + name + "' was aborted and cannot be committed");
            }
            try {
                if (failure != null) {
                    throw new IOException("An earlier write of '" + name + "' to " + description
                            + " failed; refusing to publish an incomplete object", failure);
                }
                if (uploadId == null) {
                    putWhole();
                } else {
                    if (count > 0) {
                        uploadPart();
                    }
                    completeMultipart();
                }
            } catch (IOException | RuntimeException | Error e) {
                abort();
                throw e;
            }
            state = State.COMMITTED;
            uploadId = null;
            buffer = null;
        }

        private void putWhole() throws IOException {
            if (!replace && exists(name, key)) {
                throw alreadyExists(name);
            }
            PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key)
                    .contentLength((long) count).contentType(CONTENT_TYPE);
            if (conditionalWrites && !replace) {
                request.ifNoneMatch("*");
            }
            if (sse != null) {
                request.serverSideEncryption(sse).ssekmsKeyId(kmsKeyId);
            }
            if (contentMd5) {
                request.contentMD5(md5());
            }
            try {
                client.putObject(request.build(), body());
            } catch (SdkException e) {
                if (isPreconditionFailed(e)) {
                    if (holdsOurBytes()) {
                        return; // an earlier attempt, whose answer was lost, stored it; the SDK's retry then met If-None-Match
                    }
                    throw alreadyExists(name);
                }
                throw writeFailure("Cannot upload '" + name + "' to", e);
            }
        }

        /**
         * Whether the object now under our key is byte for byte what we sent, judged by its ETag,
         * which for a single PutObject without KMS is the MD5 of the content.
         */
        private boolean holdsOurBytes() {
            if (sse == ServerSideEncryption.AWS_KMS) {
                return false; // the ETag is no MD5 then
            }
            try {
                String etag = client.headObject(r -> r.bucket(bucket).key(key)).eTag();
                byte[] ours = Base64.getDecoder().decode(md5());
                return etag != null && etag.replace("\"", "").equalsIgnoreCase(HexFormat.of().formatHex(ours));
            } catch (SdkException e) {
                return false;
            }
        }

        private void completeMultipart() throws IOException {
            if (replace) {
                throw new IOException("'" + name + "' is too large to be replaced in " + description
                        + "; only objects smaller than one part are");
            }
            if (exists(name, key)) {
                throw alreadyExists(name);
            }
            try {
                client.completeMultipartUpload(r -> {
                    r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts));
                    if (conditionalWrites) {
                        r.ifNoneMatch("*");
                    }
                });
            } catch (SdkException e) {
                // Whatever the retry met (NoSuchUpload on AWS, 412 with If-None-Match, InvalidPart on
                // S3Proxy), an upload that is gone with an object in its place was completed by us.
                if (completedByAnEarlierAttempt()) {
                    return;
                }
                if (isPreconditionFailed(e)) {
                    throw alreadyExists(name);
                }
                throw failure("Cannot complete the upload of '" + name + "' to", e);
            }
        }

        /**
         * After a failed CompleteMultipartUpload: whether an earlier attempt of it, whose answer was
         * lost, completed the upload, so that the SDK's retry failed. Only we know the upload id, so
         * an upload that is gone while an object sits under our key (which was free just before) was
         * completed by us.
         */
        private boolean completedByAnEarlierAttempt() {
            try {
                // Ours always has parts by now; S3Proxy lists a completed upload as one without parts.
                if (!client.listParts(r -> r.bucket(bucket).key(key).uploadId(uploadId).maxParts(1)).parts().isEmpty()) {
                    return false; // still in progress: the failure stands
                }
            } catch (SdkException e) {
                if (!isNotFound(e) || isNoSuchBucket(e)) {
                    return false;
                }
            }
            try {
                client.headObject(r -> r.bucket(bucket).key(key));
                return true;
            } catch (SdkException e) {
                return false;
            }
        }

        /** Sends the buffer as the next part, starting the multipart upload first if needed. */
        private void uploadPart() throws IOException {
            int partNumber = parts.size() + 1;
            if (partNumber > MAX_PARTS) {
                throw new IOException("'" + name + "' is larger than " + MAX_PARTS + " parts of " + partSize
                        + " bytes, the most one S3 upload can hold; configure a larger part size for " + description);
            }
            try {
                if (uploadId == null) {
                    CreateMultipartUploadRequest.Builder request = CreateMultipartUploadRequest.builder()
                            .bucket(bucket).key(key).contentType(CONTENT_TYPE);
                    if (sse != null) {
                        request.serverSideEncryption(sse).ssekmsKeyId(kmsKeyId);
                    }
                    uploadId = client.createMultipartUpload(request.build()).uploadId();
                }
                String md5 = contentMd5 ? md5() : null;
                UploadPartResponse response = client.uploadPart(r -> r.bucket(bucket).key(key).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) count).contentMD5(md5), body());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(response.eTag())
                        .checksumCRC32(response.checksumCRC32()).checksumCRC32C(response.checksumCRC32C())
                        .checksumCRC64NVME(response.checksumCRC64NVME()).checksumSHA1(response.checksumSHA1())
                        .checksumSHA256(response.checksumSHA256()).build());
            } catch (SdkException e) {
                throw writeFailure("Cannot upload part " + partNumber + " of '" + name + "' to", e);
            }
            count = 0;
        }

        /** Base64 of the MD5 of the buffered bytes, for the server to check what it received. */
        private String md5() {
            try {
                MessageDigest digest = MessageDigest.getInstance("MD5");
                digest.update(buffer, 0, count);
                return Base64.getEncoder().encodeToString(digest.digest());
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("Every Java runtime has MD5", e);
            }
        }

        /** The buffered bytes, re-readable for the SDK's retries and never copied. */
        private RequestBody body() {
            byte[] bytes = buffer;
            int length = count;
            return RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, CONTENT_TYPE);
        }

        /** Called by the stream with the upload's lock held. */
        private void write(byte[] bytes, int offset, int length) throws IOException {
            ensureOpen();
            while (length > 0) {
                if (count == buffer.length) {
                    if (buffer.length < partSize) {
                        // Straight to the full part: doubling would hold two large arrays at once, and
                        // a small heap may have no room for both.
                        buffer = Arrays.copyOf(buffer, partSize);
                    } else {
                        flushPart();
                    }
                }
                int chunk = Math.min(length, buffer.length - count);
                System.arraycopy(bytes, offset, buffer, count, chunk);
                count += chunk;
                offset += chunk;
                length -= chunk;
            }
        }

        private void flushPart() throws IOException {
            try {
                uploadPart();
            } catch (IOException | RuntimeException | Error e) {
                failure = e instanceof IOException io ? io : new IOException(e);
                abortQuietly();
                throw e;
            }
        }

        private void ensureOpen() throws IOException {
            State current = state;
            if (current != State.OPEN) {
                throw new IOException("The upload of '" + name + "' was already "
                        + (current == State.COMMITTED ? "committed" : "aborted"));
            }
            if (failure != null) {
                throw new IOException("An earlier write of '" + name + "' to " + description + " failed", failure);
            }
        }

        @Override
        public synchronized void abort() {
            if (state == State.COMMITTED) {
                return;
            }
            state = State.ABORTED;
            buffer = null;
            abortQuietly();
        }

        /** Aborts the multipart upload, if any; on failure keeps its id so that the next abort retries. */
        private void abortQuietly() {
            if (uploadId == null) {
                return;
            }
            try {
                client.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
                uploadId = null;
            } catch (SdkException e) {
                if (isNotFound(e) && !isNoSuchBucket(e)) {
                    uploadId = null; // NoSuchUpload: already gone
                    return;
                }
                LOG.warn("Could not abort the multipart upload of '{}' to {} ({}); its parts stay until a later abort, "
                        + "cleanUpAbandonedUploads or the bucket's lifecycle rule removes them",
                        name, description, reason(e));
            }
        }

        @Override
        public void close() {
            abort();
        }

        @Override
        public String toString() {
            return "upload of '" + name + "' to " + description;
        }

        /** Buffers one part; meant for one writing thread at a time, like any {@link OutputStream}. */
        private final class PartStream extends OutputStream {
            private final byte[] one = new byte[1];

            @Override
            public void write(int b) throws IOException {
                one[0] = (byte) b;
                write(one, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) throws IOException {
                Objects.checkFromIndexSize(offset, length, bytes.length);
                synchronized (S3Upload.this) {
                    S3Upload.this.write(bytes, offset, length);
                }
            }

            /** Nothing to do: a part is sent when full, the rest on commit. */
            @Override
            public void flush() throws IOException {
                ensureOpen();
            }

            /** Does not end the upload: callers often close a compressor around this stream before committing. */
            @Override
            public void close() {
            }
        }
    }

    /**
     * Configures an {@link S3Store}. Every setter checks its argument and says what is wrong;
     * {@link #build()} checks that the settings fit together.
     *
     * <pre>{@code
     * S3Store store = S3Store.builder()
     *         .bucket("backups").prefix("app/prod")
     *         .region("eu-west-1")
     *         .credentials(accessKeyId, secretAccessKey)   // else the SDK's default chain
     *         .partSize(16 * 1024 * 1024)
     *         .serverSideEncryptionKms("alias/backups")
     *         .maxAttempts(8)
     *         .build();
     * }</pre>
     */
    public static final class Builder {
        private String bucket;
        private String prefix = "";
        private String region;
        private URI endpoint;
        private Boolean pathStyle;
        private AwsCredentialsProvider credentials;
        private int partSize = DEFAULT_PART_SIZE;
        private ServerSideEncryption sse;
        private String kmsKeyId;
        private Integer maxAttempts;
        private RetryStrategy retryStrategy;
        private RequestChecksumCalculation checksums;
        private boolean conditionalWrites = true;
        private S3Client client;

        private Builder() {
        }

        /** The bucket; required. Letters, digits, {@code .}, {@code -} and {@code _}, at most 255 characters. */
        public Builder bucket(String bucket) {
            Objects.requireNonNull(bucket, "bucket");
            if (!bucket.matches("[A-Za-z0-9._-]{1,255}")) {
                throw new IllegalArgumentException("bucket must be 1 to 255 letters, digits, '.', '-' or '_', but was '"
                        + bucket + "'");
            }
            this.bucket = bucket;
            return this;
        }

        /**
         * The key prefix that objects are kept under, like a folder: {@code app/prod} stores
         * {@code NAME} as {@code app/prod/NAME}. Leading slashes are dropped and a trailing one is
         * added; empty (the default) means the top of the bucket.
         */
        public Builder prefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            String p = prefix;
            while (p.startsWith("/")) {
                p = p.substring(1);
            }
            if (p.isEmpty()) {
                this.prefix = "";
                return this;
            }
            if (p.indexOf('\\') >= 0 || p.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("prefix must not contain '\\' or NUL, but was '"
                        + prefix.replace("\0", "\\0") + "'");
            }
            String trimmed = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
            for (String segment : trimmed.split("/", -1)) {
                if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                    throw new IllegalArgumentException("prefix must not contain empty, '.' or '..' segments, but was '"
                            + prefix + "'");
                }
            }
            this.prefix = trimmed + "/";
            return this;
        }

        /**
         * The region, e.g. {@code eu-west-1}, or {@code auto} for Cloudflare R2. When not set, the
         * SDK's default region chain ({@code AWS_REGION}, {@code ~/.aws/config}, EC2 metadata)
         * decides; with an {@link #endpointOverride(URI) endpoint override}, {@code AWS_REGION} or the
         * {@code aws.region} system property, else {@code us-east-1}, which S3-compatible servers
         * generally accept.
         */
        public Builder region(String region) {
            Objects.requireNonNull(region, "region");
            if (!region.matches("[a-z0-9-]{1,64}")) {
                throw new IllegalArgumentException("region must be lower-case letters, digits and '-', like eu-west-1, "
                        + "but was '" + region + "'");
            }
            this.region = region;
            return this;
        }

        /** The service URL of an S3-compatible store, e.g. {@code https://ACCOUNT.r2.cloudflarestorage.com}. */
        public Builder endpointOverride(URI endpoint) {
            Objects.requireNonNull(endpoint, "endpoint");
            String scheme = endpoint.getScheme();
            if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
                throw new IllegalArgumentException("endpoint must be an http:// or https:// URL, but its scheme was "
                        + (scheme == null ? "missing" : "'" + scheme + "'"));
            }
            if (endpoint.getRawUserInfo() != null) {
                // Not quoting the URL: its user info is a secret.
                throw new IllegalArgumentException("endpoint must not contain credentials; use credentials(...) "
                        + "or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables");
            }
            if (endpoint.getHost() == null) {
                throw new IllegalArgumentException("endpoint must name a host, as in http://127.0.0.1:9000, but was '"
                        + endpoint + "'");
            }
            if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
                throw new IllegalArgumentException("endpoint must not have a query or fragment, but was '" + endpoint + "'");
            }
            this.endpoint = endpoint;
            return this;
        }

        /**
         * Addresses the bucket in the URL's path ({@code http://host/bucket/key}) rather than its
         * host name ({@code http://bucket.host/key}); needed by MinIO, Ceph and S3Proxy, and for
         * endpoints given as an IP address. Off by default, as in the SDK.
         */
        public Builder pathStyleAccess(boolean pathStyle) {
            this.pathStyle = pathStyle;
            return this;
        }

        /** Signs requests with this access key, rather than credentials from the SDK's default chain. */
        public Builder credentials(String accessKeyId, String secretAccessKey) {
            return credentials(accessKeyId, secretAccessKey, null);
        }

        /** As {@link #credentials(String, String)}, with a session token for temporary credentials (may be null). */
        public Builder credentials(String accessKeyId, String secretAccessKey, String sessionToken) {
            Objects.requireNonNull(accessKeyId, "accessKeyId");
            Objects.requireNonNull(secretAccessKey, "secretAccessKey");
            if (accessKeyId.isBlank() || secretAccessKey.isBlank()) {
                throw new IllegalArgumentException("accessKeyId and secretAccessKey must not be blank");
            }
            return credentialsProvider(StaticCredentialsProvider.create(sessionToken == null
                    ? AwsBasicCredentials.create(accessKeyId, secretAccessKey)
                    : software.amazon.awssdk.auth.credentials.AwsSessionCredentials.create(
                            accessKeyId, secretAccessKey, sessionToken)));
        }

        /** Where credentials come from; by default the SDK's default chain (environment, profile, instance role...). */
        public Builder credentialsProvider(AwsCredentialsProvider provider) {
            Objects.requireNonNull(provider, "provider");
            if (credentials != null) {
                throw new IllegalStateException("credentials were already set");
            }
            this.credentials = provider;
            return this;
        }

        /**
         * How many bytes each part of a multipart upload holds: the memory one upload buffers, and
         * one request's worth of data. At least {@value #MIN_PART_SIZE} bytes (S3's minimum), at most
         * {@value #MAX_PART_SIZE}; {@value #DEFAULT_PART_SIZE} by default. S3 allows 10,000 parts,
         * so the part size also caps an object's size (8 MiB parts: 78 GiB).
         */
        public Builder partSize(int bytes) {
            if (bytes < MIN_PART_SIZE || bytes > MAX_PART_SIZE) {
                throw new IllegalArgumentException("partSize must be between " + MIN_PART_SIZE + " (5 MiB, the S3 minimum) and "
                        + MAX_PART_SIZE + " bytes, but was " + bytes);
            }
            this.partSize = bytes;
            return this;
        }

        /** Asks the server to encrypt objects with keys it manages ({@code x-amz-server-side-encryption: AES256}). */
        public Builder serverSideEncryptionS3() {
            checkSseUnset();
            this.sse = ServerSideEncryption.AES256;
            return this;
        }

        /**
         * Asks the server to encrypt objects with a KMS key ({@code aws:kms}).
         *
         * @param keyId the key's id, ARN or alias; {@code null} for the account's default {@code aws/s3} key
         */
        public Builder serverSideEncryptionKms(String keyId) {
            checkSseUnset();
            if (keyId != null && keyId.isBlank()) {
                throw new IllegalArgumentException("the KMS key id must not be blank; pass null for the default key");
            }
            this.sse = ServerSideEncryption.AWS_KMS;
            this.kmsKeyId = keyId;
            return this;
        }

        private void checkSseUnset() {
            if (sse != null) {
                throw new IllegalStateException("server-side encryption was already set to " + sse);
            }
        }

        /**
         * How many times each request is tried, the first included, with the SDK's standard retry
         * strategy: exponential backoff with jitter, for throttling, 5xx answers and I/O errors.
         * {@value #DEFAULT_MAX_ATTEMPTS} by default; 1 disables retries.
         */
        public Builder maxAttempts(int attempts) {
            if (attempts < 1 || attempts > 20) {
                throw new IllegalArgumentException("maxAttempts must be between 1 and 20, but was " + attempts);
            }
            if (retryStrategy != null) {
                throw new IllegalStateException("a retry strategy was already set; configure its attempts there");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** Replaces the retry strategy altogether, e.g. {@code AwsRetryStrategy.adaptiveRetryStrategy()}. */
        public Builder retryStrategy(RetryStrategy strategy) {
            Objects.requireNonNull(strategy, "strategy");
            if (maxAttempts != null) {
                throw new IllegalStateException("maxAttempts was already set to " + maxAttempts
                        + "; set the attempts on the strategy instead");
            }
            this.retryStrategy = strategy;
            return this;
        }

        /**
         * When the SDK adds its integrity checksums (CRC32, sent as an {@code aws-chunked} trailer)
         * to uploads. By default {@code WHEN_SUPPORTED} for AWS S3 and {@code WHEN_REQUIRED} with an
         * {@link #endpointOverride(URI) endpoint override}, since S3-compatible servers vary in their
         * support of those trailers (S3Proxy 2.6 rejects them). With {@code WHEN_REQUIRED} the store
         * sends a {@code Content-MD5} of each part instead, which every S3 server checks, so what is
         * stored is verified end to end either way.
         */
        public Builder requestChecksumCalculation(RequestChecksumCalculation calculation) {
            this.checksums = Objects.requireNonNull(calculation, "calculation");
            return this;
        }

        /**
         * Whether the final request of an upload carries {@code If-None-Match: *}, so that the server
         * refuses atomically to replace an existing object. On by default; turn it off only for a
         * server that rejects the header (the existence checks before and at commit remain).
         */
        public Builder conditionalWrites(boolean enabled) {
            this.conditionalWrites = enabled;
            return this;
        }

        /**
         * Uses this client rather than building one; the store does not close it. The client then
         * decides region, endpoint, credentials, retries and addressing, so those settings cannot be
         * combined with this one.
         */
        public Builder client(S3Client client) {
            this.client = Objects.requireNonNull(client, "client");
            return this;
        }

        /**
         * Builds the store. Nothing is sent to the server yet: a missing bucket or wrong credentials
         * show at the first request.
         *
         * @throws IllegalStateException if no bucket was set, settings conflict, or no region can be found
         */
        public S3Store build() {
            if (bucket == null) {
                throw new IllegalStateException("bucket was not set");
            }
            if (client != null) {
                List<String> conflicting = new ArrayList<>();
                if (region != null) {
                    conflicting.add("region");
                }
                if (endpoint != null) {
                    conflicting.add("endpointOverride");
                }
                if (pathStyle != null) {
                    conflicting.add("pathStyleAccess");
                }
                if (credentials != null) {
                    conflicting.add("credentials");
                }
                if (maxAttempts != null || retryStrategy != null) {
                    conflicting.add("retries");
                }
                if (checksums != null) {
                    conflicting.add("requestChecksumCalculation");
                }
                if (!conflicting.isEmpty()) {
                    throw new IllegalStateException("a client was given, so " + String.join(", ", conflicting)
                            + " must be configured on that client instead");
                }
                URI clientEndpoint = client.serviceClientConfiguration().endpointOverride().orElse(null);
                // The client's checksum setting is not visible here; an MD5 of our own is cheap and always safe.
                return new S3Store(this, client, false, null, clientEndpoint, true);
            }
            Region resolvedRegion = resolveRegion();
            AwsCredentialsProvider provider = credentials;
            AutoCloseable ownedCredentials = null;
            if (provider == null) {
                DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
                provider = chain;
                ownedCredentials = chain;
            }
            RetryStrategy retries = retryStrategy != null ? retryStrategy
                    : AwsRetryStrategy.standardRetryStrategy().toBuilder()
                            .maxAttempts(maxAttempts != null ? maxAttempts : DEFAULT_MAX_ATTEMPTS).build();
            RequestChecksumCalculation effectiveChecksums = checksums != null ? checksums
                    : endpoint == null ? RequestChecksumCalculation.WHEN_SUPPORTED : RequestChecksumCalculation.WHEN_REQUIRED;
            S3ClientBuilder sdk = S3Client.builder()
                    .region(resolvedRegion)
                    .credentialsProvider(provider)
                    .httpClientBuilder(UrlConnectionHttpClient.builder()
                            .connectionTimeout(CONNECTION_TIMEOUT)
                            .socketTimeout(SOCKET_TIMEOUT))
                    .overrideConfiguration(o -> o.retryStrategy(retries))
                    .forcePathStyle(Boolean.TRUE.equals(pathStyle))
                    .requestChecksumCalculation(effectiveChecksums);
            if (endpoint != null) {
                sdk.endpointOverride(endpoint);
            }
            return new S3Store(this, sdk.build(), true, ownedCredentials, endpoint,
                    effectiveChecksums == RequestChecksumCalculation.WHEN_REQUIRED);
        }

        private Region resolveRegion() {
            if (region != null) {
                return Region.of(region);
            }
            if (endpoint != null) {
                // Not the whole default chain: its last resort asks EC2's metadata service, which an
                // S3-compatible server's client has no business contacting.
                try {
                    return new SystemSettingsRegionProvider().getRegion();
                } catch (SdkClientException e) {
                    return Region.US_EAST_1;
                }
            }
            try {
                return DefaultAwsRegionProviderChain.builder().build().getRegion();
            } catch (SdkClientException e) {
                throw new IllegalStateException("region was not set and none is configured in the environment "
                        + "(AWS_REGION, ~/.aws/config); set it with region(...)", e);
            }
        }
    }
}
