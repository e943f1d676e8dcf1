package io.backupkit;

import java.util.Objects;
import java.util.Set;

/**
 * Who asks for a backup operation: the application user (or the system itself), their roles, where
 * the request came from and why. Every {@link BackupService} operation runs for an actor; the
 * {@link AccessPolicy} decides from its roles, and the audit trail records it.
 *
 * <pre>{@code
 * Actor actor = Actor.user(session.userId(), Set.of(session.role()), ctx.ip()).withReason("settings page");
 * backups.backup(actor, BackupRequest.defaults());
 * }</pre>
 *
 * @param id            a stable identifier of the user, for example an email or a numeric id; never blank
 * @param roles         the actor's roles, compared exactly (for example {@code super_admin})
 * @param remoteAddress where the request came from, for example an IP address; {@code "local"} for in-process
 * @param reason        why, as given by the host (free text, may be empty); recorded in the audit trail
 */
public record Actor(String id, Set<String> roles, String remoteAddress, String reason) {

    /** The role the default {@link AccessPolicy} lets do everything. */
    public static final String SUPER_ADMIN = "super_admin";
    /** The role the system actor carries (scheduler, command line, host code acting for itself). */
    public static final String SYSTEM = "system";

    public Actor {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) {
            throw new IllegalArgumentException("actor id must not be blank");
        }
        roles = Set.copyOf(Objects.requireNonNull(roles, "roles"));
        remoteAddress = remoteAddress == null || remoteAddress.isBlank() ? "unknown" : remoteAddress;
        reason = reason == null ? "" : reason;
    }

    /** An application user with the given roles, from the given address. */
    public static Actor user(String id, Set<String> roles, String remoteAddress) {
        return new Actor(id, roles, remoteAddress, "");
    }

    /**
     * The application itself, not acting for a user: the scheduler, the command line, host code at
     * start-up. It carries the {@value #SYSTEM} role, which the default policy allows everything.
     */
    public static Actor system(String reason) {
        return new Actor("system", Set.of(SYSTEM), "local", reason);
    }

    /** This actor with another reason. */
    public Actor withReason(String newReason) {
        return new Actor(id, roles, remoteAddress, newReason);
    }

    /** Whether the actor has the role. */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }
}
