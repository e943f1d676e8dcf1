package io.backupkit;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * An actor went over a {@link RateLimits rate limit} for an operation; nothing ran. The attempt is
 * in the audit trail. A web layer maps it to HTTP 429 with a {@code Retry-After} header:
 *
 * <pre>{@code
 * } catch (RateLimitedException e) {
 *     ctx.status(429).header("Retry-After", Long.toString(e.retryAfter().toSeconds()));
 * }
 * }</pre>
 */
public class RateLimitedException extends BackupException {
    private static final long serialVersionUID = 1L;

    private final String actorId;
    private final Operation operation;
    private final Duration retryAfter;

    /** Creates the exception; {@code retryAfter} is rounded up to whole seconds in the message. */
    public RateLimitedException(String actorId, Operation operation, RateLimits.Limit limit, Duration retryAfter) {
        super("rate limit: " + actorId + " may " + operation.name().toLowerCase(Locale.ROOT) + " " + limit
                + "; retry in " + seconds(retryAfter) + " s");
        this.actorId = Objects.requireNonNull(actorId, "actorId");
        this.operation = Objects.requireNonNull(operation, "operation");
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    private static long seconds(Duration d) {
        return d.plusNanos(999_999_999L).getSeconds();
    }

    /** The limited actor's id. */
    public String actorId() {
        return actorId;
    }

    /** The limited operation. */
    public Operation operation() {
        return operation;
    }

    /** How long until the next attempt is allowed (positive). */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public String code() {
        return "rate_limited";
    }
}
