package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.HikariWriteGate;
import io.backupkit.RestoreOptions;
import io.backupkit.RestorePreview;
import io.backupkit.RestoreResult;
import io.backupkit.TablePreview;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Backup, preview, restore and undo on a real PostgreSQL server. */
class RestoreRoundTripTest {

    @TempDir
    Path store;

    @Test
    void tortureSchemaRestoresExactlyAndUndoBringsBackTheChanges() throws Exception {
        String db = PgTestKit.tortureDatabase();
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            String schemaBefore = PgCli.schemaDump(db, "public");
            Map<String, String> before = PgTestKit.content(db, "public");
            BackupManifest manifest = service.backup();
            assertThat(service.verify(manifest.id(), io.backupkit.VerifyDepth.DEEP).ok()).isTrue();
            assertThat(schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));

            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM types WHERE id = 2");
                s.execute("UPDATE owners SET nick = 'changed' WHERE id = 1");
                s.execute("INSERT INTO owners (email) VALUES ('new@example.com')");
                s.execute("DELETE FROM no_key WHERE w IS NULL");
                s.execute("CREATE TABLE extra (id int)");
                s.execute("SELECT nextval('ticket_numbers')");
            }
            Map<String, String> changed = PgTestKit.content(db, "public");

            RestorePreview preview = service.preview(manifest.id());
            Map<String, TablePreview> byTable = new java.util.HashMap<>();
            preview.tables().forEach(t -> byTable.put(t.table(), t));
            assertThat(byTable.get("types").addedRows()).isEqualTo(1);
            assertThat(byTable.get("owners").changedRows()).isEqualTo(1);
            assertThat(byTable.get("owners").lostRows()).isEqualTo(1);
            assertThat(byTable.get("no_key").addedRows()).isEqualTo(1);
            assertThat(byTable.get("machines").changes()).isFalse();
            assertThat(preview.tablesOnlyLive()).containsExactly("extra");
            assertThat(PgTestKit.content(db, "public")).isEqualTo(changed);

            RestoreResult result = service.restore(manifest.id(), RestoreOptions.builder()
                    .writeGate(HikariWriteGate.of(pool)).build());
            assertThat(result.safetyBackupId()).isNotNull();
            assertThat(PgCli.schemaDump(db, "public")).isEqualTo(schemaBefore);
            assertThat(PgTestKit.content(db, "public")).isEqualTo(before);
            assertThat(schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));

            // the pool keeps working against the restored tables
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("INSERT INTO machines (owner_id, name) VALUES (1, 'after restore')");
            }

            service.undoLastRestore(RestoreOptions.builder().build());
            assertThat(PgTestKit.content(db, "public")).isEqualTo(changed);
        }
    }

    @Test
    void chinookRoundTripsThroughRestoreIntoAnEmptyDatabase() throws Exception {
        String source = PgTestKit.chinookDatabase();
        String target = PgTestServer.newDatabase("chinook_restored");
        try (HikariDataSource from = PgTestServer.pool(source); HikariDataSource to = PgTestServer.pool(target)) {
            BackupManifest manifest = PgTestKit.service(from, store, new PostgresDialect()).backup();
            assertThat(manifest.tables()).hasSize(11);
            try (Connection c = to.getConnection(); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA public");
            }
            RestoreResult result = PgTestKit.service(to, store, new PostgresDialect())
                    .restore(manifest.id(), RestoreOptions.builder().build());
            assertThat(result.safetyBackupId()).isNull();
            assertThat(PgCli.schemaDump(target, "public")).isEqualTo(PgCli.schemaDump(source, "public")
                    .replace("CREATE SCHEMA public;\n\n\n--\n-- Name: SCHEMA public; Type: COMMENT; Schema: -; Owner: -\n"
                            + "--\n\nCOMMENT ON SCHEMA public IS 'standard public schema';\n", "CREATE SCHEMA public;\n"));
            assertThat(PgTestKit.content(target, "public")).isEqualTo(PgTestKit.content(source, "public"));
        }
    }

    @Test
    void theAfterRestoreCallbackMigratesTheStagedSchemaBeforeTheSwap() throws Exception {
        String db = PgTestServer.newDatabase("migrate");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            PostgresDialectTest.exec(pool, "CREATE TABLE items (id int PRIMARY KEY, name text)",
                    "INSERT INTO items VALUES (1, 'a'), (2, 'b')");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            BackupManifest manifest = service.backup();
            // the application has moved on: version 2 of its schema has a column more
            PostgresDialectTest.exec(pool, "ALTER TABLE items ADD COLUMN price numeric DEFAULT 0");
            service.restore(manifest.id(), RestoreOptions.builder().afterRestore((staged, m) -> {
                try (Statement s = staged.createStatement()) {
                    s.execute("ALTER TABLE items ADD COLUMN price numeric DEFAULT 0");
                    s.execute("UPDATE items SET price = id * 10");
                }
            }).build());
            assertThat(PgTestKit.content(db, "public").get("table items")).isEqualTo("(1,a,10)\n(2,b,20)");

            // a callback that fails leaves the live schema as it was
            Map<String, String> before = PgTestKit.content(db, "public");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.restore(manifest.id(),
                    RestoreOptions.builder().afterRestore((staged, m) -> {
                        throw new IllegalStateException("migration failed");
                    }).build())).hasMessageContaining("migration failed");
            assertThat(PgTestKit.content(db, "public")).isEqualTo(before);
            assertThat(schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));

            // a callback that commits is refused, and the staging schema it committed is dropped
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.restore(manifest.id(),
                    RestoreOptions.builder().afterRestore((staged, m) -> staged.commit()).build()))
                    .hasMessageContaining("committed the restore's transaction");
            assertThat(PgTestKit.content(db, "public")).isEqualTo(before);
            assertThat(schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));

            // a staging schema committed by a process that then died is dropped by the next restore
            PostgresDialectTest.exec(pool, "CREATE SCHEMA backupkit_staging_abc123",
                    "CREATE TABLE backupkit_staging_abc123.items (id int)");
            service.preview(manifest.id());
            assertThat(schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));
        }
    }

    static java.util.List<String> schemas(javax.sql.DataSource ds) throws Exception {
        java.util.List<String> out = new java.util.ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT nspname FROM pg_namespace")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
