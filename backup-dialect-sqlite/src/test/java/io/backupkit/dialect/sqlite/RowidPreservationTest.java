package io.backupkit.dialect.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rowids without an INTEGER PRIMARY KEY, and full-text tables that depend on them. */
class RowidPreservationTest {

    @TempDir
    Path work;

    @Test
    void hiddenRowidsSurviveSoExternalContentIndexesStillMatch() throws Exception {
        Path db = work.resolve("source.db");
        SqliteTestTools.execute(db,
                "CREATE TABLE notes(code TEXT PRIMARY KEY, body TEXT)",
                "INSERT INTO notes VALUES ('a', 'pump leaking'), ('b', 'belt worn'), ('c', 'pump noisy'), ('d', 'x')",
                "DELETE FROM notes WHERE code IN ('a', 'c')",
                "INSERT INTO notes VALUES ('e', 'pump replaced')",
                "CREATE VIRTUAL TABLE notes_fts USING fts5(body, content = 'notes')",
                "INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')");

        SqliteTestTools.RoundTrip trip = SqliteTestTools.roundTrip(db, work.resolve("trip"));

        SqliteTestTools.assertIdentical(db, trip.restored());
        SqliteTestTools.assertSameRows(db, trip.restored(), "SELECT rowid, code, body FROM notes ORDER BY rowid");
        assertThat(SqliteTestTools.query(trip.restored(), "SELECT rowid FROM notes ORDER BY rowid"))
                .containsExactly(List.of("2"), List.of("4"), List.of("5"));
        SqliteTestTools.assertSameRows(db, trip.restored(),
                "SELECT rowid, body FROM notes_fts WHERE notes_fts MATCH 'pump' ORDER BY rowid");
        assertThat(SqliteTestTools.query(trip.restored(),
                "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'pump' ORDER BY rowid")).containsExactly(List.of("5"));
        assertThat(trip.manifest().tables().stream().filter(t -> t.name().equals("notes")).findFirst().orElseThrow()
                .columns()).containsExactly("rowid", "code", "body");
    }

    @Test
    void integerPrimaryKeyTablesDoNotWriteTheRowidTwice() throws Exception {
        Path db = work.resolve("source.db");
        SqliteTestTools.execute(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO t VALUES (7, 'x')");

        SqliteTestTools.RoundTrip trip = SqliteTestTools.roundTrip(db, work.resolve("trip"));

        assertThat(trip.manifest().tables().get(0).columns()).containsExactly("id", "v");
        SqliteTestTools.assertIdentical(db, trip.restored());
    }

    @Test
    void contentlessFullTextTablesAreRestoredEmptyWithAWarning() throws Exception {
        Path db = work.resolve("source.db");
        SqliteTestTools.execute(db,
                "CREATE VIRTUAL TABLE tags USING fts5(label, content = '')",
                "INSERT INTO tags(rowid, label) VALUES (1, 'urgent'), (2, 'pump')");

        SqliteTestTools.RoundTrip trip = SqliteTestTools.roundTrip(db, work.resolve("trip"));

        assertThat(trip.manifest().warnings()).anySatisfy(w -> assertThat(w).contains("tags").contains("contentless"));
        assertThat(SqliteTestTools.query(trip.restored(), "SELECT count(*) FROM sqlite_schema WHERE name = 'tags'"))
                .containsExactly(List.of("1"));
    }
}
