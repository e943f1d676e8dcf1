package io.backupkit.dialect.sqlite;

import io.backupkit.BackupManifest;
import io.backupkit.InvalidArchiveException;
import io.backupkit.ManifestEntry;
import io.backupkit.SchemaObject;
import io.backupkit.TableSummary;
import io.backupkit.spi.Restorer;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.Staging;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Restores SQLite backups: every schema statement is checked by {@link SqliteSchemaValidator}
 * before anything is created, and the data goes through {@link SqliteInsertParser} into a staging
 * file that replaces the live file by an atomic rename.
 */
final class SqliteRestorer implements Restorer {

    /** Staging files: {@code .<live name>.backupkit-staging-<pid>-<random>.db}, beside the live file. */
    static final Pattern STAGING_NAME = Pattern.compile("\\.(.+)\\.backupkit-staging-(\\d+)-[a-z0-9]+\\.db(-journal|-wal|-shm)?");

    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final boolean readPages;

    /** @param readPages whether the content check reads the staged tables from their pages */
    SqliteRestorer(boolean readPages) {
        this.readPages = readPages;
    }

    @Override
    public void validateSchema(BackupManifest manifest) {
        List<String> known = new ArrayList<>();
        manifest.tables().forEach(t -> known.add(t.name()));
        manifest.schema().stream().filter(s -> s.type() == SchemaStatement.Type.VIEW || s.type() == SchemaStatement.Type.TABLE)
                .forEach(s -> known.add(s.name()));
        for (SchemaObject object : manifest.schema()) {
            if (object.phase() == ManifestEntry.Kind.FINISH) {
                continue; // never executed: the finish entry is parsed into values instead
            }
            new SqliteSchemaValidator(known, "manifest.json").validate(object.sql());
        }
        for (TableSummary table : manifest.tables()) {
            if (table.columns().isEmpty()) {
                throw new InvalidArchiveException("manifest.json: table '" + table.name() + "' lists no columns");
            }
        }
    }

    @Override
    public java.util.Optional<io.backupkit.spi.StreamingPreview> streamingPreview(DataSource live,
                                                                                BackupManifest manifest,
                                                                                Path tempDirectory)
            throws Exception {
        if (!readPages || live == null) {
            return java.util.Optional.empty();
        }
        return SqliteStreamingPreview.open(live, manifest, tempDirectory);
    }

    @Override
    public Staging openStaging(DataSource live, BackupManifest manifest, boolean besideLive, Path tempDirectory)
            throws SQLException, IOException {
        Path livePath = live == null ? null : livePath(live);
        if (besideLive && livePath == null) {
            throw new IllegalStateException("the live database is in memory; there is no file to restore into");
        }
        Path folder = besideLive ? livePath.toAbsolutePath().getParent() : tempDirectory;
        Files.createDirectories(folder);
        String liveName = livePath == null ? "memory" : livePath.getFileName().toString();
        String suffix = Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        Path staging = folder.resolve("." + liveName + ".backupkit-staging-" + ProcessHandle.current().pid() + "-"
                + suffix + ".db");
        return new SqliteStaging(manifest, livePath, staging, readPages);
    }

    @Override
    public int cleanUpAbandonedStaging(DataSource live) throws SQLException, IOException {
        Path livePath = livePath(live);
        if (livePath == null || livePath.toAbsolutePath().getParent() == null) {
            return 0;
        }
        int removed = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(livePath.toAbsolutePath().getParent())) {
            for (Path file : files) {
                Matcher m = STAGING_NAME.matcher(file.getFileName().toString());
                if (m.matches() && ProcessHandle.of(Long.parseLong(m.group(2))).map(p -> !p.isAlive()).orElse(true)) {
                    Files.deleteIfExists(file);
                    removed++;
                }
            }
        }
        return removed;
    }

    /** The live database's file, or null for an in-memory database. */
    static Path livePath(DataSource live) throws SQLException {
        try (Connection c = live.getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("PRAGMA database_list")) {
            while (rs.next()) {
                if ("main".equals(rs.getString("name"))) {
                    String file = rs.getString("file");
                    return file == null || file.isEmpty() ? null : Path.of(file);
                }
            }
        }
        return null;
    }
}
