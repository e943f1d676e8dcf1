package io.backupkit;

import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Decides whether an {@link Actor} may perform an {@link Operation}. A denial throws
 * {@link AccessDeniedException} and is recorded in the audit trail.
 *
 * <p>The default, {@link #superAdminOnly()}, allows everything to actors with the
 * {@value Actor#SUPER_ADMIN} or {@value Actor#SYSTEM} role and nothing to anyone else. A host may
 * open more, for example listing and status to admins:
 *
 * <pre>{@code
 * AccessPolicy policy = AccessPolicy.superAdminOnly().allowing("admin", Operation.LIST, Operation.STATUS);
 * }</pre>
 *
 * <p>Implementations must be thread-safe and fast; they are consulted on every call.
 */
@FunctionalInterface
public interface AccessPolicy {

    /** Whether the actor may perform the operation. */
    boolean permits(Actor actor, Operation operation);

    /** Only super-admins (and the system actor) may do anything. */
    static AccessPolicy superAdminOnly() {
        return (actor, operation) -> actor.hasRole(Actor.SUPER_ADMIN) || actor.hasRole(Actor.SYSTEM);
    }

    /** This policy, also letting actors with {@code role} perform the given operations. */
    default AccessPolicy allowing(String role, Operation... operations) {
        Objects.requireNonNull(role, "role");
        Set<Operation> allowed = operations.length == 0 ? EnumSet.noneOf(Operation.class)
                : EnumSet.of(operations[0], operations);
        Map<String, Set<Operation>> extra = Map.of(role, Set.copyOf(allowed));
        AccessPolicy base = this;
        return (actor, operation) -> base.permits(actor, operation)
                || extra.entrySet().stream().anyMatch(e -> actor.hasRole(e.getKey()) && e.getValue().contains(operation));
    }
}
