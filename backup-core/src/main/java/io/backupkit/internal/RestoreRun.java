package io.backupkit.internal;

import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupInfo;
import io.backupkit.BackupManifest;
import io.backupkit.BackupNotFoundException;
import io.backupkit.BackupRequest;
import io.backupkit.AfterRestore;
import io.backupkit.InvalidArchiveException;
import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.TablePreview;
import io.backupkit.TableSummary;
import io.backupkit.spi.Restorer;
import io.backupkit.spi.Staging;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Preview, restore and undo. Every path runs the same guarded sequence: verify every checksum,
 * check the dialect and the schema statements, rebuild the backup into a staging database through
 * the dialect's strict parser, check the staging database, and only then compare (preview) or swap
 * it in (restore). The live database is untouched until the swap.
 */
public final class RestoreRun {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreRun.class);
    private static final DateTimeFormatter MINUTES =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

    /** How dialects start a foreign-key problem line, so that it can be tolerated on request. */
    private static final String FK_PROBLEM = "foreign_key_check";

    private final BackupRun.Config config;
    private final BackupCatalog catalog;

    /** A run over a service's configuration and catalog. */
    public RestoreRun(BackupRun.Config config, BackupCatalog catalog) {
        this.config = config;
        this.catalog = catalog;
    }

    /** What restoring {@code id} would change; writes nothing to the live database or the store. */
    public RestorePreview preview(String id) {
        try (LogContext context = LogContext.backup(id)) {
            return previewInContext(id);
        }
    }

    private RestorePreview previewInContext(String id) {
        BackupManifest manifest = verified(id);
        Restorer restorer = restorer();
        restorer.validateSchema(manifest);
        java.util.Optional<io.backupkit.spi.StreamingPreview> streaming = java.util.Optional.empty();
        try {
            streaming = restorer.streamingPreview(config.dataSource(), manifest, config.options().tempDirectory());
        } catch (Exception e) {
            if (Thread.currentThread().isInterrupted()) {
                throw new BackupException("previewing backup " + id + " failed: " + e.getMessage(), e);
            }
            LOG.warn("previewing backup {} by streaming failed; staging it instead", id, e);
        }
        if (streaming.isPresent()) {
            try (io.backupkit.spi.StreamingPreview merge = streaming.get()) {
                catalog.forEachEntry(manifest.id(), manifest, merge::load);
                report(Phase.COMPARE, manifest);
                List<TablePreview> tables = new ArrayList<>(merge.finish());
                RestorePreview preview = buildPreview(manifest, tables, merge.liveSchema(), merge.liveSchemaVersion());
                report(Phase.DONE, manifest);
                return preview;
            } catch (io.backupkit.spi.StreamingPreview.Unsuitable e) {
                // Thrown as it is only from an intact entry (a damaged one is reported as damaged).
                LOG.info("backup {} does not suit a streaming preview ({}); staging it instead", id, e.getMessage());
                report(Phase.STAGE, manifest); // the staging reads the archive again from its start
            } catch (BackupException e) {
                throw e;
            } catch (Exception e) {
                throw new BackupException("previewing backup " + id + " failed: " + e.getMessage(), e);
            }
        }
        try (Staged staged = stage(restorer, manifest, false, true, false)) {
            Staging staging = staged.staging();
            report(Phase.COMPARE, manifest);
            List<TablePreview> tables = new ArrayList<>(staging.compareWithLive());
            Map<String, List<String>> live = staging.liveSchema();
            String liveVersion = staging.liveSchemaVersion();
            RestorePreview preview = buildPreview(manifest, tables, live, liveVersion);
            report(Phase.DONE, manifest);
            return preview;
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new BackupException("previewing backup " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** Merges the selected tables or rows of {@code id} into the live database. */
    public io.backupkit.SelectiveRestoreResult restoreSelected(String id, io.backupkit.Selection selection) {
        try (LogContext context = LogContext.backup(id)) {
            return restoreSelectedInContext(id, selection);
        }
    }

    private io.backupkit.SelectiveRestoreResult restoreSelectedInContext(String id, io.backupkit.Selection selection) {
        BackupManifest manifest = verified(id);
        for (String table : selection.tables()) {
            requireTable(manifest, table);
        }
        selection.rows().keySet().forEach(t -> requireTable(manifest, t));
        if (!manifest.redactions().isEmpty() && !selection.allowRedacted()) {
            throw new BackupException("backup " + id + " is redacted (" + describeRedactions(manifest)
                    + "): merging from it would put those placeholders into the live data; allow it explicitly "
                    + "with Selection.allowRedacted(true) (CLI: --allow-redacted)");
        }
        Restorer restorer = restorer();
        restorer.validateSchema(manifest);
        try (Staged staged = stage(restorer, manifest, false, true, true)) {
            requireSameContent(manifest, staged.contentCheck());
            Staging staging = staged.staging();
            io.backupkit.SelectiveRestoreResult result = staging.mergeIntoLive(config.dataSource(), selection);
            LOG.info("selective restore of {}: {} rows considered", id, result.rows().size());
            if (selection.mediaKeys() != null) {
                result = result.withMedia(selectedMedia(manifest, selection, result));
            }
            return result;
        } catch (BackupException e) {
            throw e;
        } catch (Exception e) {
            throw new BackupException("selective restore of backup " + id + " failed; nothing was changed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * The media files of the merged rows, as the host's mapping names them: the missing ones are
     * put back (never replaced, never deleted). The rows are merged already, so a failure here is
     * reported in the result, not thrown.
     */
    private io.backupkit.MediaRestoreResult selectedMedia(BackupManifest manifest, io.backupkit.Selection selection,
                                                         io.backupkit.SelectiveRestoreResult merged) {
        java.util.Set<String> wanted;
        try {
            wanted = java.util.Set.copyOf(selection.mediaKeys().apply(merged));
        } catch (RuntimeException e) {
            LOG.warn("selective restore of {}: the host's media mapping failed: {}", manifest.id(), e.toString());
            return new io.backupkit.MediaRestoreResult(List.of(), 0, List.of(),
                    List.of("*: the media mapping failed: " + e.getClass().getName()), 0);
        }
        if (wanted.isEmpty()) {
            return io.backupkit.MediaRestoreResult.NONE;
        }
        try {
            io.backupkit.MediaRestoreResult restored = MediaRestorer.restore(catalog, manifest, config.mediaSource(),
                    io.backupkit.MediaRestoreMode.MISSING_ONLY, config.options().tempDirectory(), wanted::contains);
            java.util.Set<String> inBackup = new java.util.HashSet<>();
            manifest.entries().stream().filter(e -> e.kind() == io.backupkit.ManifestEntry.Kind.MEDIA)
                    .forEach(e -> inBackup.add(e.name().substring(ArchiveLayout.MEDIA_PREFIX.length())));
            List<String> failed = new ArrayList<>(restored.failed());
            wanted.stream().filter(name -> !inBackup.contains(name)).sorted()
                    .forEach(name -> failed.add(name + ": not in the backup"));
            return new io.backupkit.MediaRestoreResult(restored.restored(), restored.unchanged(), restored.conflicts(),
                    failed, restored.bytes());
        } catch (RuntimeException e) {
            LOG.warn("selective restore of {}: putting media back failed: {}", manifest.id(), e.getMessage());
            return new io.backupkit.MediaRestoreResult(List.of(), 0, List.of(), List.of("*: " + e.getMessage()), 0);
        }
    }

    private static void requireTable(BackupManifest manifest, String table) {
        if (manifest.tables().stream().noneMatch(t -> t.name().equals(table))) {
            throw new BackupException("backup " + manifest.id() + " has no table '" + table + "'");
        }
    }

    /** Restores {@code id} over the live database. */
    public RestoreResult restore(String id, RestoreOptions options) {
        return restore(id, options, RestoreOptions.PRE_RESTORE_LABEL);
    }

    /** Brings back the newest {@code pre-restore} safety backup. */
    public RestoreResult undoLastRestore(RestoreOptions options) {
        BackupInfo last = catalog.list().stream()
                .filter(b -> b.labels().contains(RestoreOptions.PRE_RESTORE_LABEL))
                .max(Comparator.comparing(BackupInfo::id))
                .orElseThrow(() -> new BackupNotFoundException("there is no restore to undo: no backup labelled "
                        + RestoreOptions.PRE_RESTORE_LABEL + " in " + config.store().description()));
        LOG.info("undoing the last restore by restoring safety backup {}", last.id());
        return restore(last.id(), options, "pre-undo");
    }

    private RestoreResult restore(String id, RestoreOptions options, String safetyLabel) {
        try (LogContext context = LogContext.backup(id)) {
            return restoreInContext(id, options, safetyLabel);
        }
    }

    private RestoreResult restoreInContext(String id, RestoreOptions options, String safetyLabel) {
        long started = System.nanoTime();
        BackupManifest manifest = verified(id);
        Restorer restorer = restorer();
        restorer.validateSchema(manifest);
        boolean callback = options.afterRestore() != AfterRestore.none();
        try (Staged staged = stage(restorer, manifest, true, options.allowForeignKeyViolations(),
                options.verifyContent())) {
            Staging staging = staged.staging();
            String liveVersion = staging.liveSchemaVersion();
            String backupVersion = manifest.source().properties().getOrDefault("user_version", "0");
            String appVersion = options.appSchemaVersion() != null ? String.valueOf(options.appSchemaVersion())
                    : liveVersion;
            if (!options.allowNewerSchema() && appVersion != null && parse(backupVersion) > parse(appVersion)) {
                throw new BackupException("backup " + id + " has schema version " + backupVersion
                        + ", newer than the application's " + appVersion + "; upgrade the application first, or "
                        + "allow it with RestoreOptions.allowNewerSchema(true)");
            }
            if (!manifest.redactions().isEmpty() && liveVersion != null && !options.allowRedacted()) {
                throw new BackupException("backup " + id + " is redacted (" + describeRedactions(manifest)
                        + "): restoring it over the live data would lose or mask those values; allow it "
                        + "explicitly with RestoreOptions.allowRedacted(true) (CLI: --allow-redacted)");
            }
            if (callback) {
                // the backed-up content is checked before the callback changes it
                requireSameContent(manifest, staged.contentCheck());
                List<String> problems = staging.runOnStaged(options.afterRestore(), manifest);
                if (!problems.isEmpty()) {
                    throw new BackupException("backup " + id + ": the after-restore callback left an unsound database: "
                            + String.join("; ", problems));
                }
            }
            // Without a callback the content check, started once the data was committed, goes on
            // while the safety backup reads the live database: two independent reads of two files.
            String safetyId = safetyBackup(id, manifest, options, liveVersion, safetyLabel);
            try {
                requireSameContent(manifest, staged.contentCheck());
            } catch (RuntimeException e) {
                if (safetyId != null) {
                    catalog.delete(safetyId);
                }
                throw e;
            }
            Duration pause;
            try {
                // A job's cancel() is refused from the SWAP report on; one that came before it has
                // interrupted this thread, and the restore stops here with the live database unchanged.
                report(Phase.SWAP, manifest);
                requireNotCancelled(id);
                pause = staging.swapIntoLive(options.writeGate(), options.maxWritePause());
            } catch (Exception | Error e) {
                if (safetyId != null) {
                    // No restore happened, so nothing is to be undone; a listed pre-restore backup
                    // would make undoLastRestore() roll back writes made since.
                    boolean interrupted = Thread.interrupted();
                    try {
                        catalog.delete(safetyId);
                    } catch (RuntimeException cleanup) {
                        e.addSuppressed(cleanup);
                    } finally {
                        if (interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                }
                throw e;
            }
            io.backupkit.MediaRestoreResult media = io.backupkit.MediaRestoreResult.NONE;
            try {
                media = MediaRestorer.restore(catalog, manifest, config.mediaSource(), options.mediaRestore(),
                        config.options().tempDirectory());
            } catch (RuntimeException e) {
                // The database restore stands; the media can still be taken from the archive.
                LOG.warn("restore of {}: putting media back failed: {}", id, e.getMessage());
                media = new io.backupkit.MediaRestoreResult(List.of(), 0, List.of(), List.of("*: " + e.getMessage()), 0);
            }
            Duration total = Duration.ofNanos(System.nanoTime() - started);
            LOG.info("restore of {}: done in {} ms, writes held for {} ms", id, total.toMillis(), pause.toMillis());
            report(Phase.DONE, manifest);
            return new RestoreResult(id, safetyId, manifest.totalRows(), pause, total, media);
        } catch (BackupException e) {
            LOG.warn("restore of {} failed; the live database was not changed: {}", id, e.getMessage());
            throw e;
        } catch (Exception e) {
            LOG.warn("restore of {} failed: {}", id, e.toString());
            throw new BackupException("restoring backup " + id + " failed: " + e.getMessage(), e);
        }
    }

    /** Takes the {@code pre-restore} safety backup when asked and there is a live database; its id, or null. */
    private String safetyBackup(String id, BackupManifest manifest, RestoreOptions options, String liveVersion,
                                String safetyLabel) {
        String safetyId = null;
        if (options.safetyBackup() && liveVersion != null) {
            requireNotCancelled(id);
            ProgressListener outer = config.listener();
            // The safety backup's own phases are reported as one SAFETY_BACKUP phase, so that a
            // listener never sees a DONE before the restore is done.
            ProgressListener mapped = p -> outer.onProgress(new Progress(Phase.SAFETY_BACKUP, p.table(),
                    p.rowsDone(), p.rowsTotal(), p.bytesWritten()));
            report(Phase.SAFETY_BACKUP, manifest);
            safetyId = BackupRun.run(config.forSafetyBackup().withListener(mapped),
                    BackupRequest.labelled(safetyLabel)).id();
            LOG.info("restore of {}: safety backup {} taken", id, safetyId);
        }
        return safetyId;
    }

    private static void requireNotCancelled(String id) {
        if (Thread.currentThread().isInterrupted()) {
            throw new io.backupkit.CancelledException("restore of backup " + id
                    + " was cancelled; the live database was not changed");
        }
    }

    private void report(Phase phase, BackupManifest manifest) {
        long rows = manifest.totalRows();
        try {
            config.listener().onProgress(new Progress(phase, null, rows, rows, 0));
        } catch (RuntimeException e) {
            LOG.warn("a progress listener failed: {}", e.toString());
        }
    }

    /** Removes what restores killed mid-way left beside the live database; a failure here stops nothing. */
    private void cleanUpAbandonedStaging(Restorer restorer) {
        try {
            int removed = restorer.cleanUpAbandonedStaging(config.dataSource());
            if (removed > 0) {
                LOG.info("removed {} staging files left by interrupted restores", removed);
            }
        } catch (Exception e) {
            LOG.warn("could not look for staging files left by interrupted restores: {}", e.toString());
        }
    }

    private static long parse(String version) {
        try {
            return Long.parseLong(version.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private BackupManifest verified(String id) {
        BackupManifest manifest = catalog.manifestForStreaming(id);
        if (!manifest.source().dialect().equals(config.dialect().name())) {
            throw new InvalidArchiveException("backup " + id + " is a " + manifest.source().dialect()
                    + " backup; this service restores " + config.dialect().name() + " databases");
        }
        return manifest;
    }

    private Restorer restorer() {
        return config.dialect().restorer().orElseThrow(() -> new BackupException("the "
                + config.dialect().name() + " dialect cannot restore"));
    }

    /**
     * A loaded staging and its content check, which may still be running: closing waits for the
     * check's readers before the staging (and its file) goes.
     */
    private record Staged(Staging staging, ContentChecksum.Running contentCheck) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            try {
                contentCheck.abandon();
            } finally {
                staging.close();
            }
        }
    }

    /**
     * Loads the archive into a new staging and runs its checks. With {@code checkContent}, the
     * content check starts as soon as the data is committed and runs beside the staging's own
     * checks; the caller collects it with {@code contentCheck().await()}.
     */
    private Staged stage(Restorer restorer, BackupManifest manifest, boolean besideLive, boolean allowFkViolations,
                         boolean checkContent) throws Exception {
        cleanUpAbandonedStaging(restorer);
        Staging staging = restorer.openStaging(config.dataSource(), manifest, besideLive,
                config.options().tempDirectory());
        ContentChecksum.Running content = ContentChecksum.none();
        try {
            catalog.forEachEntry(manifest.id(), manifest, staging::load);
            report(Phase.CHECK, manifest);
            staging.commitLoaded();
            if (checkContent) {
                content = ContentChecksum.start(staging, manifest);
            }
            List<String> problems = new ArrayList<>(staging.complete());
            if (allowFkViolations) {
                problems.removeIf(problem -> problem.startsWith(FK_PROBLEM));
            }
            if (!problems.isEmpty()) {
                if (problems.stream().anyMatch(problem -> problem.startsWith(FK_PROBLEM))) {
                    problems.add("if the application runs with foreign keys off and the orphans are expected, "
                            + "allow them with RestoreOptions.allowForeignKeyViolations(true)");
                }
                throw new InvalidArchiveException("backup " + manifest.id() + " does not rebuild a sound database: "
                        + String.join("; ", problems));
            }
            return new Staged(staging, content);
        } catch (Exception | Error e) {
            try {
                content.abandon();
                staging.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Throws when the content check found the staged tables different from the manifest's checksums. */
    private static void requireSameContent(BackupManifest manifest, ContentChecksum.Running check) {
        List<String> problems = check.await();
        if (!problems.isEmpty()) {
            throw new InvalidArchiveException("backup " + manifest.id() + " does not rebuild a sound database: "
                    + String.join("; ", problems));
        }
    }

    private static RestorePreview buildPreview(BackupManifest manifest, List<TablePreview> tables,
                                               Map<String, List<String>> live, String liveVersion) {
        Map<String, List<String>> backup = new LinkedHashMap<>();
        for (TableSummary t : manifest.tables()) {
            backup.put(t.name(), t.columns());
        }
        List<String> onlyLive = live.keySet().stream().filter(t -> !backup.containsKey(t)).sorted().toList();
        List<String> onlyBackup = backup.keySet().stream().filter(t -> !live.containsKey(t)).sorted().toList();
        List<String> columnChanges = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : backup.entrySet()) {
            List<String> liveColumns = live.get(e.getKey());
            if (liveColumns == null) {
                continue;
            }
            Set<String> added = new TreeSet<>(liveColumns);
            e.getValue().forEach(added::remove);
            Set<String> removed = new TreeSet<>(e.getValue());
            liveColumns.forEach(removed::remove);
            added.remove("rowid");
            removed.remove("rowid");
            if (!added.isEmpty() || !removed.isEmpty()) {
                columnChanges.add(e.getKey() + ": " + added.stream().map(c -> "-" + c + " (live only)")
                        .collect(Collectors.joining(", ")) + (added.isEmpty() || removed.isEmpty() ? "" : ", ")
                        + removed.stream().map(c -> "+" + c + " (backup only)").collect(Collectors.joining(", ")));
            }
        }
        Instant now = Instant.now();
        Duration age = Duration.between(manifest.snapshotAt(), now);
        String backupVersion = manifest.source().properties().getOrDefault("user_version", "0");
        List<String> warnings = new ArrayList<>();
        if (!manifest.redactions().isEmpty()) {
            warnings.add("This backup is redacted (" + describeRedactions(manifest) + "): restoring it over the live "
                    + "data loses or masks those values, and needs an explicit allowRedacted.");
        }
        String summary = summary(manifest, tables, onlyLive, age);
        if (!warnings.isEmpty()) {
            summary = summary + " Warning: " + String.join(" ", warnings);
        }
        return new RestorePreview(manifest.id(), manifest.snapshotAt(), age.isNegative() ? Duration.ZERO : age, tables,
                onlyLive, onlyBackup, columnChanges, backupVersion, liveVersion == null ? "" : liveVersion,
                summary, warnings, manifest.redactions());
    }

    /** A short list of what a backup redacted: names and actions, never values. */
    static String describeRedactions(BackupManifest manifest) {
        List<String> parts = manifest.redactions().stream().limit(8)
                .map(r -> (r.column() == null ? r.table() : r.table() + "." + r.column()) + " " + r.action())
                .collect(Collectors.toList());
        if (manifest.redactions().size() > 8) {
            parts.add("and " + (manifest.redactions().size() - 8) + " more");
        }
        return String.join(", ", parts);
    }

    static String summary(BackupManifest manifest, List<TablePreview> tables, List<String> onlyLive, Duration age) {
        String when = MINUTES.format(manifest.snapshotAt()) + " (" + humanAge(age) + " ago)";
        List<TablePreview> lost = tables.stream().filter(t -> t.lostRows() > 0).toList();
        long changed = tables.stream().mapToLong(TablePreview::changedRows).sum();
        long added = tables.stream().mapToLong(TablePreview::addedRows).sum();
        if (lost.isEmpty() && changed == 0 && added == 0 && onlyLive.isEmpty()) {
            return "Restoring changes nothing: the live data equals the backup of " + when + ".";
        }
        StringBuilder s = new StringBuilder("Restoring the backup of ").append(when).append(" will ");
        List<String> parts = new ArrayList<>();
        if (!lost.isEmpty()) {
            parts.add("remove " + lost.stream().map(t -> t.lostRows() + " " + t.table()).collect(Collectors.joining(", ")));
        }
        if (changed > 0) {
            parts.add("revert " + changed + " changed rows");
        }
        if (added > 0) {
            parts.add("bring back " + added + " deleted rows");
        }
        if (!onlyLive.isEmpty()) {
            parts.add("drop the tables " + String.join(", ", onlyLive));
        }
        return s.append(String.join(", ", parts)).append('.').toString();
    }

    static String humanAge(Duration age) {
        long minutes = age.toMinutes();
        if (minutes < 1) {
            return "less than a minute";
        }
        if (minutes < 120) {
            return minutes + " minutes";
        }
        long hours = age.toHours();
        if (hours < 48) {
            return hours + " hours";
        }
        return age.toDays() + " days";
    }
}
