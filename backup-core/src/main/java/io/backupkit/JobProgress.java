package io.backupkit;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of a {@link Job}'s progress, what a progress bar draws.
 *
 * <pre>{@code
 * JobProgress p = job.progress();
 * bar.set(p.percent(), p.phase() + (p.table() == null ? "" : " " + p.table()),
 *         p.eta() == null ? "" : "about " + p.eta().toSeconds() + " s left");
 * }</pre>
 *
 * @param phase      the current phase; {@code null} while queued
 * @param table      the table (or media file) being worked on, or {@code null}
 * @param rowsDone   rows done in the current phase (written by a backup, loaded by a restore)
 * @param rowsTotal  rows expected in the current phase (the manifest's totals for a restore); 0 when unknown
 * @param bytes      bytes written to the store (backup) or read from it (verify, restore) in this phase
 * @param percent    0 to 100 over the whole job; never goes down, and is 100 only once the job succeeded
 * @param eta        an estimate of the time left, or {@code null} when there is not enough to go on or
 *                   the job is over
 * @param startedAt  when the job started running, or {@code null} while queued
 * @param finishedAt when it reached a final state, or {@code null}
 */
public record JobProgress(Phase phase, String table, long rowsDone, long rowsTotal, long bytes, int percent,
                          Duration eta, Instant startedAt, Instant finishedAt) {
    public JobProgress {
        if (percent < 0 || percent > 100) {
            throw new IllegalArgumentException("percent must be 0 to 100 but was " + percent);
        }
    }
}
