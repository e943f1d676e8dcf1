package io.backupkit;

import java.time.Instant;

/**
 * The content of the scheduler's lease object in the store (see {@link BackupScheduler#LEASE_NAME}),
 * as JSON: who holds it, until when, and the last slot any scheduler ran for.
 *
 * @param holder     a human-readable name of the holding process, e.g. {@code 4242@app-1}
 * @param token      a random value drawn at each acquisition; it alone says whose lease it is
 * @param acquiredAt when the holder took the lease
 * @param expiresAt  when the lease lapses unless renewed; a released lease expires at release time
 * @param lastSlot   the scheduled time of the last run done under this lease, or {@code null}
 */
record SchedulerLease(String holder, String token, Instant acquiredAt, Instant expiresAt, Instant lastSlot) {
}
