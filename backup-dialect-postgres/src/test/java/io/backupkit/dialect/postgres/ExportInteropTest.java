package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported plain SQL loads with the real {@code psql -v ON_ERROR_STOP=1} into an identical database. */
class ExportInteropTest {

    @TempDir
    Path store;

    @Test
    void tortureSchemaExportLoadsWithPsqlIntoAnIdenticalDatabase() throws Exception {
        String source = PgTestKit.tortureDatabase();
        try (HikariDataSource pool = PgTestServer.pool(source)) {
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            BackupManifest manifest = service.backup();
            assertThat(manifest.source().dialect()).isEqualTo("postgresql");
            assertThat(manifest.warnings()).isEmpty();
            byte[] script = PgTestKit.export(service, manifest.id());
            String target = PgTestServer.newDatabase("psqlload");
            PgCli.psql(target, script);
            assertThat(PgCli.schemaDump(target, "public")).isEqualTo(PgCli.schemaDump(source, "public"));
            assertThat(PgTestKit.content(target, "public")).isEqualTo(PgTestKit.content(source, "public"))
                    .containsKey("table types").containsEntry("sequence types_id_seq", "42 true");

            // the archive's own entries, concatenated in name order, load the same way
            java.io.ByteArrayOutputStream entries = new java.io.ByteArrayOutputStream();
            String archive = service.info(manifest.id()).archiveName();
            try (java.io.InputStream in = io.backupkit.LocalFolderStore.at(store).open(archive)) {
                io.backupkit.internal.ArchiveReader.read(in, manifest.compression().algorithm(), (name, size, content) -> {
                    if (name.startsWith("sql/")) {
                        entries.writeBytes(content.readAllBytes());
                    }
                });
            }
            String fromEntries = PgTestServer.newDatabase("entries");
            PgCli.psqlSingleTransaction(fromEntries, entries.toByteArray());
            assertThat(PgTestKit.content(fromEntries, "public")).isEqualTo(PgTestKit.content(source, "public"));
        }
    }

    @Test
    void chinookExportLoadsWithPsqlIntoAnIdenticalDatabase() throws Exception {
        String source = PgTestKit.chinookDatabase();
        try (HikariDataSource pool = PgTestServer.pool(source)) {
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            BackupManifest manifest = service.backup();
            assertThat(manifest.totalRows()).isEqualTo(15_607);
            String target = PgTestServer.newDatabase("chinook_psql");
            PgCli.psql(target, PgTestKit.export(service, manifest.id()));
            assertThat(PgCli.schemaDump(target, "public")).isEqualTo(PgCli.schemaDump(source, "public"));
            assertThat(PgTestKit.content(target, "public")).isEqualTo(PgTestKit.content(source, "public"));
        }
    }
}
