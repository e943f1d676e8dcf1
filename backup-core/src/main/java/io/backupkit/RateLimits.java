package io.backupkit;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * How often each actor may perform each operation: at most {@code permits} attempts in any
 * sliding window of {@code per}. Going over throws {@link RateLimitedException} with the time until
 * the next attempt is allowed, and the attempt is audited. Limits are per actor id and per
 * operation; actors with an exempt role (by default the {@value Actor#SYSTEM} role, i.e. the
 * scheduler, the command line and host code using the methods without an actor) are never limited.
 *
 * <pre>{@code
 * RateLimits limits = RateLimits.builder()                 // starts from the defaults below
 *     .limit(Operation.EXPORT, 3, Duration.ofHours(1))
 *     .unlimited(Operation.VERIFY)
 *     .build();
 * BackupService backups = BackupService.builder()...rateLimits(limits).build();
 * }</pre>
 *
 * <p>The defaults ({@link #defaults()}), per actor:
 * <table>
 * <caption>default limits</caption>
 * <tr><th>operation</th><th>limit</th><th>why</th></tr>
 * <tr><td>EXPORT, DOWNLOAD</td><td>1 per hour each</td><td>every copy that leaves the server is a copy that can be lost</td></tr>
 * <tr><td>BACKUP</td><td>6 per hour</td><td>each one reads the whole database and fills the store</td></tr>
 * <tr><td>RESTORE (full and selective), UNDO, UPLOAD</td><td>3 per hour each</td><td>each one replaces or merges live data</td></tr>
 * <tr><td>VERIFY, PREVIEW</td><td>20 per hour each</td><td>each one reads a whole archive, deep verify and preview rebuild it</td></tr>
 * <tr><td>COPY</td><td>6 per hour</td><td>reads a whole archive and writes it elsewhere</td></tr>
 * <tr><td>DELETE</td><td>30 per hour</td><td>destroys backups</td></tr>
 * <tr><td>LIST, STATUS, AUDIT</td><td>unlimited</td><td>they read only small sidecars or the trail</td></tr>
 * </table>
 *
 * <p>Every attempt that passes the access policy counts, including failed ones, except a failed
 * EXPORT or DOWNLOAD that sent no byte (a wrong identity file does not cost the hour). Counts are
 * kept in memory by the service (and its {@code withIdentity} views): a restart or a second
 * application instance starts from zero. Time comes from the service's clock.
 */
public final class RateLimits {

    /**
     * At most {@code permits} attempts in any window of {@code per}.
     *
     * @param permits how many attempts, at least 1
     * @param per     the sliding window, positive
     */
    public record Limit(int permits, Duration per) {
        public Limit {
            if (permits < 1) {
                throw new IllegalArgumentException("a limit needs at least 1 permit, got " + permits
                        + "; use unlimited(...) or deny the operation in the AccessPolicy instead");
            }
            Objects.requireNonNull(per, "per");
            if (per.isZero() || per.isNegative()) {
                throw new IllegalArgumentException("the window of a limit must be positive, got " + per);
            }
        }

        @Override
        public String toString() {
            return permits + (permits == 1 ? " time" : " times") + " per " + per;
        }
    }

    private final Map<Operation, Limit> limits;
    private final Set<String> exemptRoles;

    private RateLimits(Map<Operation, Limit> limits, Set<String> exemptRoles) {
        this.limits = Collections.unmodifiableMap(new EnumMap<>(limits));
        this.exemptRoles = Collections.unmodifiableSet(new TreeSet<>(exemptRoles));
    }

    /** The documented defaults (see the class description). */
    public static RateLimits defaults() {
        return builder().build();
    }

    /** No limits at all. */
    public static RateLimits none() {
        return new RateLimits(new EnumMap<>(Operation.class), Set.of(Actor.SYSTEM));
    }

    /** A builder that starts from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The limit of an operation, empty when it is unlimited. */
    public Optional<Limit> limit(Operation operation) {
        return Optional.ofNullable(limits.get(Objects.requireNonNull(operation, "operation")));
    }

    /** The roles whose actors are never limited. */
    public Set<String> exemptRoles() {
        return exemptRoles;
    }

    /** Whether this actor is never limited. */
    public boolean exempt(Actor actor) {
        return exemptRoles.stream().anyMatch(actor::hasRole);
    }

    @Override
    public String toString() {
        return "RateLimits" + limits + " exempt " + exemptRoles;
    }

    /** Builds {@link RateLimits}, starting from the defaults. */
    public static final class Builder {
        private final Map<Operation, Limit> limits = new EnumMap<>(Operation.class);
        private final Set<String> exemptRoles = new TreeSet<>(Set.of(Actor.SYSTEM));

        private Builder() {
            Duration hour = Duration.ofHours(1);
            limits.put(Operation.EXPORT, new Limit(1, hour));
            limits.put(Operation.DOWNLOAD, new Limit(1, hour));
            limits.put(Operation.BACKUP, new Limit(6, hour));
            limits.put(Operation.RESTORE, new Limit(3, hour));
            limits.put(Operation.UNDO, new Limit(3, hour));
            limits.put(Operation.UPLOAD, new Limit(3, hour));
            limits.put(Operation.VERIFY, new Limit(20, hour));
            limits.put(Operation.PREVIEW, new Limit(20, hour));
            limits.put(Operation.COPY, new Limit(6, hour));
            limits.put(Operation.DELETE, new Limit(30, hour));
        }

        /** At most {@code permits} attempts of the operation per actor in any window of {@code per}. */
        public Builder limit(Operation operation, int permits, Duration per) {
            limits.put(Objects.requireNonNull(operation, "operation"), new Limit(permits, per));
            return this;
        }

        /** No limit for the operation. */
        public Builder unlimited(Operation operation) {
            limits.remove(Objects.requireNonNull(operation, "operation"));
            return this;
        }

        /** Actors with this role are never limited (in addition to {@value Actor#SYSTEM}). */
        public Builder exemptRole(String role) {
            Objects.requireNonNull(role, "role");
            if (role.isBlank()) {
                throw new IllegalArgumentException("role must not be blank");
            }
            exemptRoles.add(role);
            return this;
        }

        /** Limits the system actor too (by default it is exempt). */
        public Builder limitSystemActor() {
            exemptRoles.remove(Actor.SYSTEM);
            return this;
        }

        /** The limits. */
        public RateLimits build() {
            return new RateLimits(limits, exemptRoles);
        }
    }
}
