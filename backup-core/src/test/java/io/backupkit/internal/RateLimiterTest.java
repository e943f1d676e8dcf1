package io.backupkit.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.Actor;
import io.backupkit.Operation;
import io.backupkit.RateLimitedException;
import io.backupkit.RateLimits;
import io.backupkit.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T10:00:00Z"));
    private final Actor alice = Actor.user("alice", Set.of(Actor.SUPER_ADMIN), "10.0.0.1");
    private final Actor bob = Actor.user("bob", Set.of(Actor.SUPER_ADMIN), "10.0.0.2");

    @Test
    void oneExportPerHourWithTheTimeUntilTheNext() {
        RateLimiter limiter = new RateLimiter(RateLimits.defaults(), clock);
        assertThat(limiter.acquire(alice, Operation.EXPORT)).isNotNull();
        clock.advance(Duration.ofMinutes(20));
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.EXPORT))
                .isInstanceOfSatisfying(RateLimitedException.class, e -> {
                    assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(40));
                    assertThat(e.actorId()).isEqualTo("alice");
                    assertThat(e.operation()).isEqualTo(Operation.EXPORT);
                    assertThat(e.getMessage()).isEqualTo("rate limit: alice may export 1 time per PT1H; retry in 2400 s");
                });
        // other actors and other operations have their own counts
        assertThat(limiter.acquire(bob, Operation.EXPORT)).isNotNull();
        assertThat(limiter.acquire(alice, Operation.DOWNLOAD)).isNotNull();
        clock.advance(Duration.ofMinutes(40).minusMillis(1));
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.EXPORT)).isInstanceOf(RateLimitedException.class);
        clock.advance(Duration.ofMillis(1));
        assertThat(limiter.acquire(alice, Operation.EXPORT)).isNotNull();
    }

    @Test
    void theWindowSlides() {
        RateLimiter limiter = new RateLimiter(RateLimits.builder().limit(Operation.BACKUP, 3, Duration.ofHours(1)).build(), clock);
        limiter.acquire(alice, Operation.BACKUP);            // 10:00
        clock.advance(Duration.ofMinutes(10));
        limiter.acquire(alice, Operation.BACKUP);            // 10:10
        clock.advance(Duration.ofMinutes(10));
        limiter.acquire(alice, Operation.BACKUP);            // 10:20
        clock.advance(Duration.ofMinutes(30));               // 10:50
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.BACKUP))
                .isInstanceOfSatisfying(RateLimitedException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10)));
        clock.advance(Duration.ofMinutes(10));               // 11:00: the 10:00 one left the window
        limiter.acquire(alice, Operation.BACKUP);
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.BACKUP))
                .isInstanceOfSatisfying(RateLimitedException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofMinutes(10)));
    }

    @Test
    void unlimitedOperationsAndTheSystemActorAreNeverLimited() {
        RateLimiter limiter = new RateLimiter(RateLimits.defaults(), clock);
        for (int i = 0; i < 1000; i++) {
            assertThat(limiter.acquire(alice, Operation.LIST)).isNull();
            assertThat(limiter.acquire(alice, Operation.STATUS)).isNull();
            assertThat(limiter.acquire(Actor.system("scheduler"), Operation.EXPORT)).isNull();
        }
        RateLimiter strict = new RateLimiter(RateLimits.builder().limitSystemActor().build(), clock);
        strict.acquire(Actor.system("cli"), Operation.EXPORT);
        assertThatThrownBy(() -> strict.acquire(Actor.system("cli"), Operation.EXPORT))
                .isInstanceOf(RateLimitedException.class);
    }

    @Test
    void aReleasedPermitIsGivenBack() {
        RateLimiter limiter = new RateLimiter(RateLimits.defaults(), clock);
        RateLimiter.Permit permit = limiter.acquire(alice, Operation.EXPORT);
        limiter.release(permit);
        assertThat(limiter.acquire(alice, Operation.EXPORT)).isNotNull();
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.EXPORT)).isInstanceOf(RateLimitedException.class);
    }

    @Test
    void limitsAreValidatedAndConfigurable() {
        assertThatThrownBy(() -> RateLimits.builder().limit(Operation.EXPORT, 0, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 permit");
        assertThatThrownBy(() -> RateLimits.builder().limit(Operation.EXPORT, 1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        RateLimits limits = RateLimits.builder().unlimited(Operation.EXPORT).exemptRole("ops").build();
        assertThat(limits.limit(Operation.EXPORT)).isEmpty();
        assertThat(limits.limit(Operation.DOWNLOAD)).contains(new RateLimits.Limit(1, Duration.ofHours(1)));
        assertThat(limits.exempt(Actor.user("o", Set.of("ops"), null))).isTrue();
        assertThat(RateLimits.none().limit(Operation.EXPORT)).isEmpty();
        RateLimits defaults = RateLimits.defaults();
        assertThat(defaults.limit(Operation.BACKUP)).contains(new RateLimits.Limit(6, Duration.ofHours(1)));
        assertThat(defaults.limit(Operation.RESTORE)).contains(new RateLimits.Limit(3, Duration.ofHours(1)));
        assertThat(defaults.limit(Operation.LIST)).isEmpty();
        assertThat(defaults.limit(Operation.AUDIT)).isEmpty();
    }

    @Test
    void manyActorsAreSweptOnceTheirWindowsEmpty() {
        RateLimiter limiter = new RateLimiter(RateLimits.defaults(), clock);
        for (int i = 0; i < 10_050; i++) {
            limiter.acquire(Actor.user("user" + i, Set.of(), null), Operation.EXPORT);
        }
        clock.advance(Duration.ofHours(2));
        assertThat(limiter.trackedKeys()).isEqualTo(10_050);
        limiter.acquire(alice, Operation.EXPORT);   // sweeps
        assertThat(limiter.trackedKeys()).isEqualTo(1);
        // the swept actors may export again, and alice's fresh count survived the sweep
        assertThat(limiter.acquire(Actor.user("user1", Set.of(), null), Operation.EXPORT)).isNotNull();
        assertThatThrownBy(() -> limiter.acquire(alice, Operation.EXPORT)).isInstanceOf(RateLimitedException.class);
    }
}
