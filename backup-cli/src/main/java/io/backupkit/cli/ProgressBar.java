package io.backupkit.cli;

import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A one-line progress bar on stderr, drawn only when stderr is a terminal: for backups, and for
 * restores, previews, undos and verifications (their phases VERIFY, STAGE, CHECK, SAFETY_BACKUP,
 * SWAP). The bar fills per phase, by rows when the phase counts rows, else by bytes.
 */
final class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;
    private final PrintStream err;
    private long lastDrawn;

    private final java.util.function.LongSupplier nanoTime;

    ProgressBar(PrintStream err) {
        this(err, System::nanoTime);
    }

    /** A bar with its own time source, for tests. */
    ProgressBar(PrintStream err, java.util.function.LongSupplier nanoTime) {
        this.err = err;
        this.nanoTime = nanoTime;
    }

    /** A bar when stderr is a terminal, otherwise a listener that prints nothing. */
    static ProgressListener forStderr() {
        return stderrIsTerminal() ? new ProgressBar(System.err) : ProgressListener.none();
    }

    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return System.console() != null;
        }
    }

    @Override
    public void onProgress(Progress p) {
        long now = nanoTime.getAsLong();
        if (p.phase() != Phase.DONE && now - lastDrawn < 100_000_000L) {
            return;
        }
        lastDrawn = now;
        int filled = (int) Math.round(p.fraction() * WIDTH);
        String table = p.table() == null ? "" : " " + p.table();
        if (table.length() > 30) {
            table = table.substring(0, 29) + "…";
        }
        String counts;
        if (p.rowsTotal() > 0) {
            counts = String.format("%,d/%,d rows", p.rowsDone(), p.rowsTotal());
        } else if (p.bytesTotal() > 0) {
            counts = String.format("%,d/%,d bytes", p.bytesWritten(), p.bytesTotal());
        } else {
            counts = String.format("%,d bytes", p.bytesWritten());
        }
        err.printf("\r[%s%s] %3.0f%% %-13s %-30s%-31s", "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * p.fraction(), p.phase().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' '), counts,
                table);
        if (p.phase() == Phase.DONE) {
            err.println();
        }
        err.flush();
    }
}
