package io.backupkit.internal;

import io.backupkit.BackupManifest;
import io.backupkit.TableSummary;
import io.backupkit.spi.ColumnModel;
import io.backupkit.spi.RowCursor;
import io.backupkit.spi.Snapshot;
import io.backupkit.spi.TableModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.CRC32C;

/**
 * Per-table content checksums: at backup, a CRC-32C over each row as the dialect rendered it (in
 * the snapshot's row order); at restore, the same over the staged database, rendered again by the
 * same dialect code. Equal checksums mean the staged tables hold exactly the backed-up values,
 * whatever the parser and the binding did in between. CRC-32C, not SHA-256: the archive's integrity
 * is already guarded by SHA-256 and the signature; this check catches a restore that stored
 * something else, at a fraction of the cost (it runs at memory speed).
 */
public final class ContentChecksum {

    private static final String PREFIX = "crc32c:";

    private ContentChecksum() {
    }

    /** Adds one rendered row (its literals, comma-separated) to a table's checksum. */
    public static void addRow(CRC32C crc, byte[] renderedRow) {
        crc.update(renderedRow);
        crc.update('\n');
    }

    /** The manifest form of a checksum. */
    public static String format(CRC32C crc) {
        return PREFIX + String.format("%08x", crc.getValue());
    }

    /**
     * A content check running on its own daemon thread, so that it reads the staged tables while the
     * caller does other work (the staging's own checks, the safety backup). The staging must stay
     * open until {@link #await()} or {@link #abandon()} has returned.
     */
    public static final class Running {
        private final java.util.concurrent.CompletableFuture<List<String>> result =
                new java.util.concurrent.CompletableFuture<>();
        private final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();

        /** The problems found; a failure of the check itself is a problem too. */
        public List<String> await() {
            try {
                return result.join();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                return List.of("the content check failed: " + cause.getMessage());
            }
        }

        /** Stops the check at its next row and waits for its readers to close, so that the staging can be. */
        public void abandon() {
            abandoned.set(true);
            result.handle((problems, failure) -> null).join();
        }
    }

    /** A check that has nothing to do. */
    public static Running none() {
        Running running = new Running();
        running.result.complete(List.of());
        return running;
    }

    /** Starts the check of every table with a content checksum on a daemon thread. */
    public static Running start(io.backupkit.spi.Staging staging, BackupManifest manifest) {
        Running running = new Running();
        Thread thread = new Thread(() -> {
            try {
                running.result.complete(verify(staging, manifest, running.abandoned::get));
            } catch (Throwable e) {
                running.result.completeExceptionally(e);
            }
        }, "backupkit-content-check-" + manifest.id());
        thread.setDaemon(true);
        thread.start();
        return running;
    }

