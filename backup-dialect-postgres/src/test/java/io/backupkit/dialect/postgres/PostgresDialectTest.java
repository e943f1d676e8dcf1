package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.Phase;
import io.backupkit.RedactionRules;
import io.backupkit.RestoreOptions;
import io.backupkit.SnapshotException;
import io.backupkit.UnsupportedDatabaseException;
import io.backupkit.internal.DialectResolver;
import io.backupkit.spi.DatabaseInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery, schemas, consistency, locks, refusals and redaction on a real server. */
class PostgresDialectTest {

    @TempDir
    Path store;

    @Test
    void supportsPostgresqlOnlyAndIsDiscoveredThroughServiceLoader() throws Exception {
        PostgresDialect dialect = new PostgresDialect();
        assertThat(dialect.supports(new DatabaseInfo("PostgreSQL", "14.22", "jdbc:postgresql://h/db"))).isTrue();
        assertThat(dialect.supports(new DatabaseInfo("SQLite", "3.46", "jdbc:sqlite:x.db"))).isFalse();
        assertThat(dialect.supports(new DatabaseInfo("PostgreSQL", "11.22", "jdbc:postgresql://h/db"))).isFalse();
        assertThat(dialect.supports(new DatabaseInfo("PostgreSQL", "17.2 (Debian)", "jdbc:postgresql://h/db"))).isTrue();
        assertThat(DialectResolver.discover(getClass().getClassLoader()))
                .anyMatch(d -> d instanceof PostgresDialect);
        assertThatThrownBy(() -> PostgresDialect.forSchema("")).isInstanceOf(IllegalArgumentException.class);

        String db = PgTestServer.newDatabase("discovery");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE TABLE t (id int PRIMARY KEY)", "INSERT INTO t VALUES (1), (2)");
            BackupService service = BackupService.builder().dataSource(pool).store(LocalFolderStore.at(store)).build();
            BackupManifest manifest = service.backup();
            assertThat(manifest.source().dialect()).isEqualTo("postgresql");
            assertThat(manifest.totalRows()).isEqualTo(2);
        }
    }

    @Test
    void aNamedSchemaIsBackedUpAndRestoredAloneLeavingOtherSchemasAlone() throws Exception {
        String db = PgTestServer.newDatabase("schemas");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE SCHEMA \"App Data\"", "CREATE TABLE \"App Data\".items (id serial PRIMARY KEY, v text)",
                    "CREATE VIEW \"App Data\".v AS SELECT count(*) FROM \"App Data\".items",
                    "INSERT INTO \"App Data\".items (v) VALUES ('a'), ('b')",
                    "CREATE TABLE public.other (id int)", "INSERT INTO public.other VALUES (7)");
            BackupService service = PgTestKit.service(pool, store, PostgresDialect.forSchema("App Data"));
            BackupManifest manifest = service.backup();
            assertThat(manifest.tables()).extracting(t -> t.name()).containsExactly("items");
            String dump = PgCli.schemaDump(db, "App Data");
            var content = PgTestKit.content(db, "App Data");
            exec(pool, "DELETE FROM \"App Data\".items", "INSERT INTO public.other VALUES (8)");
            service.restore(manifest.id(), RestoreOptions.builder().build());
            assertThat(PgCli.schemaDump(db, "App Data")).isEqualTo(dump);
            assertThat(PgTestKit.content(db, "App Data")).isEqualTo(content);
            assertThat(PgTestKit.content(db, "public").get("table other")).isEqualTo("(7)\n(8)");
        }
    }

    @Test
    void theSnapshotIsOnePointInTimeWhileWritersCommit() throws Exception {
        String db = PgTestServer.newDatabase("consistent");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE TABLE a_accounts (id int PRIMARY KEY, balance int)",
                    "CREATE TABLE b_ledger (id serial PRIMARY KEY, account int, amount int)",
                    "INSERT INTO a_accounts VALUES (1, 100), (2, 100)");
            AtomicBoolean wrote = new AtomicBoolean();
            BackupService service = BackupService.builder().dataSource(pool).dialect(new PostgresDialect())
                    .store(LocalFolderStore.at(store))
                    .progressListener(p -> {
                        if (p.phase() == Phase.DATA && !wrote.getAndSet(true)) {
                            // another transaction commits after the snapshot began, touching both tables
                            exec(pool, "BEGIN; UPDATE a_accounts SET balance = balance - 30 WHERE id = 1; "
                                    + "UPDATE a_accounts SET balance = balance + 30 WHERE id = 2; "
                                    + "INSERT INTO b_ledger (account, amount) VALUES (1, -30), (2, 30); COMMIT");
                        }
                    }).build();
            BackupManifest manifest = service.backup();
            assertThat(wrote).isTrue();
            String script = new String(PgTestKit.export(service, manifest.id()), StandardCharsets.UTF_8);
            assertThat(script).contains("(1,100),\n(2,100)").doesNotContain("INSERT INTO \"b_ledger\"");
            assertThat(manifest.tables()).allMatch(t -> t.name().equals("a_accounts") ? t.rows() == 2 : t.rows() == 0);
        }
    }

    @Test
    void aTableLockedLongerThanTheLockTimeoutFailsTheBackupWithASpecificError() throws Exception {
        String db = PgTestServer.newDatabase("locked");
        try (HikariDataSource pool = PgTestServer.pool(db); Connection holder = pool.getConnection()) {
            exec(pool, "CREATE TABLE t (id int)");
            holder.setAutoCommit(false);
            try (Statement s = holder.createStatement()) {
                s.execute("LOCK TABLE t IN ACCESS EXCLUSIVE MODE");
            }
            BackupService service = BackupService.builder().dataSource(pool).dialect(new PostgresDialect())
                    .store(LocalFolderStore.at(store))
                    .options(BackupOptions.builder().lockTimeout(Duration.ofMillis(300)).build()).build();
            assertThatThrownBy(service::backup).isInstanceOf(SnapshotException.class)
                    .hasMessageContaining("stayed locked").hasMessageContaining("300 ms");
            holder.rollback();
            assertThat(service.list()).isEmpty();
        }
    }

    @Test
    void partitionedTablesAndUnrestorableViewsAreRefusedAndCodeIsWarnedAbout() throws Exception {
        String db = PgTestServer.newDatabase("refusals");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE TABLE t (id int PRIMARY KEY)",
                    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
                    "CREATE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION touch()");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            BackupManifest manifest = service.backup();
            assertThat(manifest.warnings()).anyMatch(w -> w.contains("functions and procedures") && w.contains("touch"))
                    .anyMatch(w -> w.contains("triggers") && w.contains("t_touch"));

            exec(pool, "CREATE VIEW sleepy AS SELECT pg_backend_pid() AS pid");
            assertThatThrownBy(service::backup).isInstanceOf(UnsupportedDatabaseException.class)
                    .hasMessageContaining("view 'sleepy'").hasMessageContaining("pg_backend_pid")
                    .hasMessageContaining("a restore would refuse");
            exec(pool, "DROP VIEW sleepy", "CREATE TABLE parted (id int) PARTITION BY RANGE (id)");
            assertThatThrownBy(service::backup).isInstanceOf(UnsupportedDatabaseException.class)
                    .hasMessageContaining("partitioned table parted");
            assertThat(service.list()).hasSize(1);
        }
    }

    @Test
    void redactionRewritesValuesOfAnyTypeAndExcludesTables() throws Exception {
        String db = PgTestServer.newDatabase("redaction");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE TABLE users (id bigint PRIMARY KEY, email text, secret bytea, score float8, born date)",
                    "CREATE TABLE sessions (id int PRIMARY KEY)",
                    "INSERT INTO users VALUES (1, 'a@x.org', '\\xdeadbeef', 1.5, '2000-01-02'), (2, NULL, NULL, 'NaN', NULL)",
                    "INSERT INTO sessions VALUES (1)");
            BackupService service = BackupService.builder().dataSource(pool).dialect(new PostgresDialect())
                    .store(LocalFolderStore.at(store))
                    .redaction(RedactionRules.builder().excludeTable("sessions").setNull("users", "email")
                            .custom("users", "secret", (t, c, v) -> v == null ? null : new byte[] {1, 2})
                            .custom("users", "score", (t, c, v) -> v instanceof Double d && d.isNaN() ? -0.0 : v)
                            .custom("users", "born", (t, c, v) -> v == null ? null : v + " BC").build())
                    .build();
            BackupManifest manifest = service.backup();
            assertThat(manifest.tables()).extracting(t -> t.name()).containsExactly("users");
            String target = PgTestServer.newDatabase("redacted");
            PgCli.psql(target, PgTestKit.export(service, manifest.id()));
            try (Connection c = PgTestKit.connect(target); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT email, encode(secret, 'hex'), score::text, born::text "
                         + "FROM users ORDER BY id")) {
                rs.next();
                assertThat(rs.getString(1)).isNull();
                assertThat(rs.getString(2)).isEqualTo("0102");
                assertThat(rs.getString(3)).isEqualTo("1.5");
                assertThat(rs.getString(4)).isEqualTo("2000-01-02 BC");
                rs.next();
                assertThat(rs.getString(2)).isNull();
                assertThat(rs.getString(3)).isEqualTo("-0");
            }
        }
    }

    @Test
    void aTableExcludedByRedactionTakesTheForeignKeysToItOutOfTheRestore() throws Exception {
        String db = PgTestServer.newDatabase("excluded");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            exec(pool, "CREATE TABLE sessions (id int PRIMARY KEY)",
                    "CREATE TABLE events (id int PRIMARY KEY, session_id int REFERENCES sessions (id))",
                    "INSERT INTO sessions VALUES (1)", "INSERT INTO events VALUES (1, 1), (2, NULL)",
                    "CREATE VIEW event_sessions AS SELECT e.id FROM events e JOIN sessions s ON s.id = e.session_id",
                    "CREATE VIEW event_ids AS SELECT id FROM events",
                    "COMMENT ON VIEW event_sessions IS 'joins a table the backup leaves out'");
            BackupService service = BackupService.builder().dataSource(pool).dialect(new PostgresDialect())
                    .store(LocalFolderStore.at(store))
                    .redaction(RedactionRules.builder().excludeTable("sessions").build()).build();
            BackupManifest manifest = service.backup();
            exec(pool, "DELETE FROM events WHERE id = 2");
            service.restore(manifest.id(), RestoreOptions.builder().allowRedacted(true).build());
            assertThat(PgTestKit.content(db, "public")).containsEntry("table events", "(1,1)\n(2,)")
                    .doesNotContainKey("table sessions");
            assertThat(RestoreRoundTripTest.schemas(pool)).contains("public");
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT string_agg(viewname, ',' ORDER BY viewname) FROM pg_views "
                         + "WHERE schemaname = 'public'")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("event_ids");
            }
        }
    }

    static void exec(javax.sql.DataSource ds, String... statements) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
