package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupCatalog;
import io.backupkit.BackupException;
import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import io.backupkit.dialect.sqlite.SqliteDialect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** Moving from SQLite to PostgreSQL: a real SQLite backup loaded into a schema the host created. */
class SqliteToPostgresTest {

    @TempDir
    Path dir;

    private String sqliteBackup(Path db) {
        SQLiteDataSource ds = new SQLiteDataSource();
        ds.setUrl("jdbc:sqlite:" + db);
        return BackupService.builder().dataSource(ds).dialect(new SqliteDialect())
                .store(LocalFolderStore.at(dir.resolve("store"))).build().backup().id();
    }

    @Test
    void chinookFromSqliteEqualsChinookLoadedByItsPostgresqlScript() throws Exception {
        Path sqlite = dir.resolve("chinook.sqlite");
        Files.write(sqlite, PgTestKit.resource("datasets/chinook.sqlite"));
        String id = sqliteBackup(sqlite);

        // the host's migrations: the PostgreSQL script's schema (tables, keys, indexes), without its rows
        String script = new String(PgTestKit.resource("datasets/Chinook_PostgreSql.sql"), StandardCharsets.UTF_8);
        String schema = script.substring(script.indexOf("\\c chinook;") + "\\c chinook;".length(),
                script.indexOf("INSERT INTO"));
        String target = PgTestServer.newDatabase("moved");
        PgCli.psql(target, schema.getBytes(StandardCharsets.UTF_8));

        try (HikariDataSource pool = PgTestServer.pool(target)) {
            SqliteToPostgres.Result result = SqliteToPostgres.into(pool, "public")
                    .migrate(BackupCatalog.of(LocalFolderStore.at(dir.resolve("store"))), id);
            assertThat(result.rows()).containsEntry("invoice_line", 2240L).containsEntry("track", 3503L).hasSize(11);
        }
        // One known difference: the PostgreSQL script writes text as N'...' (character, whose trailing spaces
        // do not count), so its 'Edinburgh ' loses the trailing space that the SQLite file, and the move, keep.
        var moved = new java.util.LinkedHashMap<String, String>();
        PgTestKit.content(target, "public").forEach((k, v) -> moved.put(k, v.replace("\"Edinburgh \"", "Edinburgh")));
        assertThat(PgTestKit.content(target, "public").get("table customer")).contains("\"Edinburgh \"");
        assertThat(moved).isEqualTo(PgTestKit.content(PgTestKit.chinookDatabase(), "public"));
    }

    @Test
    void valuesThatDoNotFitStopEverythingNamingTableRowAndColumn() throws Exception {
        Path sqlite = dir.resolve("app.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE Users (Id INTEGER PRIMARY KEY, FullName TEXT, IsAdmin INTEGER, Score REAL, "
                    + "Avatar BLOB)");
            s.execute("CREATE TABLE Notes (Id INTEGER PRIMARY KEY, UserId INTEGER REFERENCES Users(Id), Body TEXT)");
            s.execute("INSERT INTO Users VALUES (1, 'Ann', 1, 9e999, X'00FF'), (2, 'Bob', 0, 2.0, NULL)");
            s.execute("INSERT INTO Notes VALUES (1, 1, 'hello'), (2, 2, 'world')");
        }
        String id = sqliteBackup(sqlite);
        String target = PgTestServer.newDatabase("moved_types");
        try (HikariDataSource pool = PgTestServer.pool(target)) {
            PostgresDialectTest.exec(pool,
                    "CREATE TABLE users (id bigserial PRIMARY KEY, full_name text, is_admin boolean, score float8, "
                            + "avatar bytea)",
                    "CREATE TABLE notes (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                            + "user_id bigint REFERENCES users (id), body text, created timestamptz DEFAULT now())");
            BackupCatalog catalog = BackupCatalog.of(LocalFolderStore.at(dir.resolve("store")));
            SqliteToPostgres.into(pool, "public").migrate(catalog, id);
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 var rs = s.executeQuery("SELECT is_admin, score::text, encode(avatar, 'hex'), "
                         + "nextval('users_id_seq'), (SELECT count(*) FROM notes WHERE created IS NOT NULL) "
                         + "FROM users WHERE id = 1")) {
                rs.next();
                assertThat(rs.getBoolean(1)).isTrue();
                assertThat(rs.getString(2)).isEqualTo("Infinity");
                assertThat(rs.getString(3)).isEqualTo("00ff");
                assertThat(rs.getLong(4)).isEqualTo(3);
                assertThat(rs.getLong(5)).isEqualTo(2);
            }

            // the tables hold rows now: a second move is refused
            assertThatThrownBy(() -> SqliteToPostgres.into(pool, "public").migrate(catalog, id))
                    .isInstanceOf(BackupException.class).hasMessageContaining("already holds rows");

            // an integer column cannot take 2.5; nothing is written
            String narrow = PgTestServer.newDatabase("moved_narrow");
            try (HikariDataSource other = PgTestServer.pool(narrow)) {
                PostgresDialectTest.exec(other, "CREATE TABLE users (id int PRIMARY KEY, full_name text, "
                                + "is_admin boolean, score integer, avatar bytea)",
                        "CREATE TABLE notes (id int PRIMARY KEY, user_id int, body text)");
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + sqlite);
                     Statement s = c.createStatement()) {
                    s.execute("UPDATE Users SET Score = 1.0 WHERE Id = 1");
                    s.execute("UPDATE Users SET Score = 2.5 WHERE Id = 2");
                }
                String second = sqliteBackup(sqlite);
                assertThatThrownBy(() -> SqliteToPostgres.into(other, "public").migrate(catalog, second))
                        .isInstanceOf(BackupException.class)
                        .hasMessageContaining("table 'Users', row 2").hasMessageContaining("column 'Score'")
                        .hasMessageContaining("not a whole number").hasMessageContaining("target column 'score'");
                assertThat(PgTestKit.content(narrow, "public").values()).allMatch(String::isEmpty);

                PostgresDialectTest.exec(other, "DROP TABLE notes");
                assertThatThrownBy(() -> SqliteToPostgres.into(other, "public").migrate(catalog, second))
                        .hasMessageContaining("no table in schema 'public' matches 'Notes'");
            }
        }
    }
}
