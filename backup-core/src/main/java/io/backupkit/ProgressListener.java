package io.backupkit;

/**
 * Receives progress reports, on the thread running the backup, at every phase change and after
 * every batch of rows. Keep it quick; an exception it throws is logged and ignored.
 *
 * <pre>{@code
 * ProgressListener bar = p -> System.err.printf("\r%s %3.0f%%", p.phase(), 100 * p.fraction());
 * }</pre>
 */
@FunctionalInterface
public interface ProgressListener {

    /** Called with each report. */
    void onProgress(Progress progress);

    /** A listener that ignores every report. */
    static ProgressListener none() {
        return p -> { };
    }
}
