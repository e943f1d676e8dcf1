package io.backupkit.internal;

import io.backupkit.Actor;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sliding-window counters per (actor id, operation): the times of the attempts still inside the
 * window. Exact, and small: at most {@code permits} instants per key; keys whose window has emptied
 * are swept when the map grows.
 */
final class RateLimiter {

    private static final int SWEEP_ABOVE = 10_000;

    private record Key(String actorId, Operation operation) {
    }

    /** An attempt that was let through; {@link #release} gives it back. */
    record Permit(Key key, Instant at) {
    }

    private final RateLimits limits;
    private final Clock clock;
    private final Map<Key, Deque<Instant>> windows = new ConcurrentHashMap<>();

    RateLimiter(RateLimits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    /**
     * Counts an attempt, or refuses it.
     *
     * @return the permit, or {@code null} when the actor or operation is not limited
     * @throws RateLimitedException the actor has used up the operation's permits for now
     */
    Permit acquire(Actor actor, Operation operation) {
        Optional<RateLimits.Limit> limit = limits.limit(operation);
        if (limit.isEmpty() || limits.exempt(actor)) {
            return null;
        }
        if (windows.size() > SWEEP_ABOVE) {
            sweep();
        }
        Key key = new Key(actor.id(), operation);
        Instant now = clock.instant();
        Deque<Instant> window = windows.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (window) {
            Duration per = limit.get().per();
            while (!window.isEmpty() && !window.peekFirst().plus(per).isAfter(now)) {
                window.pollFirst();
            }
            if (window.size() >= limit.get().permits()) {
                Duration retryAfter = Duration.between(now, window.peekFirst().plus(per));
                throw new RateLimitedException(actor.id(), operation, limit.get(), retryAfter);
            }
            window.addLast(now);
            // the map entry may have been swept meanwhile; put it back so this attempt counts
            windows.putIfAbsent(key, window);
        }
        return new Permit(key, now);
    }

    /** Gives an attempt back (a failed export that sent nothing). */
    void release(Permit permit) {
        if (permit == null) {
            return;
        }
        Deque<Instant> window = windows.get(permit.key());
        if (window != null) {
            synchronized (window) {
                window.removeLastOccurrence(permit.at());
            }
        }
    }

    /** How many (actor, operation) counters are kept; for tests. */
    int trackedKeys() {
        return windows.size();
    }

    private void sweep() {
        Instant now = clock.instant();
        Iterator<Map.Entry<Key, Deque<Instant>>> it = windows.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Deque<Instant>> e = it.next();
            Duration per = limits.limit(e.getKey().operation()).map(RateLimits.Limit::per).orElse(Duration.ZERO);
            synchronized (e.getValue()) {
                Instant newest = e.getValue().peekLast();
                if (newest == null || !newest.plus(per).isAfter(now)) {
                    it.remove();
                }
            }
        }
    }
}
