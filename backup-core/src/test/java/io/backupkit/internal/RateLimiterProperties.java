package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.Actor;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import io.backupkit.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The limiter against a naive model: an attempt is allowed exactly when fewer than {@code permits}
 * allowed attempts lie in the window before it, and a refusal's retry-after is exactly when the
 * oldest of them leaves the window.
 */
class RateLimiterProperties {

    @Property(tries = 500)
    void agreesWithTheNaiveModel(@ForAll @IntRange(min = 1, max = 5) int permits,
                                 @ForAll @IntRange(min = 1, max = 120) int windowMinutes,
                                 @ForAll @Size(max = 60) List<@IntRange(min = 0, max = 90) Integer> gapsMinutes) {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Duration window = Duration.ofMinutes(windowMinutes);
        RateLimiter limiter = new RateLimiter(RateLimits.builder().limit(Operation.BACKUP, permits, window).build(), clock);
        Actor actor = Actor.user("a", Set.of(Actor.SUPER_ADMIN), null);
        List<Instant> allowed = new ArrayList<>();
        for (int gap : gapsMinutes) {
            clock.advance(Duration.ofMinutes(gap));
            Instant now = clock.instant();
            List<Instant> inWindow = allowed.stream().filter(t -> t.plus(window).isAfter(now)).toList();
            boolean modelAllows = inWindow.size() < permits;
            try {
                limiter.acquire(actor, Operation.BACKUP);
                assertThat(modelAllows).as("allowed at %s with %s in the window", now, inWindow).isTrue();
                allowed.add(now);
            } catch (RateLimitedException e) {
                assertThat(modelAllows).as("refused at %s with %s in the window", now, inWindow).isFalse();
                assertThat(e.retryAfter()).isEqualTo(Duration.between(now, inWindow.get(0).plus(window)));
                assertThat(e.retryAfter()).isPositive();
            }
        }
    }
}
