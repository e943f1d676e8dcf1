package io.backupkit.dialect.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import io.backupkit.BackupManifest;
import io.backupkit.BackupService;
import io.backupkit.RestoreOptions;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generated values of every kind, bound as parameters into a real table, survive a backup, a psql
 * load of the export and a restore exactly (compared as the server's own text).
 */
class RandomValuesRoundTripTest {

    @TempDir
    Path store;

    @Test
    void generatedRowsRoundTripThroughExportAndRestore() throws Exception {
        String db = PgTestServer.newDatabase("random");
        Random random = new Random(20261126);
        List<String> texts = Arbitraries.strings().all().ofMaxLength(30).filter(s -> s.indexOf('\0') < 0)
                .sampleStream().limit(400).toList();
        try (HikariDataSource pool = PgTestServer.pool(db)) {
            PostgresDialectTest.exec(pool, "CREATE TABLE r (id int PRIMARY KEY, t text, b bytea, n numeric, "
                    + "f float8, f4 real, ts timestamptz, ta text[], j jsonb)");
            try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO r VALUES (?, ?, ?, ?, ?, ?, to_timestamp(?), ?, to_jsonb(?::text))")) {
                for (int i = 0; i < texts.size(); i++) {
                    byte[] bytes = new byte[random.nextInt(20)];
                    random.nextBytes(bytes);
                    ps.setInt(1, i);
                    ps.setString(2, texts.get(i));
                    ps.setBytes(3, bytes);
                    ps.setBigDecimal(4, new BigDecimal(random.nextLong()).movePointLeft(random.nextInt(40)));
                    ps.setDouble(5, Double.longBitsToDouble(random.nextLong()));
                    ps.setFloat(6, Float.intBitsToFloat(random.nextInt()));
                    ps.setDouble(7, random.nextInt() / 3.0);
                    ps.setArray(8, c.createArrayOf("text", new Object[] {texts.get(i), null,
                            texts.get(texts.size() - 1 - i)}));
                    ps.setString(9, texts.get(i));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            var original = PgTestKit.content(db, "public");
            BackupService service = PgTestKit.service(pool, store, new PostgresDialect());
            BackupManifest manifest = service.backup();

            String loaded = PgTestServer.newDatabase("random_psql");
            PgCli.psql(loaded, PgTestKit.export(service, manifest.id()));
            assertThat(PgTestKit.content(loaded, "public")).isEqualTo(original);

            PostgresDialectTest.exec(pool, "DELETE FROM r WHERE id % 3 = 0", "UPDATE r SET t = 'x'");
            service.restore(manifest.id(), RestoreOptions.builder().build());
            assertThat(PgTestKit.content(db, "public")).isEqualTo(original);
        }
    }
}
