package io.backupkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessPolicyTest {

    private final Actor superAdmin = Actor.user("root@demo", Set.of(Actor.SUPER_ADMIN), "127.0.0.1");
    private final Actor admin = Actor.user("manager@demo", Set.of("admin"), "127.0.0.1");
    private final Actor tech = Actor.user("tech@demo", Set.of("technician"), "127.0.0.1");

    @Test
    void defaultPolicyAllowsOnlySuperAdminsAndTheSystem() {
        AccessPolicy policy = AccessPolicy.superAdminOnly();
        for (Operation op : Operation.values()) {
            assertThat(policy.permits(superAdmin, op)).as(op.name()).isTrue();
            assertThat(policy.permits(Actor.system("cli"), op)).as(op.name()).isTrue();
            assertThat(policy.permits(admin, op)).as(op.name()).isFalse();
            assertThat(policy.permits(tech, op)).as(op.name()).isFalse();
        }
    }

    @Test
    void allowingOpensOnlyTheNamedOperationsToTheNamedRole() {
        AccessPolicy policy = AccessPolicy.superAdminOnly().allowing("admin", Operation.LIST, Operation.STATUS);
        assertThat(policy.permits(admin, Operation.LIST)).isTrue();
        assertThat(policy.permits(admin, Operation.STATUS)).isTrue();
        assertThat(policy.permits(admin, Operation.RESTORE)).isFalse();
        assertThat(policy.permits(tech, Operation.LIST)).isFalse();
        assertThat(policy.permits(superAdmin, Operation.RESTORE)).isTrue();
    }

    @Test
    void actorNeedsAnId() {
        assertThatThrownBy(() -> Actor.user(" ", Set.of(), "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Actor.user("a", Set.of(), null).remoteAddress()).isEqualTo("unknown");
    }
}
