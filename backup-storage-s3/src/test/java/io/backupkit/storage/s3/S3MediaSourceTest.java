package io.backupkit.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.ManifestEntry;
import io.backupkit.RestoreOptions;
import io.backupkit.RestoreResult;
import io.backupkit.dialect.sqlite.SqliteDialect;
import io.backupkit.spi.MediaObject;
import io.backupkit.storage.s3.testing.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@link S3MediaSource} on a real S3 API server (S3Proxy): listing under a prefix, streaming reads,
 * atomic writes that fail on bad content, and a backup and restore of a SQLite database together
 * with its media bucket.
 */
class S3MediaSourceTest {

    private static S3ProxyServer server;

    @TempDir
    Path dir;

    private S3Client client;
    private String bucket;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.inMemory();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void bucket() {
        client = server.admin();
        bucket = server.createBucket();
    }

    private void put(String key, byte[] content) {
        client.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
    }

    private byte[] get(String key) {
        return client.getObjectAsBytes(r -> r.bucket(bucket).key(key)).asByteArray();
    }

    @Test
    void listsEveryObjectUnderThePrefixByRelativeNameAndSkipsMarkersAndUnsafeKeys() throws Exception {
        put("uploads/a.jpg", new byte[] {1, 2, 3});
        put("uploads/2026/11/voice note.ogg", new byte[10]);
        put("uploads/folder/", new byte[0]);
        put("uploads/bad//name", new byte[1]);
        put("other/not-mine.txt", new byte[1]);

        List<MediaObject> listed = S3MediaSource.of(client, bucket, "uploads/").list();

        assertThat(listed).extracting(MediaObject::name).containsExactly("2026/11/voice note.ogg", "a.jpg");
        assertThat(listed).extracting(MediaObject::size).containsExactly(10L, 3L);
        assertThat(listed).allSatisfy(o -> assertThat(o.modified()).isNotNull());
    }

    @Test
    void openStreamsAnObjectAndAMissingOneIsNoSuchFile() throws Exception {
        byte[] big = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(big);
        put("m/big.bin", big);
        S3MediaSource source = S3MediaSource.of(client, bucket, "m/");

        try (InputStream in = source.open("big.bin")) {
            assertThat(in.readAllBytes()).isEqualTo(big);
        }
        assertThatThrownBy(() -> source.open("gone.bin")).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("gone.bin");
        assertThatThrownBy(() -> source.open("../escape")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void writeStoresTheObjectWholeAndAMissingContentFileWritesNothing() throws Exception {
        S3MediaSource source = S3MediaSource.of(client, bucket, "m/");
        assertThat(source.writable()).isTrue();
        byte[] big = new byte[300_000];
        new Random(3).nextBytes(big);
        Path file = java.nio.file.Files.write(dir.resolve("content.bin"), big);
        source.write("new/file.bin", file);
        assertThat(get("m/new/file.bin")).isEqualTo(big);
        assertThat(file).as("the content file is the caller's").exists();

        assertThatThrownBy(() -> source.write("half.txt", dir.resolve("no-such-file")))
                .isInstanceOf(IOException.class).hasMessageContaining("half.txt");
        assertThat(server.allKeys(bucket)).containsExactly("m/new/file.bin");
    }

    @Test
    void aBackupHoldsTheBucketsMediaAndARestorePutsBackTheMissingObjects() throws Exception {
        Path db = dir.resolve("app.db");
        SQLiteDataSource dataSource = new SQLiteDataSource();
        dataSource.setUrl("jdbc:sqlite:" + db);
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("PRAGMA journal_mode=WAL");
            s.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, media_key TEXT)");
            s.execute("INSERT INTO messages (media_key) VALUES ('photo.jpg'), ('audio/voice.ogg')");
        }
        byte[] photo = new byte[200_000];
        new Random(1).nextBytes(photo);
        put("media/photo.jpg", photo);
        put("media/audio/voice.ogg", "ogg".getBytes(StandardCharsets.UTF_8));
        BackupService service = BackupService.builder()
                .dataSource(dataSource)
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(dir.resolve("backups")))
                .mediaSource(S3MediaSource.of(client, bucket, "media/"))
                .build();

        BackupManifest backup = service.backup();
        assertThat(backup.entries().stream().filter(e -> e.kind() == ManifestEntry.Kind.MEDIA).map(ManifestEntry::name))
                .containsExactly("media/audio/voice.ogg", "media/photo.jpg");

        client.deleteObject(r -> r.bucket(bucket).key("media/photo.jpg"));
        put("media/audio/voice.ogg", "re-recorded".getBytes(StandardCharsets.UTF_8));
        RestoreResult result = service.restore(backup.id(), RestoreOptions.builder().build());

        assertThat(result.media().restored()).containsExactly("photo.jpg");
        assertThat(result.media().conflicts()).containsExactly("audio/voice.ogg");
        assertThat(get("media/photo.jpg")).isEqualTo(photo);
        assertThat(get("media/audio/voice.ogg")).asString(StandardCharsets.UTF_8).isEqualTo("re-recorded");
    }
}
