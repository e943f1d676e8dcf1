package io.backupkit.internal;

import io.backupkit.BackupPlan;
import io.backupkit.spi.ForeignKey;
import io.backupkit.spi.TableModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;

/**
 * Decides the order in which a backup writes tables, parents before children, and which tables
 * take part in foreign-key cycles.
 *
 * <p>Parents come first so that a restore can replay the archive with foreign-key checks switched
 * on and catch a damaged archive at the first orphan row. Where foreign keys form a cycle (a table
 * referencing itself included) no such order exists, so each strongly connected component is
 * written as one block, sorted by name, and reported in {@link BackupPlan#cycles()} so that a
 * restore defers checks for exactly those tables.
 *
 * <p>The plan depends only on the schema, never on the order in which a dialect happened to list
 * tables or keys: two backups of the same schema then produce archives that diff cleanly. That is
 * why ties are broken by table name (a priority queue over the components) instead of by position.
 *
 * <p>Both graph walks are iterative because schemas can have thousands of tables, and a long chain
 * of foreign keys would overflow the call stack of a recursive walk.
 *
 * <p>A foreign key to a table that is not in the list is ignored: that parent was excluded from
 * the backup, so there is nothing to order against.
 */
public final class TablePlanner {

    private TablePlanner() {
    }

    /**
     * Plans the order of the given tables.
     *
     * @param tables the tables to back up, in any order
     * @return every table once, parents first, with the foreign-key cycles among them
     * @throws IllegalArgumentException if two tables have the same name
     */
    public static BackupPlan plan(List<TableModel> tables) {
        // Numbering tables in name order makes "smallest index" mean "smallest name" below.
        String[] names = tables.stream().map(TableModel::name).sorted().toArray(String[]::new);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            if (index.putIfAbsent(names[i], i) != null) {
                throw new IllegalArgumentException("duplicate table name: " + names[i]);
            }
        }

        int[][] parents = new int[names.length][];
        boolean[] selfReferencing = new boolean[names.length];
        for (TableModel table : tables) {
            int child = index.get(table.name());
            parents[child] = table.foreignKeys().stream()
                    .map(ForeignKey::referencedTable)
                    .map(index::get)
                    .filter(Objects::nonNull)
                    .mapToInt(Integer::intValue)
                    .distinct()
                    .toArray();
            selfReferencing[child] = Arrays.stream(parents[child]).anyMatch(p -> p == child);
        }

        int[] component = new int[names.length];
        List<List<Integer>> members = group(component, labelComponents(parents, component));

        List<String> order = new ArrayList<>(names.length);
        for (int c : condensationOrder(parents, component, members)) {
            members.get(c).forEach(t -> order.add(names[t]));
        }

        // Visiting tables in name order and keeping each component at its smallest member yields
        // the cycles already sorted by first element.
        List<List<String>> cycles = new ArrayList<>();
        for (int t = 0; t < names.length; t++) {
            List<Integer> block = members.get(component[t]);
            if (block.get(0) == t && (block.size() > 1 || selfReferencing[t])) {
                cycles.add(block.stream().map(m -> names[m]).toList());
            }
        }
        return new BackupPlan(order, cycles);
    }

    /**
     * Tarjan's strongly connected components, with an explicit stack in place of recursion.
     * Fills {@code component} with a component number per table and returns how many there are.
     */
    private static int labelComponents(int[][] parents, int[] component) {
        int n = parents.length;
        int[] discovered = new int[n]; // 0 while unvisited, else the 1-based visit time
        int[] low = new int[n];
        int[] nextEdge = new int[n];
        boolean[] onStack = new boolean[n];
        int[] stack = new int[n];
        int[] path = new int[n]; // the tables the recursive version would have on its call stack
        int stackSize = 0;
        int time = 0;
        int components = 0;

        for (int root = 0; root < n; root++) {
            if (discovered[root] != 0) {
                continue;
            }
            int pathSize = 0;
            path[pathSize++] = root;
            while (pathSize > 0) {
                int v = path[pathSize - 1];
                if (discovered[v] == 0) {
                    discovered[v] = low[v] = ++time;
                    stack[stackSize++] = v;
                    onStack[v] = true;
                }
                if (nextEdge[v] < parents[v].length) {
                    int w = parents[v][nextEdge[v]++];
                    if (discovered[w] == 0) {
                        path[pathSize++] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], discovered[w]);
                    }
                    continue;
                }
                pathSize--;
                if (pathSize > 0) {
                    int caller = path[pathSize - 1];
                    low[caller] = Math.min(low[caller], low[v]);
                }
                if (low[v] == discovered[v]) {
                    int w;
                    do {
                        w = stack[--stackSize];
                        onStack[w] = false;
                        component[w] = components;
                    } while (w != v);
                    components++;
                }
            }
        }
        return components;
    }

    /** The members of each component; each list is ascending, so sorted by name. */
    private static List<List<Integer>> group(int[] component, int count) {
        List<List<Integer>> members = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            members.add(new ArrayList<>());
        }
        for (int t = 0; t < component.length; t++) {
            members.get(component[t]).add(t);
        }
        return members;
    }

    /**
     * Kahn's algorithm on the graph of components, which has no cycles. Among the components whose
     * parents are all written, the one with the smallest table name goes next.
     */
    private static List<Integer> condensationOrder(int[][] parents, int[] component,
                                                   List<List<Integer>> members) {
        int count = members.size();
        int[] unwrittenParents = new int[count];
        List<List<Integer>> children = new ArrayList<>(count);
        for (int c = 0; c < count; c++) {
            children.add(new ArrayList<>());
        }
        for (int t = 0; t < parents.length; t++) {
            for (int p : parents[t]) {
                if (component[p] != component[t]) {
                    unwrittenParents[component[t]]++;
                    children.get(component[p]).add(component[t]);
                }
            }
        }

        PriorityQueue<Integer> ready = new PriorityQueue<>(Comparator.comparingInt(c -> members.get(c).get(0)));
        for (int c = 0; c < count; c++) {
            if (unwrittenParents[c] == 0) {
                ready.add(c);
            }
        }
        List<Integer> order = new ArrayList<>(count);
        while (!ready.isEmpty()) {
            int c = ready.poll();
            order.add(c);
            for (int child : children.get(c)) {
                if (--unwrittenParents[child] == 0) {
                    ready.add(child);
                }
            }
        }
        return order;
    }
}
