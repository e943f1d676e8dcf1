package io.backupkit.dialect.sqlite;

import io.backupkit.BackupInfo;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import javax.sql.DataSource;

/** Helpers shared by the restore tests: services, file hashes, staging leftovers and store listings. */
final class RestoreTestKit {

    private RestoreTestKit() {
    }

    /** A service over {@code dataSource} with an explicit SQLite dialect, a folder store and a private temp directory. */
    static BackupService service(DataSource dataSource, Path storeFolder, Path tempDirectory) {
        return BackupService.builder()
                .dataSource(dataSource)
                .dialect(new SqliteDialect())
                .store(LocalFolderStore.at(storeFolder))
                .options(BackupOptions.builder().tempDirectory(tempDirectory).build())
                .build();
    }

    /** A service over a database file (a plain sqlite-jdbc data source: a new connection per call). */
    static BackupService service(Path db, Path storeFolder, Path tempDirectory) {
        return service(FaultTestKit.dataSource(db), storeFolder, tempDirectory);
    }

    /** SHA-256 of a file's bytes, hex. */
    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Staging files ({@code .NAME.backupkit-staging-*}) in a folder; empty when none is left. */
    static List<Path> stagingFiles(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().contains(".backupkit-staging-")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file in a folder, hidden ones included, sorted. */
    static List<Path> filesIn(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A consistent, self-contained copy of a database (WAL content included) made by the real
     * {@code sqlite3} with {@code VACUUM INTO}, which keeps {@code user_version} and
     * {@code application_id}: the reference a restored database is compared with.
     */
    static Path snapshotCopy(Path db, Path copy) {
        try {
            Files.deleteIfExists(copy);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SqliteTestTools.sql(db, "VACUUM INTO '" + copy.toString().replace("'", "''") + "';");
        return copy;
    }

    /**
     * Files of a live database's folder, leaving out {@code -wal} and {@code -shm}: a read-only
     * reader of a WAL database leaves an empty {@code -wal} and a {@code -shm} behind (SQLite
     * removes them only when a read-write connection closes last). Check the {@code -wal} with
     * {@link #assertNoWalContent(Path)}.
     */
    static List<Path> liveFolderFiles(Path folder) {
        return filesIn(folder).stream().filter(p -> !p.toString().endsWith("-wal") && !p.toString().endsWith("-shm"))
                .toList();
    }

    /** Asserts that the database's {@code -wal}, if there is one, holds nothing. */
    static void assertNoWalContent(Path db) {
        Path wal = Path.of(db + "-wal");
        try {
            if (Files.exists(wal)) {
                org.assertj.core.api.Assertions.assertThat(Files.size(wal)).as("bytes in " + wal).isZero();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ids of the backups listed in a service's store, with their labels: {@code id [labels]}. */
    static List<String> listing(BackupService service) {
        return service.list().stream().map(b -> b.id() + " " + b.labels()).toList();
    }

    /** The ids of the listed backups that carry a label. */
    static List<String> labelled(BackupService service, String label) {
        return service.list().stream().filter(b -> b.labels().contains(label)).map(BackupInfo::id).toList();
    }
}
