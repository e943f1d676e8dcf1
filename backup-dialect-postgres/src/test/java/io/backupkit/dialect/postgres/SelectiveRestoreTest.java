package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupException;
import io.backupkit.BackupService;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.SelectiveRestoreResult.Action;
import io.backupkit.Selection;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Selective restore into a live PostgreSQL schema: rows with descendants and missing ancestors, whole tables. */
class SelectiveRestoreTest {

    @TempDir
    Path store;

    @Test
    void rowsComeBackWithTheirDescendantsAndMissingAncestorsAndConflictsFollowThePolicy() throws Exception {
        String db = PgTestServer.newDatabase("selective");
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            PostgresDialectTest.exec(pool,
                    "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)",
                    "CREATE TABLE tickets (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                            + "user_id bigint NOT NULL REFERENCES users (id), title text)",
                    "CREATE TABLE comments (id serial PRIMARY KEY, ticket_id integer REFERENCES tickets (id) "
                            + "ON DELETE CASCADE, body text)",
                    "CREATE TABLE settings (k text PRIMARY KEY, v text)",
                    "INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')",
                    "INSERT INTO tickets (user_id, title) VALUES (1, 't1'), (2, 't2'), (2, 't3')",
                    "INSERT INTO comments (ticket_id, body) VALUES (2, 'c1'), (2, 'c2'), (3, 'c3')",
                    "INSERT INTO settings VALUES ('theme', 'dark'), ('lang', 'fr')");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            String id = service.backup().id();

            PostgresDialectTest.exec(pool, "DELETE FROM tickets WHERE id = 2", "UPDATE comments SET body = 'edited' "
                    + "WHERE id = 3", "UPDATE settings SET v = 'light' WHERE k = 'theme'",
                    "INSERT INTO settings VALUES ('new', 'x')");
            SelectiveRestoreResult result = service.restoreSelected(id, Selection.rows("tickets", 2));
            assertThat(result.rows()).extracting(r -> r.table() + " " + r.key() + " " + r.action())
                    .containsExactlyInAnyOrder("tickets 2 INSERTED", "comments 1 INSERTED", "comments 2 INSERTED");
            assertThat(PgTestKit.content(db, "public").get("table comments"))
                    .isEqualTo("(1,2,c1)\n(2,2,c2)\n(3,3,edited)");

            // a missing ancestor comes back; the one that exists live is left alone
            PostgresDialectTest.exec(pool, "DELETE FROM tickets WHERE user_id = 2", "DELETE FROM users WHERE id = 2");
            result = service.restoreSelected(id, Selection.rows("tickets", 3).onConflict(Selection.Conflict.SKIP));
            assertThat(result.rows()).extracting(r -> r.table() + " " + r.key() + " " + r.action())
                    .containsExactlyInAnyOrder("users 2 INSERTED", "tickets 3 INSERTED", "comments 3 INSERTED");

            // conflicts: FAIL changes nothing, SKIP keeps, OVERWRITE replaces
            PostgresDialectTest.exec(pool, "UPDATE tickets SET title = 'live' WHERE id = 1");
            var before = PgTestKit.content(db, "public");
            assertThatThrownBy(() -> service.restoreSelected(id, Selection.rows("tickets", 1)))
                    .isInstanceOf(BackupException.class).hasMessageContaining("row 1 of table 'tickets'");
            assertThat(PgTestKit.content(db, "public")).isEqualTo(before);
            assertThat(service.restoreSelected(id, Selection.rows("tickets", 1).onConflict(Selection.Conflict.SKIP))
                    .count(Action.SKIPPED)).isEqualTo(1);
            assertThat(service.restoreSelected(id, Selection.rows("tickets", 1).onConflict(
                    Selection.Conflict.OVERWRITE)).count(Action.OVERWRITTEN)).isEqualTo(1);
            assertThat(PgTestKit.content(db, "public").get("table tickets")).contains("(1,1,t1)");

            // whole tables
            result = service.restoreSelected(id, Selection.tables("settings"));
            assertThat(result.rows()).extracting(r -> r.table() + " " + r.key() + " " + r.action())
                    .containsExactly("settings 2 TABLE_REPLACED");
            assertThat(PgTestKit.content(db, "public").get("table settings")).isEqualTo("(lang,fr)\n(theme,dark)");
            assertThat(RestoreRoundTripTest.schemas(pool)).noneMatch(n -> n.startsWith("backupkit_"));
            assertThatThrownBy(() -> service.restoreSelected(id, Selection.rows("users", 99)))
                    .hasMessageContaining("no row of table 'users' with key 99");
        }
    }
}
