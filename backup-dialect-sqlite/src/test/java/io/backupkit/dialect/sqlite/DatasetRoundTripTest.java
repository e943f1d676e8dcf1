package io.backupkit.dialect.sqlite;

import static io.backupkit.dialect.sqlite.SqliteTestTools.assertHealthy;
import static io.backupkit.dialect.sqlite.SqliteTestTools.assertIdentical;
import static io.backupkit.dialect.sqlite.SqliteTestTools.assertRowCounts;
import static io.backupkit.dialect.sqlite.SqliteTestTools.copyDataset;
import static io.backupkit.dialect.sqlite.SqliteTestTools.pragma;
import static org.assertj.core.api.Assertions.assertThat;

import io.backupkit.dialect.sqlite.SqliteTestTools.RoundTrip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Backs up the public sample databases and the maintenance-app reference database, exports each
 * backup as one SQL script, loads it with the real {@code sqlite3} shell and checks that the
 * result is identical: equal {@code .dump | sort}, equal {@code user_version} and
 * {@code application_id}, a healthy database, and manifest row counts that match the source.
 */
class DatasetRoundTripTest {

    @TempDir
    Path work;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"chinook.sqlite", "northwind.sqlite", "naughty_strings.sqlite"})
    void sampleDatabaseRestoresIdentically(String dataset) throws Exception {
        Path original = copyDataset(dataset, work);
        // Values that sqlite3's own .dump would lose; a negative id checks the sign survives too.
        SqliteTestTools.stampHeader(original, 20251126, -1_112_884_556);

        assertRoundTripIdentical(original);
    }

    @Test
    void maintenanceDatabaseInWalModeRestoresIdentically() throws Exception {
        Path original = SqliteTestTools.maintenanceDb(Files.createDirectories(work.resolve("source")));
        assertThat(pragma(original, "journal_mode")).isEqualTo("wal");
        SqliteTestTools.stampHeader(original, 7, 0x424B5550);

        assertRoundTripIdentical(original);
    }

    /**
     * The header check has teeth: a copy made with sqlite3's own {@code .dump} restores the rows
     * but not the header, and {@link SqliteTestTools#assertIdentical} must notice.
     */
    @Test
    void sqliteShellDumpLosesTheHeaderThatWeCheck() throws Exception {
        Path original = copyDataset("chinook.sqlite", work);
        SqliteTestTools.stampHeader(original, 3, 4);
        Path dump = work.resolve("shell-dump.sql");
        Files.write(dump, SqliteTestTools.run(List.of(SqliteTestTools.sqlite3(), original.toString(), ".dump"), null)
                .requireClean().stdout());
        Path viaShell = work.resolve("via-shell.db");
        SqliteTestTools.load(viaShell, dump);

        assertThat(SqliteTestTools.dumpSorted(viaShell)).isEqualTo(SqliteTestTools.dumpSorted(original));
        assertThat(pragma(viaShell, "user_version")).isEqualTo("0");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> assertIdentical(original, viaShell))
                .isInstanceOf(AssertionError.class).hasMessageContaining("user_version");
    }

    private void assertRoundTripIdentical(Path original) throws Exception {
        String userVersion = pragma(original, "user_version");
        String applicationId = pragma(original, "application_id");
        assertThat(userVersion).isNotEqualTo("0");
        assertThat(applicationId).isNotEqualTo("0");

        RoundTrip trip = SqliteTestTools.roundTrip(original, Files.createDirectories(work.resolve("trip")));

        assertIdentical(original, trip.restored());
        assertThat(pragma(trip.restored(), "user_version")).isEqualTo(userVersion);
        assertThat(pragma(trip.restored(), "application_id")).isEqualTo(applicationId);
        assertHealthy(trip.restored());
        assertThat(trip.manifest().tables()).extracting(io.backupkit.TableSummary::name)
                .as("every table of the source is in the manifest")
                .containsExactlyInAnyOrderElementsOf(SqliteTestTools.query(original,
                        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
                        .stream().map(row -> row.get(0)).toList());
        assertRowCounts(trip.manifest(), original);
        assertRowCounts(trip.manifest(), trip.restored());
        assertThat(trip.manifest().source().properties())
                .containsEntry("user_version", userVersion)
                .containsEntry("application_id", applicationId);
    }
}
