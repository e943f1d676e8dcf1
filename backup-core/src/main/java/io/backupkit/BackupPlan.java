package io.backupkit;

import java.util.List;
import java.util.Set;

/**
 * The order in which a backup writes tables: parents before children.
 *
 * <p>Tables that reference each other through a cycle of foreign keys (including a table that
 * references itself) cannot all come after their parents; they are reported in {@link #cycles()}
 * and a restore defers foreign-key checks for them.
 *
 * @param tableOrder every table exactly once, parents first, deterministic for a given schema
 * @param cycles     the strongly connected components that contain a cycle, each sorted by name
 */
public record BackupPlan(List<String> tableOrder, List<List<String>> cycles) {
    public BackupPlan {
        tableOrder = List.copyOf(tableOrder);
        cycles = cycles.stream().map(List::copyOf).toList();
    }

    /** Whether the table is part of a foreign-key cycle. */
    public boolean inCycle(String table) {
        return cycles.stream().anyMatch(c -> c.contains(table));
    }

    /** All tables that are part of some cycle. */
    public Set<String> tablesInCycles() {
        return cycles.stream().flatMap(List::stream).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }
}
