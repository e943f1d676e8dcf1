package io.backupkit.internal;

import io.backupkit.BackupPlan;
import io.backupkit.spi.ForeignKey;
import io.backupkit.spi.TableModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TablePlannerTest {

    /** The Chinook sample database: a self-reference and tables with several parents. */
    private static final List<TableModel> CHINOOK = List.of(
            table("Album", fk("Artist", "ArtistId")),
            table("Artist"),
            table("Customer", fk("Employee", "SupportRepId")),
            table("Employee", fk("Employee", "ReportsTo")),
            table("Genre"),
            table("Invoice", fk("Customer", "CustomerId")),
            table("InvoiceLine", fk("Invoice", "InvoiceId"), fk("Track", "TrackId")),
            table("MediaType"),
            table("Playlist"),
            table("PlaylistTrack", fk("Playlist", "PlaylistId"), fk("Track", "TrackId")),
            table("Track", fk("Album", "AlbumId"), fk("Genre", "GenreId"), fk("MediaType", "MediaTypeId")));

    @Test
    void chinookIsOrderedParentsFirstWithTiesByName() {
        BackupPlan plan = TablePlanner.plan(CHINOOK);

        assertThat(plan.tableOrder()).containsExactly(
                "Artist", "Album", "Employee", "Customer", "Genre", "Invoice", "MediaType",
                "Playlist", "Track", "InvoiceLine", "PlaylistTrack");
        assertThat(plan.cycles()).containsExactly(List.of("Employee"));
    }

    @Test
    void compositeForeignKeyIsOneEdge() {
        BackupPlan plan = TablePlanner.plan(List.of(
                table("line", new ForeignKey(List.of("order_id", "order_rev"), "order", List.of("id", "rev"))),
                table("order")));

        assertThat(plan.tableOrder()).containsExactly("order", "line");
        assertThat(plan.cycles()).isEmpty();
    }

    @Test
    void twoTableCycleIsWrittenTogetherSortedByName() {
        BackupPlan plan = TablePlanner.plan(List.of(
                table("z_child", fk("b", "b_id")),
                table("b", fk("a", "a_id")),
                table("a", fk("b", "b_id")),
                table("c")));

        assertThat(plan.tableOrder()).containsExactly("a", "b", "c", "z_child");
        assertThat(plan.cycles()).containsExactly(List.of("a", "b"));
    }

    @Test
    void cyclesAreSortedByFirstTable() {
        BackupPlan plan = TablePlanner.plan(List.of(
                table("y", fk("x", "x_id")),
                table("x", fk("y", "y_id")),
                table("m", fk("m", "parent_id")),
                table("b", fk("c", "c_id")),
                table("c", fk("b", "b_id"))));

        assertThat(plan.cycles()).containsExactly(List.of("b", "c"), List.of("m"), List.of("x", "y"));
    }

    @Test
    void selfReferenceIsACycleOfOne() {
        BackupPlan plan = TablePlanner.plan(List.of(
                table("category", fk("category", "parent_id")),
                table("product", fk("category", "category_id"))));

        assertThat(plan.tableOrder()).containsExactly("category", "product");
        assertThat(plan.cycles()).containsExactly(List.of("category"));
        assertThat(plan.inCycle("product")).isFalse();
    }

    @Test
    void foreignKeyToTableNotInTheListIsIgnored() {
        BackupPlan plan = TablePlanner.plan(List.of(
                table("b_audit", fk("excluded_users", "user_id")),
                table("a_log", fk("b_audit", "audit_id"))));

        assertThat(plan.tableOrder()).containsExactly("b_audit", "a_log");
        assertThat(plan.cycles()).isEmpty();
    }

    @Test
    void noTablesGiveAnEmptyPlan() {
        BackupPlan plan = TablePlanner.plan(List.of());

        assertThat(plan.tableOrder()).isEmpty();
        assertThat(plan.cycles()).isEmpty();
    }

    @Test
    void inputOrderDoesNotMatter() {
        BackupPlan expected = TablePlanner.plan(CHINOOK);
        Random random = new Random(42);
        for (int i = 0; i < 20; i++) {
            List<TableModel> shuffled = new ArrayList<>(CHINOOK);
            Collections.shuffle(shuffled, random);
            assertThat(TablePlanner.plan(shuffled)).isEqualTo(expected);
        }
    }

    @Test
    void longChainDoesNotOverflowTheStack() {
        int n = 100_000;
        List<TableModel> chain = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // The last table references the first, closing one cycle through every table.
            chain.add(table(name(i), fk(name((i + 1) % n), "next_id")));
        }

        BackupPlan plan = TablePlanner.plan(chain);

        assertThat(plan.cycles()).hasSize(1);
        assertThat(plan.cycles().get(0)).hasSize(n).isSorted();
    }

    @Test
    void duplicateTableNamesAreRejected() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> TablePlanner.plan(List.of(table("users"), table("orders"), table("users"))))
                .withMessageContaining("users");
    }

    private static String name(int i) {
        return String.format("t%06d", i);
    }

    private static TableModel table(String name, ForeignKey... foreignKeys) {
        return new TableModel(name, List.of(), List.of(), List.of(foreignKeys), TableModel.Kind.TABLE);
    }

    private static ForeignKey fk(String referencedTable, String column) {
        return new ForeignKey(List.of(column), referencedTable, List.of());
    }
}
