package io.backupkit.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.InvalidArchiveException;
import io.backupkit.LocalFolderStore;
import io.backupkit.ManifestEntry;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.SchemaObject;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.Selection;
import io.backupkit.TablePreview;
import io.backupkit.internal.DialectResolver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link Dialect} must show, through the public API and the SPI alone, run
 * against each implementation on its real database. A dialect's test extends this class and says
 * how to get an empty database and how to spell two tables in its SQL:
 *
 * <pre>{@code
 * class SqliteDialectContractTest extends DialectContractTest {
 *     protected Dialect dialect() { return new SqliteDialect(); }
 *     protected DataSource emptyDatabase() { ... a new file ... }
 *     protected List<String> fixtureDdl() { return List.of("CREATE TABLE parent (...)", ...); }
 * }
 * }</pre>
 *
 * <p>The fixture is {@code parent(id integer primary key, name text, score float, data blob)}
 * and {@code child(id integer primary key, parent_id integer references parent(id), note text)},
 * in the dialect's own types, plus whatever indexes the dialect likes. Shipped in
 * {@code backup-core}'s test-jar.
 */
public abstract class DialectContractTest {

    /** The dialect under test. */
    protected abstract Dialect dialect();

    /** A new, empty database; called once per test. */
    protected abstract DataSource emptyDatabase() throws Exception;

    /** Statements that create the two fixture tables (and optionally indexes) in the dialect's SQL. */
    protected abstract List<String> fixtureDdl();

    @TempDir
    protected Path folder;

    /** The database of the current test, holding the fixture. */
    protected DataSource database;

    private BackupService service;

    @BeforeEach
    void createFixture() throws Exception {
        database = emptyDatabase();
        for (String ddl : fixtureDdl()) {
            execute(ddl);
        }
        try (Connection c = database.getConnection();
             PreparedStatement parent = c.prepareStatement("INSERT INTO parent (id, name, score, data) VALUES (?, ?, ?, ?)");
             PreparedStatement child = c.prepareStatement("INSERT INTO child (id, parent_id, note) VALUES (?, ?, ?)")) {
            Object[][] parents = {
                {1L, "plain", 1.5, new byte[] {0, 1, 2, (byte) 0xff}},
                {2L, "quote ' \" back \\ slash\nnew line\ttab é 😀", -0.1, new byte[0]},
                {3L, null, null, null}};
            for (Object[] p : parents) {
                for (int i = 0; i < p.length; i++) {
                    parent.setObject(i + 1, p[i]);
                }
                parent.executeUpdate();
            }
            Object[][] children = {{1L, 1L, "a"}, {2L, 1L, "b"}, {3L, 2L, null}, {4L, null, "orphan-free"}};
            for (Object[] r : children) {
                for (int i = 0; i < r.length; i++) {
                    child.setObject(i + 1, r[i]);
                }
                child.executeUpdate();
            }
        }
        service = BackupService.builder().dataSource(database).dialect(dialect())
                .store(LocalFolderStore.at(folder.resolve("store"))).build();
    }

