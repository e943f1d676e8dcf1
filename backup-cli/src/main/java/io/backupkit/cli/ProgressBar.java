package io.backupkit.cli;

import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
final class ProgressBar implements ProgressListener {

    private static final int WIDTH = 30;
    private final PrintStream err;
    private long lastDrawn;

    private ProgressBar(PrintStream err) {
        this.err = err;
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
        long now = System.nanoTime();
        if (p.phase() != Phase.DONE && now - lastDrawn < 100_000_000L) {
            return;
        }
        lastDrawn = now;
        int filled = (int) Math.round(p.fraction() * WIDTH);
        String table = p.table() == null ? "" : " " + p.table();
        if (table.length() > 30) {
            table = table.substring(0, 29) + "…";
        }
        err.printf("\r[%s%s] %3.0f%% %-8s %,d/%,d rows %,d bytes%-31s", "#".repeat(filled), " ".repeat(WIDTH - filled),
                100 * p.fraction(), p.phase().name().toLowerCase(java.util.Locale.ROOT), p.rowsDone(), p.rowsTotal(),
                p.bytesWritten(), table);
        if (p.phase() == Phase.DONE) {
            err.println();
        }
        err.flush();
    }
}
