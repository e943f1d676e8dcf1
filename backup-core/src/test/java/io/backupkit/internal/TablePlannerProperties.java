package io.backupkit.internal;

import io.backupkit.BackupPlan;
import io.backupkit.spi.ForeignKey;
import io.backupkit.spi.TableModel;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.statistics.Statistics;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of {@link TablePlanner} on random schemas: a random DAG of foreign keys, made cyclic by
 * a few back edges and self-references, plus keys to tables that are not in the backup.
 */
class TablePlannerProperties {

    @Property(tries = 200)
    void everyTableAppearsExactlyOnce(@ForAll("schemas") List<TableModel> tables) {
        BackupPlan plan = TablePlanner.plan(tables);

        assertThat(plan.tableOrder()).containsExactlyInAnyOrderElementsOf(names(tables));
    }

    @Property(tries = 200)
    void parentsComeFirstOutsideCycles(@ForAll("schemas") List<TableModel> tables) {
        BackupPlan plan = TablePlanner.plan(tables);
        Map<String, Integer> position = indexOf(plan.tableOrder());
        Map<String, List<String>> cycleOf = new HashMap<>();
        plan.cycles().forEach(cycle -> cycle.forEach(t -> cycleOf.put(t, cycle)));

        for (TableModel child : tables) {
            for (ForeignKey fk : child.foreignKeys()) {
                String parent = fk.referencedTable();
                boolean sameCycle = cycleOf.containsKey(parent) && cycleOf.get(parent) == cycleOf.get(child.name());
                if (position.containsKey(parent) && !sameCycle) {
                    assertThat(position.get(child.name()))
                            .as("%s references %s", child.name(), parent)
                            .isGreaterThan(position.get(parent));
                }
            }
        }
    }

    @Property(tries = 200)
    void cyclesAreExactlyTheCyclicComponents(@ForAll("schemas") List<TableModel> tables) {
        BackupPlan plan = TablePlanner.plan(tables);

        List<List<String>> expected = cyclicComponentsByClosure(tables);
        assertThat(plan.cycles()).isEqualTo(expected);

        // Guards the generator: without cycles of several tables this property would prove little.
        Statistics.label("cycle of several tables").collect(expected.stream().anyMatch(c -> c.size() > 1));
        Statistics.label("cycle of several tables").coverage(coverage -> {
            coverage.check(true).percentage(p -> p > 25);
            coverage.check(false).percentage(p -> p > 10);
        });
    }

    @Property(tries = 200)
    void cycleMembersAreWrittenTogetherInNameOrder(@ForAll("schemas") List<TableModel> tables) {
        BackupPlan plan = TablePlanner.plan(tables);

        for (List<String> cycle : plan.cycles()) {
            int first = plan.tableOrder().indexOf(cycle.get(0));
            assertThat(plan.tableOrder().subList(first, first + cycle.size())).isEqualTo(cycle);
        }
    }

    @Property(tries = 200)
    void inputOrderDoesNotMatter(@ForAll("schemas") List<TableModel> tables, @ForAll Random random) {
        List<TableModel> shuffled = new ArrayList<>();
        for (TableModel table : tables) {
            List<ForeignKey> fks = new ArrayList<>(table.foreignKeys());
            Collections.shuffle(fks, random);
            shuffled.add(new TableModel(table.name(), table.columns(), table.primaryKey(), fks, table.kind()));
        }
        Collections.shuffle(shuffled, random);

        assertThat(TablePlanner.plan(shuffled)).isEqualTo(TablePlanner.plan(tables));
    }

