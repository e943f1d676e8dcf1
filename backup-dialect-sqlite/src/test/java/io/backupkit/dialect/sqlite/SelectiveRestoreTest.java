package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.backupkit.BackupException;
import io.backupkit.BackupManifest;
import io.backupkit.BackupOptions;
import io.backupkit.BackupService;
import io.backupkit.Selection;
import io.backupkit.SelectiveRestoreResult;
import io.backupkit.SelectiveRestoreResult.Action;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "Restore one ticket deleted by mistake" and friends, on a small maintenance schema. */
class SelectiveRestoreTest {

    @TempDir
    Path work;
    Path db;
    BackupService service;
    BackupManifest manifest;

    @BeforeEach
    void backUpTickets() throws Exception {
        db = work.resolve("app.db");
        SqliteTestTools.execute(db,
                "PRAGMA journal_mode = WAL",
                "CREATE TABLE machines (id INTEGER PRIMARY KEY, name TEXT NOT NULL)",
                "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE)",
                "CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT, machine_id INTEGER REFERENCES machines(id),"
                        + " reported_by INTEGER REFERENCES users(id))",
                "CREATE TABLE ticket_comments (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL REFERENCES tickets(id),"
                        + " body TEXT)",
                "CREATE TABLE settings (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
                "INSERT INTO machines VALUES (1, 'CNC'), (2, 'Four')",
                "INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x')",
                "INSERT INTO tickets VALUES (100, 'pump leak', 1, 1), (101, 'belt', 2, 2), (102, 'oven', 2, 1)",
                "INSERT INTO ticket_comments VALUES (1, 100, 'first'), (2, 100, 'second'), (3, 101, 'other')",
                "INSERT INTO settings VALUES ('company', 'IGP'), ('tz', '-5')");
        service = SqliteTestTools.service(db, Files.createDirectories(work.resolve("store")), BackupOptions.defaults());
        manifest = service.backup();
    }

    @Test
    void aDeletedTicketComesBackWithItsCommentsAndNothingElseChanges() throws Exception {
        SqliteTestTools.execute(db,
                "DELETE FROM ticket_comments WHERE ticket_id = 100",
                "DELETE FROM tickets WHERE id = 100",
                "UPDATE tickets SET title = 'belt (edited after the backup)' WHERE id = 101",
                "INSERT INTO tickets VALUES (103, 'new since the backup', 1, 2)");

        SelectiveRestoreResult result = service.restoreSelected(manifest.id(), Selection.rows("tickets", 100L));

        assertThat(SqliteTestTools.query(db, "SELECT id, title FROM tickets ORDER BY id")).containsExactly(
                List.of("100", "pump leak"), List.of("101", "belt (edited after the backup)"),
                List.of("102", "oven"), List.of("103", "new since the backup"));
        assertThat(SqliteTestTools.query(db, "SELECT id, ticket_id, body FROM ticket_comments ORDER BY id"))
                .containsExactly(List.of("1", "100", "first"), List.of("2", "100", "second"), List.of("3", "101", "other"));
        assertThat(result.rows()).contains(
                new SelectiveRestoreResult.RowOutcome("tickets", "100", Action.INSERTED),
                new SelectiveRestoreResult.RowOutcome("ticket_comments", "1", Action.INSERTED),
                new SelectiveRestoreResult.RowOutcome("ticket_comments", "2", Action.INSERTED),
                new SelectiveRestoreResult.RowOutcome("machines", "1", Action.UNCHANGED),
                new SelectiveRestoreResult.RowOutcome("users", "1", Action.UNCHANGED));
        assertThat(result.rows()).extracting(SelectiveRestoreResult.RowOutcome::table).doesNotContain("settings");
        SqliteTestTools.assertHealthy(db);
    }

