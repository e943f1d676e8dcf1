package io.backupkit.internal;

import io.backupkit.BackupObserver;
import io.backupkit.BackupStatus;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the views of one service share besides its configuration: the jobs, the observers, the
 * recent incidents, and the schedulers attached to it (for the next run in the status).
 */
public final class ServiceRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceRuntime.class);

    private final JobRunner jobs;
    private final boolean recordVerifications;
    private final List<BackupObserver> observers;
    private final Deque<BackupStatus.Incident> incidents = new ArrayDeque<>();
    private final Map<Object, Supplier<Optional<Instant>>> schedulers = new ConcurrentHashMap<>();

    /** The runtime of a new service. */
    public ServiceRuntime(JobRunner jobs, boolean recordVerifications, List<BackupObserver> observers) {
        this.jobs = jobs;
        this.recordVerifications = recordVerifications;
        this.observers = List.copyOf(observers);
    }

    /** The service's jobs. */
    public JobRunner jobs() {
        return jobs;
    }

    /** Whether verifications are recorded in sidecars. */
    public boolean recordVerifications() {
        return recordVerifications;
    }

    /** The registered observers. */
    public List<BackupObserver> observers() {
        return observers;
    }

    /** Calls every observer, logging and ignoring their failures. */
    public void notifyObservers(Consumer<BackupObserver> call) {
        for (BackupObserver observer : observers) {
            try {
                call.accept(observer);
            } catch (RuntimeException e) {
                LOG.warn("a backup observer ({}) failed: {}", observer.getClass().getName(), e.toString());
            }
        }
    }

    /** Records an incident for the status and tells the observers. */
    public void incident(BackupStatus.Incident incident) {
        synchronized (incidents) {
            incidents.addLast(incident);
            while (incidents.size() > BackupStatus.MAX_INCIDENTS) {
                incidents.removeFirst();
            }
        }
        notifyObservers(o -> o.incident(incident));
    }

    /** Recent incidents, oldest first. */
    public List<BackupStatus.Incident> incidents() {
        synchronized (incidents) {
            return List.copyOf(incidents);
        }
    }

    /** Attaches a scheduler's next-run source under its owner. */
    public void attachScheduler(Object owner, Supplier<Optional<Instant>> nextRun) {
        schedulers.put(owner, nextRun);
    }

    /** Detaches a scheduler. */
    public void detachScheduler(Object owner) {
        schedulers.remove(owner);
    }

    /** The earliest next run of the attached schedulers, or null. */
    public Instant nextRun() {
        Instant next = null;
        for (Supplier<Optional<Instant>> source : schedulers.values()) {
            Instant at = source.get().orElse(null);
            if (at != null && (next == null || at.isBefore(next))) {
                next = at;
            }
        }
        return next;
    }
}
