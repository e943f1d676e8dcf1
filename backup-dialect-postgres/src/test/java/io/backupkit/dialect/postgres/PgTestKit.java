package io.backupkit.dialect.postgres;

import io.backupkit.BackupService;
import io.backupkit.LocalFolderStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Helpers shared by the PostgreSQL tests. */
final class PgTestKit {

    private PgTestKit() {
    }

    static byte[] resource(String name) {
        try (InputStream in = PgTestKit.class.getResourceAsStream("/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A fresh database holding the torture schema. */
    static String tortureDatabase() {
        String db = PgTestServer.newDatabase("torture");
        PgCli.psql(db, resource("torture.sql"));
        return db;
    }

    /** A fresh database holding Chinook (the script's own DROP/CREATE DATABASE and \c lines are left out). */
    static String chinookDatabase() {
        String script = new String(resource("datasets/Chinook_PostgreSql.sql"), StandardCharsets.UTF_8);
        int start = script.indexOf("\\c chinook;");
        String db = PgTestServer.newDatabase("chinook");
        PgCli.psql(db, script.substring(start + "\\c chinook;".length()).getBytes(StandardCharsets.UTF_8));
        return db;
    }

    static BackupService service(DataSource dataSource, Path store, PostgresDialect dialect) {
        return BackupService.builder().dataSource(dataSource).dialect(dialect).store(LocalFolderStore.at(store))
                .build();
    }

    static byte[] export(BackupService service, String id) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        service.exportSql(id, out);
        return out.toByteArray();
    }

    static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(PgTestServer.url(database));
    }

    /**
     * The identity of every object in a schema (relations, constraints, types with their OIDs and
     * definitions): equal before and after only when nothing was dropped, recreated or altered.
     */
    static String catalogIdentity(String database, String schema) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     SELECT coalesce(string_agg(x, E'\n' ORDER BY x), '') FROM (
                       SELECT c.oid || ' ' || c.relname || ' ' || c.relkind || ' ' || c.relfilenode AS x
                       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '%1$s'
                       UNION ALL
                       SELECT k.oid || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) FROM pg_constraint k
                       JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = '%1$s'
                       UNION ALL
                       SELECT t.oid || ' ' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                       WHERE n.nspname = '%1$s'
                       UNION ALL
                       SELECT n.oid || ' schema ' || n.nspname FROM pg_namespace n) q""".formatted(schema))) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Every table's rows as exact text, ordered, plus every sequence's state, for one schema. */
    static Map<String, String> content(String database, String schema) throws SQLException {
        Map<String, String> out = new LinkedHashMap<>();
        try (Connection c = connect(database); Statement s = c.createStatement()) {
            s.execute("SET extra_float_digits = 3");
            s.execute("SET TimeZone = 'UTC'");
            s.execute("SET DateStyle = 'ISO, YMD'");
            s.execute("SET IntervalStyle = 'iso_8601'");
            List<String> tables = new ArrayList<>();
            List<String> sequences = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                    + "ON n.oid = c.relnamespace WHERE n.nspname = '" + schema + "' AND c.relkind IN ('r', 'S') "
                    + "ORDER BY 1")) {
                while (rs.next()) {
                    (rs.getString(2).equals("r") ? tables : sequences).add(rs.getString(1));
                }
            }
            for (String table : tables) {
                String q = "\"" + schema + "\".\"" + table.replace("\"", "\"\"") + "\"";
                try (ResultSet rs = s.executeQuery("SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '') "
                        + "FROM " + q + " x")) {
                    rs.next();
                    out.put("table " + table, rs.getString(1));
                }
            }
            for (String sequence : sequences) {
                String q = "\"" + schema + "\".\"" + sequence.replace("\"", "\"\"") + "\"";
                try (ResultSet rs = s.executeQuery("SELECT last_value || ' ' || is_called FROM " + q)) {
                    rs.next();
                    out.put("sequence " + sequence, rs.getString(1));
                }
            }
        }
        return out;
    }
}
