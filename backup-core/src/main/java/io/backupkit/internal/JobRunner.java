package io.backupkit.internal;

import io.backupkit.Actor;
import io.backupkit.BackupException;
import io.backupkit.Job;
import io.backupkit.JobKind;
import io.backupkit.Phase;
import io.backupkit.ProgressListener;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * The jobs of one service: a bounded pool of daemon threads (which time out when idle, so an
 * unused service holds none and needs no closing), the registry of live jobs, and the finished
 * jobs kept for a while so that a page reload finds them.
 */
public final class JobRunner {

    /** Jobs that may wait for a thread; one more start is refused. */
    public static final int MAX_QUEUED = 100;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final ThreadPoolExecutor executor;
    private final Map<String, TrackedJob<?>> jobs = new ConcurrentHashMap<>();
    private final Duration keepFinished;
    private final int maxFinished;
    private final Clock clock;

    /**
     * @param threads      jobs that run at once
     * @param keepFinished how long a finished job stays findable
     * @param maxFinished  at most this many finished jobs are kept (the oldest go first)
     * @param clock        the service clock, for job times and their expiry
     */
    public JobRunner(int threads, Duration keepFinished, int maxFinished, Clock clock) {
        AtomicInteger count = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(MAX_QUEUED), r -> {
                    Thread t = new Thread(r, "backupkit-job-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        this.keepFinished = keepFinished;
        this.maxFinished = maxFinished;
        this.clock = clock;
    }

    /** Phase ranges of the overall percent, per kind of job. */
    public static Map<Phase, int[]> weights(JobKind kind, boolean deep) {
        return switch (kind) {
            case BACKUP -> Map.of(Phase.SNAPSHOT, new int[] {0, 1}, Phase.PLAN, new int[] {1, 2},
                    Phase.DATA, new int[] {2, 90}, Phase.FINISH, new int[] {90, 92}, Phase.MEDIA, new int[] {92, 97},
                    Phase.COMMIT, new int[] {97, 99}, Phase.DONE, new int[] {99, 99});
            case RESTORE, UNDO -> Map.of(Phase.VERIFY, new int[] {0, 30}, Phase.STAGE, new int[] {30, 75},
                    Phase.CHECK, new int[] {75, 80}, Phase.SAFETY_BACKUP, new int[] {80, 95},
                    Phase.SWAP, new int[] {95, 99}, Phase.DONE, new int[] {99, 99});
            case PREVIEW -> Map.of(Phase.VERIFY, new int[] {0, 35}, Phase.STAGE, new int[] {35, 80},
                    Phase.CHECK, new int[] {80, 85}, Phase.COMPARE, new int[] {85, 99}, Phase.DONE, new int[] {99, 99});
            case VERIFY -> deep
                    ? Map.of(Phase.VERIFY, new int[] {0, 40}, Phase.STAGE, new int[] {40, 95},
                            Phase.CHECK, new int[] {95, 99}, Phase.DONE, new int[] {99, 99})
                    : Map.of(Phase.VERIFY, new int[] {0, 99}, Phase.DONE, new int[] {99, 99});
        };
    }

    /**
     * Queues a job.
     *
     * @param work runs on a job thread with the job's progress listener
     * @throws BackupException when {@value #MAX_QUEUED} jobs are already waiting
     */
    public <T> Job<T> submit(JobKind kind, Actor actor, String backupId, Map<Phase, int[]> weights,
                             Phase pointOfNoReturn, String cancelMessage, Function<T, String> backupIdOf,
                             Function<ProgressListener, T> work) {
        purge();
        String id = "job-" + HexFormat.of().formatHex(randomBytes());
        TrackedJob<T> job = new TrackedJob<>(id, kind, actor.id(), backupId, clock.instant(), weights,
                pointOfNoReturn, clock, cancelMessage, backupIdOf, work);
        jobs.put(id, job);
        try {
            executor.execute(job);
        } catch (RejectedExecutionException e) {
            jobs.remove(id);
            throw new BackupException("cannot start a " + kind.name().toLowerCase(java.util.Locale.ROOT)
                    + " job: " + MAX_QUEUED + " jobs are already waiting", e);
        }
        return job;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** A job that is live or finished recently. */
    public Optional<Job<?>> job(String id) {
        purge();
        return Optional.ofNullable(id == null ? null : jobs.get(id));
    }

    /** Live and recently finished jobs, oldest first. */
    public List<Job<?>> jobs() {
        purge();
        List<Job<?>> all = new ArrayList<>(jobs.values());
        all.sort(Comparator.comparing(Job<?>::submittedAt).thenComparing(Job::id));
        return List.copyOf(all);
    }

    /** Forgets finished jobs older than the retention, then the oldest beyond the bound. */
    private void purge() {
        Instant now = clock.instant();
        List<TrackedJob<?>> finished = new ArrayList<>();
        for (TrackedJob<?> job : jobs.values()) {
            Instant at = job.finishedAt();
            if (at == null) {
                continue;
            }
            if (!at.plus(keepFinished).isAfter(now)) {
                jobs.remove(job.id());
            } else {
                finished.add(job);
            }
        }
        if (finished.size() > maxFinished) {
            finished.sort(Comparator.comparing(TrackedJob::finishedAt));
            finished.subList(0, finished.size() - maxFinished).forEach(j -> jobs.remove(j.id()));
        }
    }
}
