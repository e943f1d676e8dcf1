package io.backupkit.internal;

import io.backupkit.BackupException;
import io.backupkit.Job;
import io.backupkit.JobKind;
import io.backupkit.JobProgress;
import io.backupkit.JobState;
import io.backupkit.Phase;
import io.backupkit.Progress;
import io.backupkit.ProgressListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One job: its state machine, its progress (phase weights turn each phase's fraction into a
 * monotonic percent over the whole job), cancellation by interrupting its thread until the
 * point of no return, and its subscribers.
 */
public final class TrackedJob<T> implements Job<T>, Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(TrackedJob.class);
    /** The MDC key holding the job id while a job runs. */
    public static final String MDC_JOB = "backupkit.job";
    private static final long PUSH_INTERVAL_NANOS = 250_000_000L;

    private final String id;
    private final JobKind kind;
    private final String actorId;
    private final Instant submittedAt;
    private final Map<Phase, int[]> weights;
    private final Phase pointOfNoReturn;
    private final Function<ProgressListener, T> work;
    private final Function<T, String> backupIdOf;
    private final Clock clock;
    private final String cancelMessage;
    private final CountDownLatch done = new CountDownLatch(1);
    private final List<Subscriber<T>> subscribers = new CopyOnWriteArrayList<>();

    /** One subscription; its lock keeps its listener from being called by two threads at once. */
    private static final class Subscriber<T> {
        private final Consumer<? super Job<T>> listener;

        Subscriber(Consumer<? super Job<T>> listener) {
            this.listener = listener;
        }
    }

    private final Object lock = new Object();
    private JobState state = JobState.QUEUED;
    private JobProgress progress = new JobProgress(null, null, 0, 0, 0, 0, null, null, null);
    private String backupId;
    private T result;
    private String error;
    private String errorCode;
    private boolean cancelRequested;
    private boolean pastNoReturn;
    private Thread runner;
    private long startedNanos;
    private long lastPushNanos;

    TrackedJob(String id, JobKind kind, String actorId, String backupId, Instant submittedAt,
               Map<Phase, int[]> weights, Phase pointOfNoReturn, Clock clock, String cancelMessage,
               Function<T, String> backupIdOf, Function<ProgressListener, T> work) {
        this.id = Objects.requireNonNull(id, "id");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.actorId = Objects.requireNonNull(actorId, "actorId");
        this.backupId = backupId;
        this.submittedAt = submittedAt;
        this.weights = Map.copyOf(weights);
        this.pointOfNoReturn = pointOfNoReturn;
        this.clock = clock;
        this.cancelMessage = cancelMessage;
        this.backupIdOf = backupIdOf;
        this.work = work;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public JobKind kind() {
        return kind;
    }

    @Override
    public String actorId() {
        return actorId;
    }

    @Override
    public Optional<String> backupId() {
        synchronized (lock) {
            return Optional.ofNullable(backupId);
        }
    }

    @Override
    public Instant submittedAt() {
        return submittedAt;
    }

    @Override
    public JobState state() {
        synchronized (lock) {
            return state;
        }
    }

    @Override
    public JobProgress progress() {
        synchronized (lock) {
            return progress;
        }
    }

    @Override
    public Optional<T> result() {
        synchronized (lock) {
            return Optional.ofNullable(result);
        }
    }

    @Override
    public Optional<String> error() {
        synchronized (lock) {
            return Optional.ofNullable(error);
        }
    }

    @Override
    public Optional<String> errorCode() {
        synchronized (lock) {
            return Optional.ofNullable(errorCode);
        }
    }

    /** When the job reached a final state, or null. */
    Instant finishedAt() {
        synchronized (lock) {
            return progress.finishedAt();
        }
    }

    @Override
    public boolean cancel() {
        boolean finishedNow = false;
        synchronized (lock) {
            if (state.isFinal() || pastNoReturn) {
                return false;
            }
            cancelRequested = true;
            if (state == JobState.QUEUED) {
                finish(JobState.CANCELLED, null, cancelMessage);
                finishedNow = true;
            } else if (runner != null) {
                runner.interrupt();
            }
        }
        LOG.info("job {} ({} by {}): cancel requested", id, kind, actorId);
        if (finishedNow) {
            push(true);
            subscribers.clear();
            done.countDown();
        }
        return true;
    }

    @Override
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public Subscription subscribe(Consumer<? super Job<T>> listener) {
        Objects.requireNonNull(listener, "listener");
        Subscriber<T> subscriber = new Subscriber<>(listener);
        subscribers.add(subscriber);
        notify(subscriber);
        if (state().isFinal()) {
            subscribers.remove(subscriber);
        }
        return () -> subscribers.remove(subscriber);
    }

    @Override
    public void run() {
        synchronized (lock) {
            if (state != JobState.QUEUED) {
                return; // cancelled while queued
            }
            state = JobState.RUNNING;
            runner = Thread.currentThread();
            startedNanos = System.nanoTime();
            progress = new JobProgress(null, null, 0, 0, 0, 0, null, clock.instant(), null);
        }
        push(true);
        MDC.put(MDC_JOB, id);
        T value = null;
        RuntimeException failure = null;
        try {
            value = work.apply(this::onProgress);
        } catch (RuntimeException e) {
            failure = e;
        } catch (Error e) {
            failure = new BackupException("job " + id + " failed: " + e, e);
            LOG.error("job {} ({}): {}", id, kind, e.toString(), e);
        } finally {
            MDC.remove(MDC_JOB);
        }
        synchronized (lock) {
            runner = null;
            Thread.interrupted(); // a late cancel must not leak into the pool thread's next job
            if (failure == null) {
                result = value;
                if (backupId == null && backupIdOf != null && value != null) {
                    backupId = backupIdOf.apply(value);
                }
                finish(JobState.SUCCEEDED, value, null);
            } else if (cancelRequested) {
                finish(JobState.CANCELLED, null, cancelMessage);
                errorCode = "cancelled";
            } else {
                finish(JobState.FAILED, null, safeMessage(failure));
                errorCode = failure instanceof BackupException b ? b.code() : "internal";
            }
        }
        if (failure != null && !cancelRequested) {
            LOG.warn("job {} ({} by {}) failed: {}", id, kind, actorId, failure.getMessage());
        } else {
            LOG.info("job {} ({} by {}) {}", id, kind, actorId, state().name().toLowerCase(java.util.Locale.ROOT));
        }
        push(true);
        subscribers.clear();
        // Last: whoever awaits the job sees every subscriber's last update already delivered.
        done.countDown();
    }

    /** Caller holds the lock. */
    private void finish(JobState end, T value, String message) {
        state = end;
        result = value;
        error = message;
        progress = new JobProgress(progress.phase(), progress.table(), progress.rowsDone(), progress.rowsTotal(),
                progress.bytes(), end == JobState.SUCCEEDED ? 100 : progress.percent(), null, progress.startedAt(),
                clock.instant());
    }

    private String safeMessage(RuntimeException e) {
        if (e instanceof BackupException && e.getMessage() != null) {
            return e.getMessage();
        }
        // Not one of the library's own errors, whose messages are written to be shown: the text of
        // an unexpected exception could hold anything, so only its type is shown (the log has more).
        LOG.error("job {} ({}): unexpected failure", id, kind, e);
        return "internal error (" + e.getClass().getSimpleName() + "); see the application log for job " + id;
    }

    private void onProgress(Progress p) {
        boolean changed;
        synchronized (lock) {
            if (state != JobState.RUNNING) {
                return;
            }
            if (p.phase() == pointOfNoReturn && !cancelRequested) {
                pastNoReturn = true;
            }
            int percent = Math.max(progress.percent(), percentOf(p));
            long elapsed = System.nanoTime() - startedNanos;
            Duration eta = percent >= 2 && elapsed >= 1_000_000_000L
                    ? Duration.ofMillis(elapsed / 1_000_000L * (100 - percent) / percent) : null;
            JobProgress before = progress;
            progress = new JobProgress(p.phase(), p.table(), p.rowsDone(), p.rowsTotal(), p.bytesWritten(), percent,
                    eta, before.startedAt(), null);
            changed = before.percent() != percent || before.phase() != p.phase()
                    || !Objects.equals(before.table(), p.table());
        }
        push(changed);
    }

    private int percentOf(Progress p) {
        int[] range = weights.get(p.phase());
        if (range == null) {
            return 0;
        }
        double fraction = p.phase() == Phase.DONE ? 1.0 : p.fraction();
        return Math.min(99, (int) Math.floor(range[0] + (range[1] - range[0]) * fraction));
    }

    private void push(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastPushNanos < PUSH_INTERVAL_NANOS) {
            return;
        }
        lastPushNanos = now;
        for (Subscriber<T> subscriber : subscribers) {
            notify(subscriber);
        }
    }

    private void notify(Subscriber<T> subscriber) {
        try {
            synchronized (subscriber) {
                subscriber.listener.accept(this);
            }
        } catch (RuntimeException e) {
            LOG.warn("job {}: a subscriber failed: {}", id, e.toString());
        }
    }

    @Override
    public String toString() {
        return "Job[" + id + ", " + kind + ", " + state() + ", " + progress().percent() + "%]";
    }
}