    /** Runs statements on the fixture database. */
    protected void execute(String... statements) throws SQLException {
        try (Connection c = database.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** Every row of a fixture table, ordered by id, values as Java objects (blobs as hex). */
    protected List<List<Object>> rows(String table) throws SQLException {
        List<List<Object>> rows = new ArrayList<>();
        try (Connection c = database.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY id")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<Object> row = new ArrayList<>();
                for (int i = 1; i <= n; i++) {
                    Object v = rs.getObject(i);
                    row.add(v instanceof byte[] b ? java.util.HexFormat.of().formatHex(b) : v);
                }
                rows.add(row);
            }
        }
        return rows;
    }

    @Test
    public void claimsItsOwnDatabaseAndQuotesSafely() {
        DatabaseInfo info = DialectResolver.describe(database);
        assertThat(dialect().supports(info)).as("supports " + info).isTrue();
        assertThat(dialect().supports(new DatabaseInfo("NoSuchDatabase", "1", "jdbc:nosuch:x"))).isFalse();
        assertThat(new String(dialect().literal(null), StandardCharsets.UTF_8)).isEqualTo("NULL");
        assertThat(dialect().quoteIdentifier("we\"ird")).contains("we").isNotEqualTo("we\"ird");
        assertThat(dialect().restorer()).isPresent();
    }

    @Test
    public void aSnapshotReportsTablesKeysForeignKeysCountsAndRows() throws Exception {
        try (Snapshot snapshot = dialect().openSnapshot(database,
                new SnapshotOptions(Duration.ofSeconds(5), folder))) {
            SchemaModel schema = snapshot.schema();
            TableModel parent = schema.table("parent");
            TableModel child = schema.table("child");
            assertThat(parent.primaryKey()).containsExactly("id");
            assertThat(child.foreignKeys()).anyMatch(fk -> fk.referencedTable().equals("parent")
                    && fk.columns().equals(List.of("parent_id")));
            assertThat(parent.columns().stream().map(ColumnModel::name)).containsExactly("id", "name", "score", "data");
            assertThat(snapshot.countRows(parent)).isEqualTo(3);
            assertThat(snapshot.countRows(child)).isEqualTo(4);
            int name = parent.columnIndex("name");
            int data = parent.columnIndex("data");
            Set<Object> names = new HashSet<>();
            try (RowCursor cursor = snapshot.openRows(parent, Set.of(name, data))) {
                int n = 0;
                while (cursor.next()) {
                    n++;
                    names.add(String.valueOf(cursor.value(name)));
                    Object blob = cursor.value(data);
                    assertThat(blob == null || blob instanceof byte[]).as("a blob is read as byte[]").isTrue();
                    assertThat(cursor.literals(0, 1)).isNotEmpty();
                }
                assertThat(n).isEqualTo(3);
            }
            assertThat(names).contains("plain", "null", "quote ' \" back \\ slash\nnew line\ttab é 😀");
        }
    }

    @Test
    public void previewRestoreAndUndoRoundTrip() throws Exception {
        List<List<Object>> parents = rows("parent");
        List<List<Object>> children = rows("child");
        BackupManifest manifest = service.backup();
        assertThat(manifest.source().dialect()).isEqualTo(dialect().name());
        assertThat(manifest.totalRows()).isEqualTo(7);

        execute("DELETE FROM child WHERE id = 3", "UPDATE parent SET name = 'changed' WHERE id = 1",
                "INSERT INTO child (id, parent_id, note) VALUES (5, 2, 'new')");
        List<List<Object>> changedChildren = rows("child");

        RestorePreview preview = service.preview(manifest.id());
        Map<String, TablePreview> byTable = preview.tables().stream()
                .collect(Collectors.toMap(TablePreview::table, t -> t));
        assertThat(byTable.get("parent").changedRows()).isEqualTo(1);
        assertThat(byTable.get("child").addedRows()).isEqualTo(1);
        assertThat(byTable.get("child").lostRows()).isEqualTo(1);
        assertThat(rows("child")).as("a preview changes nothing").isEqualTo(changedChildren);

        service.restore(manifest.id(), RestoreOptions.builder().build());
        assertThat(rows("parent")).isEqualTo(parents);
        assertThat(rows("child")).isEqualTo(children);

        service.undoLastRestore(RestoreOptions.builder().build());
        assertThat(rows("child")).isEqualTo(changedChildren);
    }

    @Test
    public void aSelectedRowComesBackIntoTheLiveData() throws Exception {
        BackupManifest manifest = service.backup();
        execute("DELETE FROM child WHERE id = 2");
        SelectiveRestoreResult result = service.restoreSelected(manifest.id(), Selection.rows("child", 2L));
        assertThat(result.rows()).anyMatch(r -> r.table().equals("child") && r.key().equals("2")
                && r.action() == SelectiveRestoreResult.Action.INSERTED);
        assertThat(rows("child")).hasSize(4);
    }

    @Test
    public void aSchemaStatementThatDropsATableIsRejectedBeforeAnythingRuns() throws Exception {
        BackupManifest manifest = service.backup();
        List<SchemaObject> schema = new ArrayList<>(manifest.schema());
        schema.add(new SchemaObject(ManifestEntry.Kind.POST_DATA, SchemaStatement.Type.INDEX, "evil", "parent",
                "DROP TABLE parent"));
        BackupManifest forged = new BackupManifest(manifest.formatVersion(), manifest.id(), manifest.createdAt(),
                manifest.snapshotAt(), manifest.source(), manifest.libraryVersion(), manifest.schemaFingerprint(),
                manifest.compression(), manifest.plan(), manifest.tables(), schema, manifest.entries(),
                manifest.redactions(), manifest.labels(), manifest.warnings(), manifest.mediaMissing(),
                manifest.mediaChanged());
        Restorer restorer = dialect().restorer().orElseThrow();
        assertThatThrownBy(() -> restorer.validateSchema(forged)).isInstanceOf(InvalidArchiveException.class)
                .hasMessageContaining("manifest.json");
        restorer.validateSchema(manifest);
    }

    @Test
    public void theExportedScriptStartsAndEndsAsTheDialectSays() throws Exception {
        BackupManifest manifest = service.backup();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        service.exportSql(manifest.id(), out);
        String script = out.toString(StandardCharsets.UTF_8);
        assertThat(script).startsWith(dialect().scriptPrologue()).endsWith(dialect().scriptEpilogue())
                .contains("INSERT INTO " + dialect().quoteIdentifier("parent"));
    }
}