    @Test
    void missingParentsComeBackAndExistingOnesAreLeftAlone() throws Exception {
        SqliteTestTools.execute(db,
                "DELETE FROM ticket_comments WHERE ticket_id = 100",
                "DELETE FROM tickets WHERE id IN (100, 102)",
                "DELETE FROM machines WHERE id = 1",
                "UPDATE users SET email = 'renamed@x' WHERE id = 1");

        SelectiveRestoreResult result = service.restoreSelected(manifest.id(), Selection.rows("tickets", 100L)
                .onConflict(Selection.Conflict.OVERWRITE));

        assertThat(SqliteTestTools.query(db, "SELECT id, name FROM machines ORDER BY id"))
                .containsExactly(List.of("1", "CNC"), List.of("2", "Four"));
        assertThat(SqliteTestTools.query(db, "SELECT email FROM users WHERE id = 1")).containsExactly(List.of("renamed@x"));
        assertThat(result.rows()).contains(new SelectiveRestoreResult.RowOutcome("machines", "1", Action.INSERTED),
                new SelectiveRestoreResult.RowOutcome("users", "1", Action.SKIPPED));
        assertThat(SqliteTestTools.query(db, "SELECT count(*) FROM tickets WHERE id = 102")).containsExactly(List.of("0"));
    }

    @Test
    void conflictPoliciesSkipOverwriteOrFailRowByRow() throws Exception {
        SqliteTestTools.execute(db, "UPDATE ticket_comments SET body = 'edited' WHERE id = 2");
        String before = SqliteTestTools.dumpSorted(db).toString();

        assertThatThrownBy(() -> service.restoreSelected(manifest.id(), Selection.rows("tickets", 100L)))
                .isInstanceOf(BackupException.class).hasMessageContaining("row 2 of 'ticket_comments'");
        assertThat(SqliteTestTools.dumpSorted(db).toString()).isEqualTo(before);

        SelectiveRestoreResult skipped = service.restoreSelected(manifest.id(),
                Selection.rows("tickets", 100L).onConflict(Selection.Conflict.SKIP));
        assertThat(skipped.rows()).contains(new SelectiveRestoreResult.RowOutcome("ticket_comments", "2", Action.SKIPPED));
        assertThat(SqliteTestTools.query(db, "SELECT body FROM ticket_comments WHERE id = 2")).containsExactly(List.of("edited"));

        SelectiveRestoreResult overwritten = service.restoreSelected(manifest.id(),
                Selection.rows("tickets", 100L).onConflict(Selection.Conflict.OVERWRITE));
        assertThat(overwritten.rows()).contains(
                new SelectiveRestoreResult.RowOutcome("ticket_comments", "2", Action.OVERWRITTEN));
        assertThat(SqliteTestTools.query(db, "SELECT body FROM ticket_comments WHERE id = 2")).containsExactly(List.of("second"));
    }

    @Test
    void wholeTablesAreReplacedAndOthersUntouched() throws Exception {
        SqliteTestTools.execute(db, "UPDATE settings SET v = 'changed'", "INSERT INTO settings VALUES ('extra', 'x')",
                "INSERT INTO machines VALUES (3, 'new machine')");

        SelectiveRestoreResult result = service.restoreSelected(manifest.id(), Selection.tables("settings"));

        assertThat(SqliteTestTools.query(db, "SELECT k, v FROM settings ORDER BY k"))
                .containsExactly(List.of("company", "IGP"), List.of("tz", "-5"));
        assertThat(SqliteTestTools.query(db, "SELECT count(*) FROM machines")).containsExactly(List.of("3"));
        assertThat(result.count(Action.TABLE_REPLACED)).isEqualTo(1);
    }

    @Test
    void aKeyMissingFromTheBackupOrAnUnknownTableChangesNothing() throws Exception {
        String before = SqliteTestTools.dumpSorted(db).toString();
        assertThatThrownBy(() -> service.restoreSelected(manifest.id(), Selection.rows("tickets", 999L)))
                .isInstanceOf(BackupException.class).hasMessageContaining("no row of 'tickets'");
        assertThatThrownBy(() -> service.restoreSelected(manifest.id(), Selection.tables("nope")))
                .isInstanceOf(BackupException.class).hasMessageContaining("no table 'nope'");
        assertThat(SqliteTestTools.dumpSorted(db).toString()).isEqualTo(before);
        try (var files = Files.list(work)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains("backupkit-staging"));
        }
    }
}