    /**
     * The reference the planner is checked against: a and b share a component iff each reaches the
     * other (Floyd–Warshall closure), and a component is cyclic iff its tables reach themselves.
     */
    private static List<List<String>> cyclicComponentsByClosure(List<TableModel> tables) {
        List<String> names = names(tables);
        Map<String, Integer> index = indexOf(names);
        int n = names.size();
        boolean[][] reaches = new boolean[n][n];
        for (TableModel table : tables) {
            for (ForeignKey fk : table.foreignKeys()) {
                Integer parent = index.get(fk.referencedTable());
                if (parent != null) {
                    reaches[index.get(table.name())][parent] = true;
                }
            }
        }
        for (int k = 0; k < n; k++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    reaches[i][j] |= reaches[i][k] && reaches[k][j];
                }
            }
        }
        return IntStream.range(0, n)
                .filter(i -> reaches[i][i])
                .mapToObj(i -> IntStream.range(0, n)
                        .filter(j -> reaches[i][j] && reaches[j][i])
                        .mapToObj(names::get)
                        .sorted()
                        .toList())
                .distinct()
                .sorted(Comparator.comparing((List<String> cycle) -> cycle.get(0)))
                .toList();
    }

    @Provide
    Arbitrary<List<TableModel>> schemas() {
        return Arbitraries.integers().between(1, 30).withDistribution(RandomDistribution.uniform()).flatMap(n -> {
            Arbitrary<Edge> pair = Combinators.combine(
                    Arbitraries.integers().between(0, n - 1),
                    Arbitraries.integers().between(0, n - 1)).as(Edge::new);
            // Table i may reference table j < i: always acyclic.
            Arbitrary<List<Edge>> dag = pair.list().ofMinSize(n).ofMaxSize(3 * n)
                    .map(edges -> edges.stream().filter(e -> e.from != e.to).map(Edge::downward).toList());
            // A reference from a lower index to a higher one may close a cycle through the DAG.
            Arbitrary<List<Edge>> back = pair.list().ofMaxSize(8)
                    .map(edges -> edges.stream().filter(e -> e.from != e.to).map(Edge::upward).toList());
            Arbitrary<List<Edge>> self = Arbitraries.integers().between(0, n - 1).list().ofMaxSize(2)
                    .map(tables -> tables.stream().map(t -> new Edge(t, t)).toList());
            Arbitrary<List<Edge>> dangling = Arbitraries.integers().between(0, n - 1).list().ofMaxSize(2)
                    .map(tables -> tables.stream().map(t -> new Edge(t, -1)).toList());
            return Combinators.combine(tableNames().list().ofSize(n).uniqueElements(), dag, back, self, dangling)
                    .as(TablePlannerProperties::schema);
        });
    }

    private static Arbitrary<String> tableNames() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'd').withChars(' ', '_').ofMinLength(1).ofMaxLength(4),
                Arbitraries.strings().withChars("Aaé表 \u00a0ß😀").ofMinLength(1).ofMaxLength(6),
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(5));
    }

    private static List<TableModel> schema(List<String> names, List<Edge> dag, List<Edge> back,
                                           List<Edge> self, List<Edge> dangling) {
        Map<Integer, List<ForeignKey>> fks = new HashMap<>();
        Stream.of(dag, back, self, dangling).flatMap(List::stream).forEach(e -> {
            String parent = e.to < 0 ? "not in backup" : names.get(e.to);
            // Half the keys are composite; to the planner a composite key is one edge all the same.
            List<String> columns = e.from % 2 == 0 ? List.of("k") : List.of("k1", "k2");
            fks.computeIfAbsent(e.from, k -> new ArrayList<>()).add(new ForeignKey(columns, parent, List.of()));
        });
        return IntStream.range(0, names.size())
                .mapToObj(i -> new TableModel(names.get(i), List.of(), List.of(),
                        fks.getOrDefault(i, List.of()), TableModel.Kind.TABLE))
                .toList();
    }

    private static List<String> names(List<TableModel> tables) {
        return tables.stream().map(TableModel::name).toList();
    }

    private static Map<String, Integer> indexOf(List<String> list) {
        return IntStream.range(0, list.size()).boxed().collect(Collectors.toMap(list::get, Function.identity()));
    }

    /** A foreign key from table {@code from} to table {@code to}, by generation index. */
    private record Edge(int from, int to) {
        Edge downward() {
            return new Edge(Math.max(from, to), Math.min(from, to));
        }

        Edge upward() {
            return new Edge(Math.min(from, to), Math.max(from, to));
        }
    }
}
