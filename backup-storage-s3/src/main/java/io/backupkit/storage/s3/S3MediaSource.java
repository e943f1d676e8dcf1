package io.backupkit.storage.s3;

import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Media kept in an S3-compatible bucket (Cloudflare R2, AWS S3, MinIO, ...), for example the
 * design's "maintenance-media" bucket, so that one backup holds the database and its uploads.
 *
 * <pre>{@code
 * S3Client r2 = S3Client.builder()
 *     .endpointOverride(URI.create("https://ACCOUNT.r2.cloudflarestorage.com"))
 *     .region(Region.of("auto"))
 *     .build();
 * BackupService.builder()
 *     .dataSource(dataSource)
 *     .store(backupStore)
 *     .mediaSource(S3MediaSource.of(r2, "maintenance-media", "uploads/"))
 *     .build();
 * }</pre>
 *
 * <p>Every object under the prefix is a media file, named by its key without the prefix (keys in
 * nested "folders" included). Keys that an archive cannot hold as a relative name (empty segments,
 * {@code .}, {@code ..}, backslashes) and "folder marker" keys ending in {@code /} are skipped with a
 * warning. The source is {@linkplain #writable() writable}: a restore puts a missing file back with
 * one {@code PutObject} of known length, which S3 makes visible only once complete.
 *
 * <p>The client is the caller's and is never closed here. Immutable and thread-safe.
 */
public final class S3MediaSource implements MediaSource {

    private static final Logger LOG = LoggerFactory.getLogger(S3MediaSource.class);

    private final S3Client client;
    private final String bucket;
    private final String prefix;
    private final String description;

    private S3MediaSource(S3Client client, String bucket, String prefix) {
        this.client = client;
        this.bucket = bucket;
        this.prefix = prefix;
        this.description = "s3://" + bucket + "/" + prefix;
    }

    /**
     * A source over every object of {@code bucket} whose key starts with {@code prefix} ({@code ""}
     * for the whole bucket; a non-empty prefix usually ends with {@code /}).
     */
    public static S3MediaSource of(S3Client client, String bucket, String prefix) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(bucket, "bucket");
        Objects.requireNonNull(prefix, "prefix");
        if (!bucket.matches("[A-Za-z0-9._-]{1,255}")) {
            throw new IllegalArgumentException("bucket must be 1 to 255 letters, digits, '.', '-' or '_', but was '"
                    + bucket + "'");
        }
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("a key prefix does not start with '/': '" + prefix + "'");
        }
        return new S3MediaSource(client, bucket, prefix);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<MediaObject> list() throws IOException {
        List<MediaObject> objects = new ArrayList<>();
        try {
            for (var page : client.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix))) {
                for (S3Object object : page.contents()) {
                    String name = object.key().substring(prefix.length());
                    if (name.endsWith("/") && object.size() == 0) {
                        continue; // a "folder" marker made by consoles
                    }
                    if (!MediaObject.isValidName(name)) {
                        LOG.warn("media source {}: skipping key '{}', a name an archive cannot hold", description,
                                object.key());
                        continue;
                    }
                    objects.add(new MediaObject(name, object.size(), object.lastModified()));
                }
            }
        } catch (SdkException e) {
            throw failure("Cannot list", e);
        }
        objects.sort(Comparator.comparing(MediaObject::name));
        return List.copyOf(objects);
    }

    @Override
    public InputStream open(String name) throws IOException {
        String key = key(name);
        try {
            return new S3Download(client.getObject(r -> r.bucket(bucket).key(key)), name, description, this::failure);
        } catch (SdkException e) {
            if (e instanceof S3Exception s3 && s3.statusCode() == 404) {
                NoSuchFileException missing = new NoSuchFileException(name, null, "no such object in " + description);
                missing.initCause(e);
                throw missing;
            }
            throw failure("Cannot read '" + name + "' from", e);
        }
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public void write(String name, java.nio.file.Path content) throws IOException {
        String key = key(name);
        try {
            // One PutObject from a file: S3 stores the object whole or not at all, and the SDK can
            // re-read the file when it retries.
            client.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromFile(content));
        } catch (SdkException e) {
            throw failure("Cannot write '" + name + "' to", e);
        } catch (java.io.UncheckedIOException e) {
            throw new IOException("Cannot write '" + name + "' to " + description + ": " + e.getMessage(), e);
        }
    }

    private String key(String name) {
        if (!MediaObject.isValidName(name)) {
            throw new IllegalArgumentException("not a relative media name: '" + name + "'");
        }
        return prefix + name;
    }

    private IOException failure(String what, SdkException e) {
        String reason = e instanceof S3Exception s3 && s3.awsErrorDetails() != null
                ? s3.awsErrorDetails().errorCode() + " (HTTP " + s3.statusCode() + ")"
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new IOException(what + " " + description + ": " + reason, e);
    }

    @Override
    public String toString() {
        return "S3MediaSource[" + description + "]";
    }
}
