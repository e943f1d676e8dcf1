package io.backupkit.internal;

import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupPlan;
import io.backupkit.BackupRequest;
import io.backupkit.ManifestEntry;
import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import io.backupkit.RedactionRules;
import io.backupkit.SchemaObject;
import io.backupkit.SnapshotException;
import io.backupkit.SourceInfo;
import io.backupkit.StorageException;
import io.backupkit.TableSummary;
import io.backupkit.spi.Dialect;
import io.backupkit.spi.MediaObject;
import io.backupkit.spi.MediaSource;
import io.backupkit.spi.Redactor;
import io.backupkit.spi.RowCursor;
import io.backupkit.spi.SchemaModel;
import io.backupkit.spi.SchemaStatement;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.SnapshotInfo;
import io.backupkit.spi.SnapshotOptions;
import io.backupkit.spi.Store;
import io.backupkit.spi.TableModel;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backup from snapshot to committed archive. It streams: rows are rendered into a bounded
 * chunk buffer, each full chunk becomes one archive entry, and the archive goes straight to the
 * store. Media files, listed when the snapshot opens, are streamed after the SQL entries. On any
 * failure the upload is aborted, so nothing partial is ever listed.
 */
public final class BackupRun {

    private static final Logger LOG = LoggerFactory.getLogger(BackupRun.class);
    private static final byte[] ROW_SEPARATOR = "),\n(".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] STATEMENT_END = ");\n".getBytes(StandardCharsets.US_ASCII);

    /**
     * What a run needs.
     *
     * @param dataSource     the database
     * @param dialect        its dialect
     * @param store          where the archive goes
     * @param options        tuning
     * @param redaction      redaction rules
     * @param listener       the service-wide progress listener
     * @param clock          time source
     * @param libraryVersion recorded in the manifest
     * @param mediaSource    media copied into each backup, or {@code null} for none
     * @param ageRecipients  age recipients to encrypt to; empty for a plain archive
     * @param signingKey     Ed25519 key that signs the backup statement, or null
     */
    public record Config(DataSource dataSource, Dialect dialect, Store store, BackupOptions options,
                         RedactionRules redaction, ProgressListener listener, Clock clock, String libraryVersion,
                         MediaSource mediaSource, List<String> ageRecipients, PrivateKey signingKey) {
        public Config {
            ageRecipients = List.copyOf(ageRecipients);
            Objects.requireNonNull(dataSource, "dataSource");
            Objects.requireNonNull(dialect, "dialect");
            Objects.requireNonNull(store, "store");
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(redaction, "redaction");
            Objects.requireNonNull(listener, "listener");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(libraryVersion, "libraryVersion");
        }

        /** The same configuration reporting progress to {@code progress} instead of the service's listener. */
        public Config withListener(ProgressListener progress) {
            return new Config(dataSource, dialect, store, options, redaction, progress, clock, libraryVersion,
                    mediaSource, ageRecipients, signingKey);
        }

        /**
         * The configuration of a {@code pre-restore} safety backup: no media and no redaction, so
         * that undoing a restore brings back exactly the live data (a redacted safety backup would
         * replace password hashes and secrets on undo). Encryption and signing stay as configured.
         */
        public Config forSafetyBackup() {
            return new Config(dataSource, dialect, store, options, RedactionRules.none(), listener, clock,
                    libraryVersion, null, ageRecipients, signingKey);
        }
    }

    private final Config config;
    private final BackupRequest request;
    private final String id;
    private final Instant createdAt;
    private final String archiveName;
    private final List<TableSummary> tableSummaries = new ArrayList<>();
    private ArchivePipeline pipeline;
    private ByteBuf chunk;
    private int entrySequence;
    private long rowsDone;
    private long rowsTotal;
    private ArchiveWriter archive;
    private boolean listenerFailed;
    /** Bytes handed to the archive before compression: SQL entries and listed media sizes. */
    private long contentBytes;

    private BackupRun(Config config, BackupRequest request) {
        this.config = config;
        this.request = request;
        this.createdAt = config.clock().instant();
        this.id = BackupIds.newId(createdAt);
        this.archiveName = id + config.options().compression().algorithm().extension()
                + (config.ageRecipients().isEmpty() ? "" : ArchiveLayout.AGE_SUFFIX);
    }

    /** Takes one backup and returns its manifest once the archive and its sidecar are committed. */
    public static BackupManifest run(Config config, BackupRequest request) {
        BackupRun run = new BackupRun(config, request);
        // Every log line of the run, ours and the dialect's, carries the backup id.
        try (LogContext context = LogContext.backup(run.id)) {
            return run.run();
        }
    }

    private BackupManifest run() {
        if (config.redaction().requiresEncryption() && config.ageRecipients().isEmpty()) {
            throw new BackupException("backup " + id + ": the " + config.redaction().profile() + " profile keeps "
                    + "password hashes and must be encrypted: configure encryptTo(age recipients)");
        }
        long started = System.nanoTime();
        Dialect dialect = config.dialect();
        LOG.info("backup {}: starting ({} database, store {})", id, dialect.name(), config.store().description());
        report(Phase.SNAPSHOT, null);
        Snapshot snapshot = openSnapshot();
        Store.Upload upload = null;
        boolean snapshotOpen = true;
        try {
            // Listed as soon as the snapshot exists, so the media match the data: files created
            // later are not included.
            List<MediaObject> media = listMedia();
            checkEstimate(snapshot, media); // before any row is counted or byte written
            SnapshotInfo info = snapshot.info();
            info.warnings().forEach(w -> LOG.warn("backup {}: {}", id, w));
            SchemaModel schema = snapshot.schema();
            RedactionPlan redaction = RedactionPlan.of(config.redaction(), schema);
            List<TableModel> tables = schema.tables().stream().filter(t -> !redaction.excludes(t.name())).toList();
            BackupPlan plan = TablePlanner.plan(tables);
            Map<String, TableModel> byName = new LinkedHashMap<>();
            tables.forEach(t -> byName.put(t.name(), t));
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String table : plan.tableOrder()) {
                counts.put(table, countRows(snapshot, byName.get(table)));
            }
            rowsTotal = counts.values().stream().mapToLong(Long::longValue).sum();
            report(Phase.PLAN, null);

            upload = openUpload(archiveName);
            Store.Upload opened = upload;
            archive = storage(() -> new ArchiveWriter(SizeLimiter.limit(opened.stream(),
                    config.options().limits().maxArchiveBytes()), config.options().compression(),
                    info.snapshotAt(), config.ageRecipients()));
            pipeline = new ArchivePipeline(archive, config.options().chunkBytes() + config.options().chunkBytes() / 8,
                    "backupkit-archive-" + id);
            chunk = pipeline.buffer();

            List<SchemaStatement> preData = redaction.keep(schema.preData());
            List<SchemaStatement> postData = redaction.keep(schema.postData());
            List<SchemaStatement> finish = redaction.keep(schema.finish());
            writeStatements("schema", ManifestEntry.Kind.SCHEMA, preData);
            for (String table : plan.tableOrder()) {
                writeTable(snapshot, byName.get(table), redaction, counts.get(table));
            }
            closeSnapshot(snapshot);
            snapshotOpen = false;

            report(Phase.FINISH, null);
            writeStatements("post-data", ManifestEntry.Kind.POST_DATA, postData);
            writeStatements("finish", ManifestEntry.Kind.FINISH, finish);
            for (MediaObject object : media) {
                report(Phase.MEDIA, object.name());
                countContent(Math.max(0, object.size()));
                storage(() -> {
                    pipeline.submitMedia(ArchiveLayout.MEDIA_PREFIX + object.name(), config.mediaSource(), object);
                    return null;
                });
                checkInterrupted();
            }
            List<ManifestEntry> entries = storage(pipeline::finish);
            if (!pipeline.mediaMissing().isEmpty() || !pipeline.mediaChanged().isEmpty()) {
                LOG.warn("backup {}: {} media files were deleted and {} changed length after they were listed",
                        id, pipeline.mediaMissing().size(), pipeline.mediaChanged().size());
            }
            BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT_VERSION, id, createdAt,
                    info.snapshotAt(), new SourceInfo(dialect.name(), info.databaseVersion(), info.properties()),
                    config.libraryVersion(), fingerprint(preData, postData), config.options().compression(), plan,
                    tableSummaries, schemaObjects(preData, postData, finish), entries, redaction.records(),
                    labels(), info.warnings(), pipeline.mediaMissing(), pipeline.mediaChanged());
            byte[] manifestJson = Json.write(manifest);
            storage(() -> archive.addEntry(ArchiveLayout.MANIFEST, manifestJson, manifestJson.length));
            storage(() -> {
                archive.finish();
                return null;
            });

            report(Phase.COMMIT, null);
            // The last moment a cancellation (an interrupt) is honoured: past here the backup is stored.
            checkInterrupted();
            Store.Upload archiveUpload = upload;
            storage(() -> {
                archiveUpload.commit();
                return null;
            });
            upload = null;
            commitSidecar(manifest, manifestJson, Sha256.of(manifestJson, 0, manifestJson.length),
                    Duration.ofMillis(Duration.ofNanos(System.nanoTime() - started).toMillis()));
            report(Phase.DONE, null);
            LOG.info("backup {}: done, {} tables, {} rows, {} bytes in {} ms", id, tableSummaries.size(), rowsDone,
                    archive.bytesWritten(), Duration.ofNanos(System.nanoTime() - started).toMillis());
            return manifest;
        } catch (RuntimeException | Error e) {
            if (pipeline != null) {
                pipeline.abandon();
            }
            if (archive != null) {
                archive.abandon();
            }
            if (upload != null) {
                upload.abort();
            }
            LOG.warn("backup {}: failed, nothing was stored: {}", id, e.getMessage());
            throw e;
        } finally {
            if (snapshotOpen) {
                closeSnapshot(snapshot);
            }
        }
    }

    private Snapshot openSnapshot() {
        try {
            return config.dialect().openSnapshot(config.dataSource(),
                    new SnapshotOptions(config.options().lockTimeout(), config.options().tempDirectory()));
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new SnapshotException("backup " + id + ": could not open a snapshot of the database: "
                    + e.getMessage(), e);
        }
    }

    private List<MediaObject> listMedia() {
        MediaSource source = config.mediaSource();
        if (source == null) {
            return List.of();
        }
        List<MediaObject> media;
        try {
            media = source.list();
        } catch (IOException | RuntimeException e) {
            if (interrupted(e)) {
                throw cancelled(e);
            }
            throw new BackupException("backup " + id + ": listing media source " + source.description()
                    + " failed: " + e, e);
        }
        Set<String> names = new HashSet<>();
        for (MediaObject object : media) {
            if (!names.add(object.name())) {
                throw new BackupException("backup " + id + ": media source " + source.description()
                        + " listed '" + object.name() + "' twice", null);
            }
        }
        LOG.info("backup {}: {} media files listed in {}", id, media.size(), source.description());
        return media;
    }

    private void closeSnapshot(Snapshot snapshot) {
        try {
            snapshot.close();
        } catch (Exception e) {
            LOG.warn("backup {}: closing the snapshot failed: {}", id, e.toString());
        }
    }

    private long countRows(Snapshot snapshot, TableModel table) {
        try {
            return snapshot.countRows(table);
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new SnapshotException("backup " + id + ": counting rows of table '" + table.name() + "' failed: "
                    + e.getMessage(), e);
        }
    }

    private Store.Upload openUpload(String name) {
        try {
            return config.store().upload(name);
        } catch (IOException | RuntimeException e) {
            if (interrupted(e)) {
                throw cancelled(e);
            }
            throw new StorageException("backup " + id + ": cannot write to store " + config.store().description()
                    + ": " + e, e);
        }
    }

    private void writeStatements(String label, ManifestEntry.Kind kind, List<SchemaStatement> statements) {
        if (statements.isEmpty()) {
            return;
        }
        chunk.clear();
        for (SchemaStatement statement : statements) {
            chunk.write(statement.sql());
            chunk.write(";\n");
        }
        flushChunk(ArchiveLayout.sqlEntryName(entrySequence, label), kind, null, 0);
    }

    private void writeTable(Snapshot snapshot, TableModel table, RedactionPlan redaction, long expectedRows) {
        int columns = table.columns().size();
        Redactor[] redactors = redaction.redactorsFor(table);
        Set<Integer> raw = new HashSet<>();
        for (int i = 0; i < columns; i++) {
            if (redactors[i] != null) {
                raw.add(i);
            }
        }
        int[][] runs = runs(redactors);
        byte[] insertPrefix = insertPrefix(table);
        int batchRows = config.options().insertBatchRows();
        int batchBytes = config.options().insertBatchBytes();
        int chunkBytes = config.options().chunkBytes();
        Dialect dialect = config.dialect();
        long tableRows = 0;
        long chunkRows = 0;
        int chunkIndex = 0;
        chunk.clear();
        report(Phase.DATA, table.name());
        // Rows rendered by the dialect alone can be rendered again from the staged database at
        // restore and compared; redacted values and virtual tables cannot.
        java.util.zip.CRC32C content = raw.isEmpty() && table.kind() == TableModel.Kind.TABLE
                ? new java.util.zip.CRC32C() : null;
        try (RowCursor cursor = snapshot.openRows(table, Set.copyOf(raw))) {
            int rowsInStatement = 0;
            int statementStart = 0;
            while (cursor.next()) {
                if (rowsInStatement == 0) {
                    statementStart = chunk.length();
                    chunk.write(insertPrefix);
                } else {
                    chunk.write(ROW_SEPARATOR);
                }
                for (int r = 0; r < runs.length; r++) {
                    if (r > 0) {
                        chunk.write(',');
                    }
                    int from = runs[r][0];
                    int to = runs[r][1];
                    Redactor redactor = redactors[from];
                    if (redactor == null) {
                        byte[] literals = cursor.literals(from, to);
                        chunk.write(literals);
                        if (content != null) {
                            ContentChecksum.addRow(content, literals);
                        }
                    } else {
                        Object value = redactor.redact(table.name(), table.columns().get(from).name(),
                                cursor.value(from));
                        chunk.write(dialect.literal(value));
                    }
                }
                rowsInStatement++;
                tableRows++;
                chunkRows++;
                if (rowsInStatement >= batchRows || chunk.length() - statementStart >= batchBytes) {
                    chunk.write(STATEMENT_END);
                    rowsDone += rowsInStatement;
                    rowsInStatement = 0;
                    requireWithinBackupLimit(contentBytes + chunk.length());
                    if (chunk.length() >= chunkBytes) {
                        flushChunk(ArchiveLayout.dataEntryName(entrySequence, table.name(), chunkIndex++),
                                ManifestEntry.Kind.DATA, table.name(), chunkRows);
                        chunkRows = 0;
                    }
                    checkInterrupted();
                    report(Phase.DATA, table.name());
                }
            }
            if (rowsInStatement > 0) {
                chunk.write(STATEMENT_END);
                rowsDone += rowsInStatement;
            }
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new SnapshotException("backup " + id + ": reading table '" + table.name() + "' failed after "
                    + tableRows + " rows: " + e.getMessage(), e);
        }
        if (chunk.length() > 0) {
            flushChunk(ArchiveLayout.dataEntryName(entrySequence, table.name(), chunkIndex++),
                    ManifestEntry.Kind.DATA, table.name(), chunkRows);
        }
        if (tableRows != expectedRows) {
            throw new SnapshotException("backup " + id + ": table '" + table.name() + "' had " + expectedRows
                    + " rows when counted but " + tableRows + " when read; the snapshot was not consistent", null);
        }
        tableSummaries.add(new TableSummary(table.name(), tableRows, chunkIndex,
                table.columns().stream().map(c -> c.name()).toList(), table.primaryKey(),
                content == null ? null : ContentChecksum.format(content)));
        report(Phase.DATA, table.name());
    }

    /**
     * Splits the columns into runs: each redacted column alone, and maximal stretches of literal
     * columns between them, which the dialect renders in one call.
     */
    static int[][] runs(Redactor[] redactors) {
        List<int[]> runs = new ArrayList<>();
        int start = 0;
        for (int c = 0; c < redactors.length; c++) {
            if (redactors[c] != null) {
                if (c > start) {
                    runs.add(new int[] {start, c});
                }
                runs.add(new int[] {c, c + 1});
                start = c + 1;
            }
        }
        if (start < redactors.length) {
            runs.add(new int[] {start, redactors.length});
        }
        return runs.toArray(new int[0][]);
    }

    private byte[] insertPrefix(TableModel table) {
        Dialect dialect = config.dialect();
        StringBuilder sql = new StringBuilder("INSERT INTO ").append(dialect.quoteIdentifier(table.name())).append(" (");
        for (int i = 0; i < table.columns().size(); i++) {
            if (i > 0) {
                sql.append(',');
            }
            sql.append(dialect.quoteIdentifier(table.columns().get(i).name()));
        }
        return sql.append(") VALUES\n(").toString().getBytes(StandardCharsets.UTF_8);
    }

    private void flushChunk(String name, ManifestEntry.Kind kind, String table, long rows) {
        countContent(chunk.length());
        storage(() -> {
            pipeline.submit(name, kind, table, rows);
            return null;
        });
        chunk = pipeline.buffer();
        entrySequence++;
    }

    /**
     * Refuses a backup whose estimated size is over {@code maxBackupBytes} before anything is
     * written; a dialect without an estimate, or a failing estimate, leaves it to the check while
     * streaming.
     */
    private void checkEstimate(Snapshot snapshot, List<MediaObject> media) {
        long max = config.options().limits().maxBackupBytes();
        if (max == io.backupkit.SizeLimits.UNLIMITED) {
            return;
        }
        java.util.OptionalLong estimate;
        try {
            estimate = snapshot.estimatedBytes();
        } catch (Exception e) {
            LOG.warn("backup {}: the size estimate failed, the limit is checked while streaming: {}", id, e.toString());
            return;
        }
        if (estimate.isPresent()) {
            long total = estimate.getAsLong();
            for (MediaObject object : media) {
                total = saturatedAdd(total, Math.max(0, object.size()));
            }
            LOG.info("backup {}: estimated at {} bytes (limit {})", id, total, max);
            if (total > max) {
                throw new io.backupkit.LimitExceededException("backup " + id + ": ",
                        io.backupkit.LimitExceededException.Limit.BACKUP_BYTES_ESTIMATED, max, total);
            }
        }
    }

    private void countContent(long bytes) {
        contentBytes = saturatedAdd(contentBytes, bytes);
        requireWithinBackupLimit(contentBytes);
    }

    private void requireWithinBackupLimit(long bytes) {
        long max = config.options().limits().maxBackupBytes();
        if (bytes > max) {
            throw new io.backupkit.LimitExceededException("backup " + id + ": ",
                    io.backupkit.LimitExceededException.Limit.BACKUP_BYTES, max, bytes);
        }
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /** The request's labels, and {@code profile:NAME} when the rules come from a profile. */
    private List<String> labels() {
        String profile = config.redaction().profile();
        if (profile == null || request.labels().contains("profile:" + profile)) {
            return request.labels();
        }
        List<String> labels = new ArrayList<>(request.labels());
        labels.add("profile:" + profile);
        return List.copyOf(labels);
    }

    /** The largest sidecar that carries a copy of the manifest; larger manifests stay in the archive only. */
    private static final int MAX_SIDECAR_WITH_MANIFEST = 512 * 1024;

    private void commitSidecar(BackupManifest manifest, byte[] manifestJson, String manifestSha256, Duration took) {
        BackupInfo info = new BackupInfo(id, createdAt, archiveName, archive.bytesWritten(), archive.archiveSha256(),
                manifest.tables().size(), manifest.totalRows(), !config.ageRecipients().isEmpty(),
                manifest.source().dialect(), manifest.labels(), took, null);
        Sidecar.Signature signature = config.signingKey() == null ? null
                : Signatures.sign(config.signingKey(), info, manifestSha256);
        // Encrypted backups keep their manifest (schema, table names, counts) inside the encryption.
        byte[] json = Json.write(new Sidecar(Sidecar.VERSION, info, signature, null, info.encrypted() ? null
                : new String(manifestJson, java.nio.charset.StandardCharsets.UTF_8)));
        if (json.length > MAX_SIDECAR_WITH_MANIFEST) {
            json = Json.write(new Sidecar(Sidecar.VERSION, info, signature));
        }
        try (Store.Upload sidecar = config.store().upload(Sidecar.objectName(id))) {
            sidecar.stream().write(json);
            sidecar.commit();
        } catch (IOException | RuntimeException e) {
            try {
                config.store().delete(archiveName);
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (interrupted(e)) {
                throw cancelled(e);
            }
            throw new StorageException("backup " + id + ": writing the sidecar to store "
                    + config.store().description() + " failed, so the archive was removed: " + e, e);
        }
    }

    private static List<SchemaObject> schemaObjects(List<SchemaStatement> preData, List<SchemaStatement> postData,
                                                    List<SchemaStatement> finish) {
        List<SchemaObject> objects = new ArrayList<>();
        preData.forEach(s -> objects.add(new SchemaObject(ManifestEntry.Kind.SCHEMA, s.type(), s.name(), s.table(), s.sql())));
        postData.forEach(s -> objects.add(new SchemaObject(ManifestEntry.Kind.POST_DATA, s.type(), s.name(), s.table(),
                s.sql())));
        finish.forEach(s -> objects.add(new SchemaObject(ManifestEntry.Kind.FINISH, s.type(), s.name(), s.table(), s.sql())));
        return objects;
    }

    private String fingerprint(List<SchemaStatement> preData, List<SchemaStatement> postData) {
        MessageDigest digest = Sha256.newDigest();
        for (List<SchemaStatement> list : List.of(preData, postData)) {
            for (SchemaStatement s : list) {
                digest.update(s.sql().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            }
        }
        return Sha256.hex(digest.digest());
    }

    private void checkInterrupted() {
        if (Thread.currentThread().isInterrupted()) {
            throw cancelled(null);
        }
    }

    private BackupException cancelled(Throwable cause) {
        return new io.backupkit.CancelledException("backup " + id + " was cancelled; nothing was stored", cause);
    }

    /**
     * Whether a failure is really a cancellation. An interrupt that lands while this thread writes
     * to a store's {@link java.nio.channels.InterruptibleChannel} closes the channel, and surfaces
     * as an I/O failure ({@link ClosedByInterruptException}, often wrapped, without a message) that
     * must not be reported as a broken store.
     */
    private static boolean interrupted(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ClosedByInterruptException || t instanceof InterruptedIOException) {
                return true;
            }
        }
        return false;
    }

    private void report(Phase phase, String table) {
        Progress progress = new Progress(phase, table, rowsDone, rowsTotal, archive == null ? 0 : archive.bytesWritten());
        for (ProgressListener listener : List.of(config.listener(), request.listener())) {
            try {
                listener.onProgress(progress);
            } catch (RuntimeException e) {
                if (!listenerFailed) {
                    listenerFailed = true;
                    LOG.warn("backup {}: a progress listener failed; further failures are not logged", id, e);
                }
            }
        }
    }

    @FunctionalInterface
    private interface StorageAction<T> {
        T run() throws IOException;
    }

    private <T> T storage(StorageAction<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            io.backupkit.LimitExceededException limit = SizeLimiter.limitExceeded(e);
            if (limit != null) {
                throw new io.backupkit.LimitExceededException("backup " + id + ": ", limit.limit(), limit.maximum(),
                        limit.observed());
            }
            if (interrupted(e)) {
                throw cancelled(e);
            }
            if (e instanceof ArchivePipeline.MediaReadException) {
                throw new BackupException("backup " + id + ": media source " + config.mediaSource().description()
                        + ": " + e.getMessage(), e);
            }
            long written = archive == null ? 0 : archive.bytesWritten();
            throw new StorageException("backup " + id + ": writing to store " + config.store().description()
                    + " failed after " + written + " bytes: " + e.getMessage(), e);
        }
    }
}