    /**
     * Recomputes the checksum of every table of the manifest that has one on a staged database
     * (after {@link io.backupkit.spi.Staging#commitLoaded()}), through its
     * {@link io.backupkit.spi.Staging#openStagedSnapshot()}; a problem per table that differs.
     * Empty when all match, or when the dialect offers no staged snapshot.
     */
    private static List<String> verify(io.backupkit.spi.Staging staging, BackupManifest manifest,
                                       java.util.function.BooleanSupplier abandoned) throws Exception {
        List<TableSummary> checked = manifest.tables().stream().filter(t -> t.contentChecksum() != null).toList();
        if (checked.isEmpty()) {
            return List.of();
        }
        // Two readers, each with its own snapshot of the (no longer changing) staged database, take
        // the tables largest first, so that both cores render.
        int readers = Math.min(checked.size(), Math.max(1, Math.min(2, Runtime.getRuntime().availableProcessors())));
        List<List<TableSummary>> shares = new ArrayList<>();
        long[] load = new long[readers];
        for (int i = 0; i < readers; i++) {
            shares.add(new ArrayList<>());
        }
        checked.stream().sorted(java.util.Comparator.comparingLong(TableSummary::rows).reversed()).forEach(t -> {
            int least = 0;
            for (int i = 1; i < readers; i++) {
                if (load[i] < load[least]) {
                    least = i;
                }
            }
            shares.get(least).add(t);
            load[least] += Math.max(1, t.rows());
        });
        List<java.util.concurrent.CompletableFuture<List<String>>> parts = new ArrayList<>();
        for (int i = 1; i < readers; i++) {
            List<TableSummary> share = shares.get(i);
            java.util.concurrent.CompletableFuture<List<String>> part = new java.util.concurrent.CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    part.complete(verifyShare(staging, share, abandoned));
                } catch (Throwable e) {
                    part.completeExceptionally(e);
                }
            }, "backupkit-content-check-" + i);
            thread.setDaemon(true);
            thread.start();
            parts.add(part);
        }
        List<String> problems = new ArrayList<>();
        Exception first = null;
        try {
            problems.addAll(verifyShare(staging, shares.get(0), abandoned));
        } catch (Exception e) {
            first = e;
        }
        for (java.util.concurrent.CompletableFuture<List<String>> part : parts) {
            try {
                problems.addAll(part.join()); // always waited for: the staged file must outlive its readers
            } catch (java.util.concurrent.CompletionException e) {
                if (first == null) {
                    first = e.getCause() instanceof Exception cause ? cause : new Exception(e.getCause());
                }
            }
        }
        if (first != null) {
            throw first;
        }
        // report in manifest order, whichever reader found them
        List<String> names = checked.stream().map(t -> "table '" + t.name() + "'").toList();
        problems.sort(java.util.Comparator.comparingInt(p -> {
            for (int i = 0; i < names.size(); i++) {
                if (p.startsWith(names.get(i))) {
                    return i;
                }
            }
            return names.size();
        }));
        return problems;
    }

    private static List<String> verifyShare(io.backupkit.spi.Staging staging, List<TableSummary> share,
                                            java.util.function.BooleanSupplier abandoned) throws Exception {
        if (share.isEmpty()) {
            return List.of();
        }
        java.util.Optional<Snapshot> staged = staging.openStagedSnapshot();
        if (staged.isEmpty()) {
            return List.of();
        }
        try (Snapshot snapshot = staged.get()) {
            return verify(snapshot, share, abandoned);
        }
    }

    /** Recomputes the checksums of the given tables through a snapshot of the staged database; a problem per table that differs. */
    private static List<String> verify(Snapshot snapshot, List<TableSummary> checked,
                                       java.util.function.BooleanSupplier abandoned) throws Exception {
        List<String> problems = new ArrayList<>();
        if (checked.isEmpty()) {
            return problems;
        }
        {
            Map<String, TableModel> tables = new HashMap<>();
            snapshot.schema().tables().forEach(t -> tables.put(t.name(), t));
            for (TableSummary summary : checked) {
                TableModel staging = tables.get(summary.name());
                if (staging == null) {
                    problems.add("table '" + summary.name() + "' is missing from the staged database");
                    continue;
                }
                List<ColumnModel> columns = new ArrayList<>();
                for (String name : summary.columns()) {
                    int index = staging.columnIndex(name);
                    if (index < 0) {
                        problems.add("table '" + summary.name() + "': column '" + name + "' is missing from the staged database");
                        break;
                    }
                    columns.add(staging.columns().get(index));
                }
                if (columns.size() != summary.columns().size()) {
                    continue;
                }
                TableModel model = new TableModel(staging.name(), columns, staging.primaryKey(), staging.foreignKeys(),
                        staging.kind());
                CRC32C crc = new CRC32C();
                long rows = 0;
                try (RowCursor cursor = snapshot.openRows(model, Set.of())) {
                    while (cursor.next()) {
                        addRow(crc, cursor.literals(0, columns.size()));
                        if ((++rows & 1023) == 0 && abandoned.getAsBoolean()) {
                            return List.of("the content check was abandoned");
                        }
                    }
                }
                String actual = format(crc);
                if (!actual.equals(summary.contentChecksum())) {
                    problems.add("table '" + summary.name() + "': content checksum of the staged rows is " + actual
                            + " (" + rows + " rows), the manifest's is " + summary.contentChecksum());
                }
            }
        }
        return problems;
    }
}
